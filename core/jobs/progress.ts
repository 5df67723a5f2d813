/**
 * Typed progress of an edit. One callback receives every event; switch on `type`.
 */
import type { RgbaImage } from '../image';

/** The coarse phases of an edit, in order. */
export type EditPhase =
  | 'encode-text'
  | 'encode-image'
  /** DiffEdit: the mask from the source and target prompts (one step event per map). */
  | 'generate-mask'
  /** DiffEdit: DDIM inversion of the image (one step event per level). */
  | 'invert'
  | 'denoise'
  | 'decode'
  | 'composite';

export type EditProgress =
  /** A new phase started. */
  | { type: 'phase'; phase: EditPhase }
  /**
   * A denoising step finished: `step` of `total` (1-based), with wall time
   * since denoising began. `total` counts the steps the user asked for that
   * run (with a strength below 1, only the executed ones; a scheduler's extra
   * evaluation at a repeated timestep is part of its step). `etaMs` comes
   * from the last measured step times; `NaN` while none is measured yet.
   */
  | { type: 'step'; step: number; total: number; elapsedMs: number; etaMs: number }
  /**
   * A cheap preview of the current latents (a linear latent-to-RGB projection,
   * no VAE pass), one image per result, at latent resolution.
   */
  | { type: 'preview'; step: number; total: number; images: RgbaImage[] };

export type ProgressCallback = (event: EditProgress) => void;
