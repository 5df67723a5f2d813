/**
 * Know before loading: whether an edit fits a backend's memory, estimated from
 * the model's ONNX headers and configs alone (no weights read, no session
 * made), and the largest working size that does.
 *
 * Peak model, per phase of an edit (encode text, encode image, denoise,
 * decode): the weights of every session resident in that phase (they share
 * one heap on WASM) + the running component's largest transients (for the
 * UNet and the VAE: the self-attention score matrix `batch * heads * (hw)^2`
 * floats, twice because the softmax output is a second tensor, plus its other
 * activations) + a fixed runtime overhead. The overhead and the activation
 * factors are calibrated on full-size SD 1.5 on onnxruntime-web's wasm32
 * backend in Node (see {@link WASM_OVERHEAD_BYTES}); the attention term
 * follows the attention implementation ({@link AttentionPlan}), so a
 * sliced or memory-efficient rewrite changes the verdict without new code.
 *
 * Browser-safe: no Node APIs in this file (Node's memory is passed in).
 */
import type { ComponentName, ModelRepo } from '../models';
import { profileWeights, type WeightProfile } from './weights';
import { WASM_HEAP_BYTES } from './wasm-heap';

/** Where an edit would run. */
export type CapabilityBackend = 'wasm' | 'webgpu' | 'native';

/**
 * How self-attention is computed, which decides its transient memory:
 * `full` materialises `batch * heads` score matrices of `(hw)^2` floats at
 * once (what the Optimum export does); `sliced` computes `sliceSize` of those
 * matrices at a time (diffusers' attention slicing); `chunked` computes
 * `queryChunk` query rows at a time (memory-efficient attention).
 */
export type AttentionPlan =
  | { kind: 'full' }
  | { kind: 'sliced'; sliceSize: number }
  | { kind: 'chunked'; queryChunk: number };

/** What a backend can hold. */
export interface BackendLimits {
  backend: CapabilityBackend;
  /**
   * Bytes all sessions of one ONNX Runtime instance share: the wasm32 heap
   * (4 GiB), or the machine's memory for the native runtime. Unknown for
   * WebGPU (its device memory is not exposed): then only `maxBufferBytes` counts.
   */
  memoryBytes?: number;
  /** WebGPU: the largest single tensor, `min(maxBufferSize, maxStorageBufferBindingSize)`. */
  maxBufferBytes?: number;
  /** WebGPU: whether float16 shaders are available. */
  shaderF16?: boolean;
}

/** wasm32 addresses 4 GiB, and ONNX Runtime Web gives one heap to all sessions of its instance (`wasm-heap.ts`). */
export { WASM_HEAP_BYTES };

/**
 * Memory the wasm runtime needs beyond weights and the activations modelled
 * here (its code and stack, graph and kernel state, allocator slack).
 * Measured on full-size SD 1.5 (fp32, 3.20 GiB of UNet weights) alone in a
 * heap: 3.68 GiB of heap right after the UNet loads, 0.48 GiB over its
 * weights. It also puts the predicted boundary where it was measured
 * (batch 1, fresh process per size): 32x32 and 40x40 latents run, 48x48
 * and 64x64 fail with `std::bad_alloc` (latent sides are multiples of 8).
 */
export const WASM_OVERHEAD_BYTES = 500 * 2 ** 20;

/** The same for onnxruntime-node: its arena and threads' buffers (peak RSS 6.6 GiB for 3.44 GB of UNet weights). */
export const NATIVE_OVERHEAD_BYTES = 1 * 2 ** 30;

/** Limits of a backend as far as they are known without probing it. */
export function backendLimits(backend: 'wasm'): BackendLimits;
export function backendLimits(backend: 'native', totalMemoryBytes: number): BackendLimits;
export function backendLimits(backend: 'wasm' | 'native', totalMemoryBytes?: number): BackendLimits {
  return backend === 'wasm' ? { backend, memoryBytes: WASM_HEAP_BYTES } : { backend, memoryBytes: totalMemoryBytes };
}

/** Self-attention at one UNet resolution. */
export interface AttentionLevel {
  /** Latent pixels per attention token along each side (1, 2, 4, 8). */
  downsample: number;
  channels: number;
  heads: number;
}

/** What memory depends on, read from a repo's ONNX headers and configs. */
export interface ModelFootprint {
  /** Weight profile of each component's `model.onnx` (initializer headers; external lengths as written). */
  weights: Record<ComponentName, WeightProfile>;
  /** UNet block widths (`block_out_channels`) and where it has self-attention. */
  unetChannels: number[];
  attention: AttentionLevel[];
  /** VAE block widths: its largest activations are `channels[0]` at full image size. */
  vaeChannels: number[];
  vaeScaleFactor: number;
  /** Working sides must be multiples of this (64 for SD 1.x). */
  sizeMultiple: number;
}

/**
 * Reads a repo's footprint: each `model.onnx` (a few MB; external weights are
 * not read, their lengths are in the headers) and the configs.
 */
export async function readFootprint(repo: ModelRepo): Promise<ModelFootprint> {
  const names = Object.keys(repo.components) as ComponentName[];
  const profiles = await Promise.all(
    names.map(async (name) => [name, profileWeights({ model: await repo.source.readBytes(repo.components[name].modelPath) })] as const),
  );
  return footprintFromConfigs(Object.fromEntries(profiles) as Record<ComponentName, WeightProfile>, repo.unetConfig, repo.vaeConfig, repo.vaeScaleFactor);
}

/** {@link readFootprint} from already profiled weights and the two configs. */
export function footprintFromConfigs(
  weights: Record<ComponentName, WeightProfile>,
  unetConfig: Record<string, unknown>,
  vaeConfig: Record<string, unknown>,
  vaeScaleFactor: number,
): ModelFootprint {
  const unetChannels = numbers(unetConfig['block_out_channels'], [320, 640, 1280, 1280]);
  const down = Array.isArray(unetConfig['down_block_types']) ? (unetConfig['down_block_types'] as unknown[]).map(String) : [];
  // diffusers' naming quirk: without `num_attention_heads`, `attention_head_dim` is the head count (8 for SD 1.x).
  const headsConfig = unetConfig['num_attention_heads'] ?? unetConfig['attention_head_dim'] ?? 8;
  const headsAt = (level: number): number =>
    Array.isArray(headsConfig) ? Number(headsConfig[level] ?? headsConfig.at(-1)) : Number(headsConfig);
  const attention: AttentionLevel[] = [];
  down.forEach((type, level) => {
    if (type.includes('CrossAttn')) attention.push({ downsample: 2 ** level, channels: unetChannels[level]!, heads: headsAt(level) });
  });
  const last = unetChannels.length - 1;
  if (String(unetConfig['mid_block_type'] ?? 'UNetMidBlock2DCrossAttn').includes('CrossAttn')) {
    attention.push({ downsample: 2 ** last, channels: unetChannels[last]!, heads: headsAt(last) });
  }
  return {
    weights,
    unetChannels,
    attention,
    vaeChannels: numbers(vaeConfig['block_out_channels'], [128, 256, 512, 512]),
    vaeScaleFactor,
    sizeMultiple: vaeScaleFactor * 2 ** last,
  };
}

/** An edit's shape, as far as memory is concerned. */
export interface EditShape {
  /** Working size in pixels. */
  width: number;
  height: number;
  /** UNet batch: guidance chunks x images (2 for a guided edit of one image). */
  unetBatch: number;
  /** Whether the edit encodes the image (every edit but text-to-image at full strength). */
  encodesImage?: boolean;
  /** The editor's `lowMemory`: encoders released before the UNet loads. */
  lowMemory?: boolean;
  /** Default `{ kind: 'full' }`. */
  attention?: AttentionPlan;
  /** VAE tile size in pixels when the VAE runs tiled (see `pipelines/vae-tiling.ts`); default whole image. */
  vaeTile?: number;
}

/** One phase's peak, in bytes. */
export interface PhasePeak {
  phase: 'encode-text' | 'encode-image' | 'denoise' | 'decode';
  /** Weights of the sessions resident in this phase, as the backend holds them. */
  residentBytes: number;
  /** Transient activations of the running component. */
  activationBytes: number;
  /** The largest single tensor (WebGPU buffers must hold it). */
  largestTensorBytes: number;
  totalBytes: number;
}

/** The verdict for one backend and size. */
export interface FitEstimate {
  backend: CapabilityBackend;
  width: number;
  height: number;
  fits: boolean;
  /** Estimated peak (the worst phase), bytes; includes the runtime overhead. */
  peakBytes: number;
  /** What the backend can hold, when known. */
  limitBytes?: number;
  /** The worst phase and its parts. */
  worst: PhasePeak;
  /** Every phase, in order (without the runtime overhead). */
  phases: PhasePeak[];
  /** The runtime's fixed overhead included in `peakBytes`. */
  overheadBytes: number;
  /** Why it does not fit, for people. */
  reason?: string;
}

/** Estimates whether `shape` fits `limits`. Pure and cheap (no I/O). */
export function estimateFit(model: ModelFootprint, limits: BackendLimits, shape: EditShape): FitEstimate {
  const phases = phasePeaks(model, limits.backend, shape);
  const overhead = limits.backend === 'wasm' ? WASM_OVERHEAD_BYTES : limits.backend === 'native' ? NATIVE_OVERHEAD_BYTES : 0;
  const worst = phases.reduce((a, b) => (b.totalBytes > a.totalBytes ? b : a));
  const peakBytes = worst.totalBytes + overhead;
  const base = { backend: limits.backend, width: shape.width, height: shape.height, peakBytes, worst, phases, overheadBytes: overhead };
  const weightsF16 = Object.values(model.weights).some((w) => w.floatType === 'float16');
  if (limits.backend === 'webgpu' && weightsF16 && limits.shaderF16 === false) {
    return { ...base, fits: false, reason: 'the model uses float16 and this GPU lacks shader-f16' };
  }
  if (limits.maxBufferBytes !== undefined) {
    const tensor = Math.max(...phases.map((p) => p.largestTensorBytes), ...Object.values(model.weights).map((w) => w.largestBytes));
    if (tensor > limits.maxBufferBytes) {
      return {
        ...base,
        fits: false,
        reason: `its largest tensor (${gib(tensor)}) is more than this GPU's largest buffer (${gib(limits.maxBufferBytes)})`,
      };
    }
  }
  if (limits.memoryBytes !== undefined && peakBytes > limits.memoryBytes) {
    const where = limits.backend === 'wasm' ? 'one WASM instance holds' : 'this machine has';
    return {
      ...base,
      limitBytes: limits.memoryBytes,
      fits: false,
      reason: `it needs about ${gib(peakBytes)} while ${phaseWords[worst.phase]}, and ${where} ${gib(limits.memoryBytes)}`,
    };
  }
  return { ...base, ...(limits.memoryBytes !== undefined ? { limitBytes: limits.memoryBytes } : {}), fits: true };
}

/**
 * The largest square working side (a multiple of the model's size multiple,
 * at most `upTo`) that fits, or 0 when none does.
 */
export function largestFittingSide(model: ModelFootprint, limits: BackendLimits, shape: Omit<EditShape, 'width' | 'height'>, upTo = 2048): number {
  let best = 0;
  for (let side = model.sizeMultiple; side <= upTo; side += model.sizeMultiple) {
    if (!estimateFit(model, limits, { ...shape, width: side, height: side }).fits) break;
    best = side;
  }
  return best;
}

/** A one-line summary for a panel or `--json`: does it fit here, and up to what size. */
export interface CapabilitySummary {
  backend: CapabilityBackend;
  fits: boolean;
  width: number;
  height: number;
  /** Estimated peak memory of the edit, bytes. */
  peakBytes: number;
  limitBytes?: number;
  /** The largest square side that fits this backend (0: none). */
  maxSide: number;
  /** For people: "fits", or "runs here at up to 384 px on WASM; 512 px needs WebGPU". */
  message: string;
}

/** {@link estimateFit} plus {@link largestFittingSide}, worded for people. */
export function summarizeCapability(model: ModelFootprint, limits: BackendLimits, shape: EditShape): CapabilitySummary {
  const fit = estimateFit(model, limits, shape);
  const { width: _w, height: _h, ...rest } = shape;
  const maxSide = largestFittingSide(model, limits, rest);
  const name = BACKEND_WORDS[limits.backend];
  const size = shape.width === shape.height ? `${shape.width} px` : `${shape.width}x${shape.height} px`;
  const elsewhere = limits.backend === 'webgpu' ? 'the native runtime or a GPU with more memory' : limits.backend === 'wasm' ? 'WebGPU or the native runtime' : 'a machine with more memory';
  const message = fit.fits
    ? `fits on ${name} (about ${gib(fit.peakBytes)} at ${size})`
    : maxSide > 0
      ? `runs here at up to ${maxSide} px on ${name}; ${size} needs ${elsewhere}`
      : `does not run on ${name} at any size (${fit.reason}); it needs ${elsewhere}`;
  return {
    backend: limits.backend,
    fits: fit.fits,
    width: shape.width,
    height: shape.height,
    peakBytes: fit.peakBytes,
    ...(fit.limitBytes !== undefined ? { limitBytes: fit.limitBytes } : {}),
    maxSide,
    message,
  };
}

const BACKEND_WORDS: Record<CapabilityBackend, string> = { wasm: 'WASM', webgpu: 'WebGPU', native: 'the native runtime' };
const phaseWords: Record<PhasePeak['phase'], string> = {
  'encode-text': 'encoding the prompt',
  'encode-image': 'encoding the image',
  denoise: 'denoising',
  decode: 'decoding',
};

/** Per phase: which sessions are resident (as in `lazy-components.ts`) and what runs. */
function phasePeaks(model: ModelFootprint, backend: CapabilityBackend, shape: EditShape): PhasePeak[] {
  const w = (name: ComponentName) => residentWeightBytes(model.weights[name], backend);
  const act = activations(model, shape);
  const encodes = shape.encodesImage ?? true;
  const low = shape.lowMemory ?? false;
  const phase = (p: PhasePeak['phase'], resident: ComponentName[], running: { bytes: number; largest: number }): PhasePeak => {
    const residentBytes = resident.reduce((n, c) => n + w(c), 0);
    return { phase: p, residentBytes, activationBytes: running.bytes, largestTensorBytes: running.largest, totalBytes: residentBytes + running.bytes };
  };
  const text: ComponentName[] = ['text_encoder'];
  const image: ComponentName[] = encodes ? ['vae_encoder'] : [];
  const phases = [phase('encode-text', text, act.text)];
  if (encodes) phases.push(phase('encode-image', low ? image : [...text, ...image], act.vaeEncoder));
  phases.push(phase('denoise', low ? ['unet'] : [...text, ...image, 'unet'], act.unet));
  phases.push(phase('decode', low ? ['unet', 'vae_decoder'] : [...text, ...image, 'unet', 'vae_decoder'], act.vaeDecoder));
  return phases;
}

/**
 * Weight bytes as the backend holds them. The CPU runtimes have few float16
 * kernels: ONNX Runtime casts float16 weights to float32 at load (measured:
 * the fp16 SD UNet fails on WASM at the same sizes as the fp32 one), so they
 * count at 4 bytes per element there.
 */
export function residentWeightBytes(profile: WeightProfile, backend: CapabilityBackend): number {
  if (backend === 'webgpu') return profile.totalBytes;
  const f16 = (profile.bytesByType['float16'] ?? 0) + (profile.bytesByType['bfloat16'] ?? 0);
  return profile.totalBytes + f16;
}

interface Transient {
  bytes: number;
  largest: number;
}

/** Transient activations per component at `shape` (float32: the CPU runtimes compute in float32). */
function activations(model: ModelFootprint, shape: EditShape): { text: Transient; vaeEncoder: Transient; unet: Transient; vaeDecoder: Transient } {
  const f = model.vaeScaleFactor;
  const plan = shape.attention ?? { kind: 'full' };
  const tokens = (shape.width / f) * (shape.height / f);
  const b = shape.unetBatch;

  // UNet: every self-attention level's score matrices (the largest dominates:
  // they are freed between layers), plus the skip tensors kept for the up path,
  // the feed-forward's GEGLU projection (8x channels) and a few ResNet tensors.
  let scores = 0;
  for (const level of model.attention) {
    scores = Math.max(scores, attentionBytes(plan, b * level.heads, tokens / level.downsample ** 2));
  }
  const c0 = model.unetChannels[0] ?? 320;
  const skipChannels = model.unetChannels.reduce((n, c, level) => n + (3 * c) / 4 ** level, 0);
  const unetOther = 4 * b * tokens * (skipChannels + 12 * c0 + 4 * c0);
  const unet = { bytes: scores + unetOther, largest: Math.max(scores / 2, 4 * b * tokens * 8 * c0) };

  // VAE: its largest feature maps are `channels[0]` at full (tile) size, a few
  // alive at once, and one single-head attention at latent size in the mid block.
  const tile = shape.vaeTile;
  const pw = tile ? Math.min(tile, shape.width) : shape.width;
  const ph = tile ? Math.min(tile, shape.height) : shape.height;
  const vaeTokens = (pw / f) * (ph / f);
  const map = 4 * (model.vaeChannels[0] ?? 128) * pw * ph;
  const vaeAttention = attentionBytes({ kind: 'full' }, 1, vaeTokens);
  const vae = { bytes: 4 * map + vaeAttention, largest: Math.max(map, vaeAttention / 2) };

  const text = { bytes: 4 * 2 * 77 * 3072 * 4, largest: 4 * 2 * 77 * 3072 };
  return { text, vaeEncoder: vae, unet, vaeDecoder: vae };
}

/** Bytes of one attention layer's score matrices (and the softmax's output) for `matrices` = batch x heads. */
export function attentionBytes(plan: AttentionPlan, matrices: number, tokens: number): number {
  const perMatrix = 4 * tokens * tokens;
  switch (plan.kind) {
    case 'full':
      return 2 * matrices * perMatrix;
    case 'sliced':
      return 2 * Math.min(plan.sliceSize, matrices) * perMatrix;
    case 'chunked':
      return 2 * matrices * 4 * Math.min(plan.queryChunk, tokens) * tokens;
  }
}

function numbers(value: unknown, fallback: number[]): number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number') ? (value as number[]) : fallback;
}

/** Bytes as GiB (or MiB below one GiB), for messages. */
export function gib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}
