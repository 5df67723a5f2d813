/**
 * Fitting a model into ONNX Runtime Web's wasm32 heap.
 *
 * Why: each ORT-web instance has one linear memory of at most 4 GiB, shared
 * by all its sessions, whatever the machine has. A full-size SD 1.5 UNet
 * (3.44 GB of float32 weights) leaves a few hundred MB beside it, so on that
 * heap (measured with `fixtures/realscale`, batch 1, 64x64 latents):
 *
 * - its attention runs in query slices (`sliced-attention.ts`): without,
 *   every 48x48 or 64x64 step fails with `std::bad_alloc`; with 16 slices
 *   the heap peaks at 3.73 GiB;
 * - it is alone in the heap: the text encoder (0.49 GB) and the VAE are
 *   released before it loads and it is released before they run
 *   (`lazy-components.ts`).
 *
 * Native ONNX Runtime and WebGPU (weights and activations in GPU memory)
 * have no such wall, so nothing here applies to them.
 *
 * Browser-safe: no Node APIs in this file.
 */
import type { OrtRuntime } from './ort';
import type { WeightProfile } from './weights';

/** The wasm32 heap of one ONNX Runtime Web instance. */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;

/**
 * A model whose weights take more of the heap than this is "heavy": it gets
 * sliced attention and the heap to itself. Half the heap: a model that size
 * and the activations of a 512 px edit do not fit beside other sessions.
 */
export const HEAVY_MODEL_BYTES = WASM_HEAP_BYTES / 2;

/**
 * Query slices per attention for heavy models. 16 keeps one 64x64 self-attention
 * slice's scores at 32 MB per image (8 heads x 256 x 4096 floats).
 */
export const HEAVY_ATTENTION_SLICES = 16;

/**
 * Images per UNet call for heavy models: guidance batches (CFG's 2,
 * pix2pix's 3) run as consecutive calls. Batch 1 at 64x64 latents was
 * measured to fit (heap peak 3.73 GiB); batch 2 leaves under 0.15 GiB spare,
 * and a step costs about the same either way on the CPU.
 */
export const HEAVY_UNET_BATCH = 1;

/** How a session is fitted into the heap. */
export interface HeapPlan {
  /** Weight bytes the heap will hold (float16 weights count twice: the CPU kernels run on float32 copies). */
  readonly heapWeightBytes: number;
  /** The model should have the heap to itself. */
  readonly heavy: boolean;
  /** Query slices per attention; undefined leaves the graph as it is. */
  readonly attentionSlices: number | undefined;
}

/**
 * Attention slicing setting of a runtime: `auto` (slice heavy models on the
 * wasm heap), `off`, or a slice count applied to every UNet (e.g. to check
 * the rewrite on small models).
 */
export type AttentionSlicing = 'auto' | 'off' | number;

/**
 * True when sessions of `ort` with these execution providers live in a
 * wasm32 heap: ONNX Runtime Web, without WebGPU (on WebGPU the weights and
 * activations live in GPU memory).
 */
export function runsOnWasmHeap(ort: OrtRuntime, executionProviders: readonly unknown[] | undefined): boolean {
  const versions = (ort.env as { versions?: Record<string, unknown> }).versions;
  if (!versions || !('web' in versions)) return false;
  const names = (executionProviders ?? ['wasm']).map((p) => (typeof p === 'string' ? p : (p as { name?: string }).name));
  return !names.some((n) => n === 'webgpu' || n === 'webnn');
}

/** Plans a session from its weight profile: see the module notes. */
export function heapPlan(profile: WeightProfile, onWasmHeap: boolean, slicing: AttentionSlicing = 'auto'): HeapPlan {
  const f16 = (profile.bytesByType['float16'] ?? 0) + (profile.bytesByType['bfloat16'] ?? 0);
  const heapWeightBytes = profile.totalBytes + f16;
  const heavy = onWasmHeap && heapWeightBytes > HEAVY_MODEL_BYTES;
  const attentionSlices = typeof slicing === 'number' ? slicing : slicing === 'auto' && heavy ? HEAVY_ATTENTION_SLICES : undefined;
  return { heapWeightBytes, heavy, attentionSlices };
}
