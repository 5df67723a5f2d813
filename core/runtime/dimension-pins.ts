/**
 * Pinning symbolic dimensions (ONNX Runtime's `freeDimensionOverrides`).
 * An export with symbolic shapes (`batch_size`, `height`, `width`,
 * `sequence_length`) makes ORT plan for any size; pinning them to the size a
 * session will run at lets it specialise kernels and buffers, which ONNX
 * Runtime Web's own SD-Turbo example does for its WebGPU speed. A session
 * created with pins only takes that size, so sessions are made per working
 * size (see `core/lazy-components.ts`).
 */
import type { OnnxValueInfo } from '../models/onnx-graph';

/** The sizes a session will run at; axes left undefined stay symbolic. */
export interface ShapePins {
  batch?: number;
  /** Text length in tokens (77 for CLIP). */
  sequence?: number;
  /** The spatial size of the component's image-like inputs (pixels for the VAE encoder, latents otherwise). */
  height?: number;
  width?: number;
}

/**
 * What each axis of an input of a given rank means in Stable Diffusion
 * graphs: `[batch, channels, height, width]` images and latents,
 * `[batch, sequence, hidden]` embeddings, `[batch, sequence]` token ids.
 * Channels and hidden sizes are fixed by the weights and never symbolic.
 */
const AXES: Record<number, readonly (keyof ShapePins | undefined)[]> = {
  4: ['batch', undefined, 'height', 'width'],
  3: ['batch', 'sequence', undefined],
  2: ['batch', 'sequence'],
};

/**
 * `freeDimensionOverrides` for a graph's declared inputs: each symbolic dim
 * name mapped to its pinned value. A name that two inputs would pin to
 * different values is left symbolic rather than guessed.
 */
export function freeDimensionOverrides(inputs: readonly OnnxValueInfo[], pins: ShapePins): Record<string, number> {
  const out: Record<string, number> = {};
  const conflicting = new Set<string>();
  for (const input of inputs) {
    const axes = input.shape && AXES[input.shape.length];
    if (!axes || !input.shape) continue;
    input.shape.forEach((dim, i) => {
      const axis = axes[i];
      const value = axis && pins[axis];
      if (typeof dim !== 'string' || dim === '' || value === undefined) return;
      if (out[dim] !== undefined && out[dim] !== value) conflicting.add(dim);
      out[dim] = value;
    });
  }
  for (const name of conflicting) delete out[name];
  return out;
}
