/**
 * The editor's "know before loading" gate: before any weights are read or a
 * session is made, the capability estimate (`runtime/capability.ts`) decides
 * whether the edit fits the backend at its working size. If not, the edit
 * fails with a {@link ResourceLimitError} that names the size that would run
 * here and the backends that would run this one; if it does, the verdict goes
 * into the result's metadata.
 */
import { ResourceLimitError } from '../errors';
import type { ModelRepo } from '../models';
import {
  backendLimits,
  readFootprint,
  summarizeCapability,
  type BackendLimits,
  type CapabilitySummary,
  type EditShape,
  type ModelFootprint,
} from '../runtime/capability';
import { memoryKind } from '../runtime/memory-errors';
import type { StippleRuntime } from '../runtime';
import type { VaeTiling } from './vae-tiling';

/** `auto`: tiles only when the estimate says the whole-image VAE would not fit; `off`: never; or always these tiles. */
export type VaeTilingChoice = 'auto' | 'off' | VaeTiling;

/** The gate's answer: the verdict (when limits are known) and the VAE tiles to use, if any. */
export interface FitPlan {
  summary?: CapabilitySummary;
  vaeTiling?: VaeTiling;
}

/**
 * The limits the editor can know by itself: the wasm heap for onnxruntime-web
 * on WASM. WebGPU (adapter limits) and the native runtime (the machine's
 * memory) need the host to say: see `EditorOptions.limits`.
 */
export function defaultLimits(runtime: StippleRuntime): BackendLimits | undefined {
  if (runtime.executionProviders?.some((p) => p !== 'wasm' && p !== 'cpu')) return undefined;
  return memoryKind(runtime.ort) === 'wasm' ? backendLimits('wasm') : undefined;
}

/** Checks edits of one repo against one backend's limits; reads the repo's ONNX headers once. */
export class FitCheck {
  #footprint: Promise<ModelFootprint> | undefined;
  constructor(
    private readonly repo: ModelRepo,
    private readonly limits: BackendLimits | undefined,
  ) {}

  /** The footprint of the repo (cached). */
  footprint(): Promise<ModelFootprint> {
    this.#footprint ??= readFootprint(this.repo);
    this.#footprint.catch(() => (this.#footprint = undefined));
    return this.#footprint;
  }

  /**
   * The verdict for `shape` and the VAE tiles to run with. With `auto`, tiles
   * of the VAE's own size, then half that, are tried when the whole-image VAE
   * is what does not fit.
   *
   * @throws {ResourceLimitError} when the edit does not fit, tiled or not.
   */
  async check(shape: EditShape, tiling: VaeTilingChoice = 'auto'): Promise<FitPlan> {
    const explicit = typeof tiling === 'object' ? tiling : undefined;
    if (!this.limits) return explicit ? { vaeTiling: explicit } : {};
    const footprint = await this.footprint();
    const summary = summarizeCapability(footprint, this.limits, { ...shape, vaeTile: explicit?.tileSize });
    if (summary.fits) return { summary, ...(explicit ? { vaeTiling: explicit } : {}) };
    if (tiling === 'auto') {
      const own = Number(this.repo.vaeConfig['sample_size']) || 512;
      for (const tileSize of [own, own / 2]) {
        if (tileSize % 32 !== 0 || tileSize >= Math.max(shape.width, shape.height)) continue;
        const tiled = summarizeCapability(footprint, this.limits, { ...shape, vaeTile: tileSize });
        if (tiled.fits) return { summary: tiled, vaeTiling: { tileSize } };
      }
    }
    throw resourceLimitError(summary);
  }
}

/** The error for an edit that does not fit: what was asked, why not, what would work. */
export function resourceLimitError(summary: CapabilitySummary): ResourceLimitError {
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  const where = summary.backend === 'wasm' ? 'one WASM instance holds' : summary.backend === 'native' ? 'this computer has' : 'this GPU allows';
  const limit = summary.limitBytes !== undefined ? ` and ${where} ${gib(summary.limitBytes)}` : '';
  const other = summary.backend === 'wasm' ? 'WebGPU or the native runtime' : summary.backend === 'webgpu' ? 'the native runtime' : 'a computer with more memory';
  const smaller = summary.maxSide > 0 ? `It runs here at up to ${summary.maxSide}x${summary.maxSide} px: use a smaller working size or selection, or ` : 'Use ';
  return new ResourceLimitError(
    `This model is too large to edit at ${summary.width}x${summary.height} px on ${summary.backend === 'wasm' ? 'WASM' : summary.backend === 'webgpu' ? 'WebGPU' : 'the native runtime'}: ` +
      `it needs about ${gib(summary.peakBytes)}${limit}. Nothing was downloaded or loaded. ${smaller}${other}.`,
    { backend: summary.backend, maxSide: summary.maxSide },
  );
}
