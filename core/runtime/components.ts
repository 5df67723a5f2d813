/**
 * Typed adapters for the four Stable Diffusion components.
 *
 * Real ONNX repos disagree on dtypes and shapes (see docs/platform.md, "ONNX
 * exports of Stable Diffusion"): `input_ids` int32 or int64, the UNet
 * `timestep` a float32 scalar, an int64 `[1]` or an int64 `[batch]`, the VAE
 * encoder returning distribution parameters or an in-graph sample, float16 or
 * float32 I/O. Each adapter reads its session's metadata once, at creation,
 * and builds feeds to match, so pipelines see one API for every export.
 */
import { ModelFormatError, RuntimeError, StippleError } from '../errors';
import type { Tensor } from 'onnxruntime-web';
import type { GpuContext } from '../gpu/context';
import type { HostTensor, IoInfo, ModelSession, OutputTensor } from './session';
import { batchSlice, fixedDim, runInSlices } from './static-shapes';

/** The integer types `input_ids` comes in. */
export type IdsType = 'int32' | 'int64';

/** How the UNet graph wants its timestep: rank 0, one value `[1]`, or one per batch item `[batch]`. */
export type TimestepLayout = 'scalar' | 'one' | 'batch';

/** Element types a timestep can have. */
export type TimestepType = 'float32' | 'float16' | 'int64' | 'int32';

/** A float32 tensor with its dims. */
export interface FloatTensor {
  data: Float32Array;
  dims: number[];
}

/** VAE encoder result: the posterior's parameters (current Optimum) or a sample drawn in the graph (Optimum < 1.23). */
export type VaeEncoderOutput =
  | { kind: 'parameters'; mean: Float32Array; logvar: Float32Array; dims: number[] }
  | { kind: 'sample'; sample: Float32Array; dims: number[] };

const INT_TYPES = new Set(['int32', 'int64', undefined]);

function byName(list: readonly IoInfo[], names: readonly string[]): IoInfo | undefined {
  for (const n of names) {
    const hit = list.find((i) => i.name === n);
    if (hit) return hit;
  }
  return undefined;
}

function describe(list: readonly IoInfo[]): string {
  return list.map((i) => `${i.name} ${i.type ?? '?'} [${i.shape.join(', ')}]`).join(', ') || 'none';
}

function floatOutput(session: ModelSession, outputs: Record<string, OutputTensor>, name: string): FloatTensor {
  const t = outputs[name];
  if (!t) throw new RuntimeError(`${session.file}: the model returned no "${name}" output.`);
  if (!(t.data instanceof Float32Array)) {
    throw new RuntimeError(`${session.file}: output "${name}" is ${t.type}, expected float32 or float16.`);
  }
  return { data: t.data, dims: [...t.dims] };
}

function checkSize(file: string, what: string, data: ArrayLike<number>, dims: readonly number[], rank: number): void {
  const size = dims.reduce((a, b) => a * b, 1);
  if (dims.length !== rank || size !== data.length || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new StippleError(
      'INVALID_INPUT',
      `${file}: ${what} must be a rank-${rank} tensor whose dims match its ${data.length} values (got dims [${dims.join(', ')}]).`,
    );
  }
}

/** CLIP text encoder: token ids -> `last_hidden_state`. */
export class TextEncoderSession {
  readonly session: ModelSession;
  /** What the graph's `input_ids` takes. */
  readonly idsType: IdsType;
  /** The batch size the graph pins (static-shape exports), when it does. */
  readonly fixedBatch: number | undefined;
  readonly #input: string;
  readonly #output: string;

  /** @throws {ModelFormatError} when the graph has no integer ids input or no hidden-state output. */
  constructor(session: ModelSession) {
    this.session = session;
    const input =
      byName(session.inputs, ['input_ids']) ?? (session.inputs.length === 1 ? session.inputs[0] : undefined);
    if (!input || !INT_TYPES.has(input.type)) {
      throw new ModelFormatError(
        session.file,
        'a CLIP text encoder with an int32 or int64 "input_ids" input',
        `inputs: ${describe(session.inputs)}`,
      );
    }
    const output =
      byName(session.outputs, ['last_hidden_state']) ??
      session.outputs.find((o) => o.shape.length === 3) ??
      session.outputs[0];
    if (!output) throw new ModelFormatError(session.file, 'a "last_hidden_state" output', 'the graph has no outputs');
    this.idsType = input.type === 'int32' ? 'int32' : 'int64';
    this.fixedBatch = fixedDim(session, input, 0);
    this.#input = input.name;
    this.#output = output.name;
  }

  /**
   * Encodes rows of token ids (all the same length, normally 77).
   *
   * @returns `last_hidden_state`, dims `[B, L, D]`.
   */
  async encode(ids: readonly (readonly number[])[]): Promise<FloatTensor> {
    const length = ids[0]?.length ?? 0;
    if (length === 0 || ids.some((row) => row.length !== length)) {
      throw new StippleError('INVALID_INPUT', `${this.session.file}: expected one or more id rows of equal, non-zero length.`);
    }
    const slice = this.fixedBatch;
    if (slice !== undefined && slice !== ids.length) {
      const data = await runInSlices(this.session.file, ids.length, slice, async (start, n) => (await this.encode(ids.slice(start, start + n))).data);
      return { data, dims: [ids.length, length, data.length / (ids.length * length)] };
    }
    const flat = ids.flat();
    const data = this.idsType === 'int32' ? Int32Array.from(flat) : BigInt64Array.from(flat, (v) => BigInt(v));
    const out = await this.session.run({ [this.#input]: { data, dims: [ids.length, length] } }, [this.#output]);
    return floatOutput(this.session, out, this.#output);
  }

  /** Frees the session. */
  release(): Promise<void> {
    return this.session.release();
  }
}

/** UNet noise prediction. */
export class UnetSession {
  readonly session: ModelSession;
  /**
   * Set when the session runs on WebGPU with GPU-resident outputs: the
   * device context the denoising loop uses to keep latents on the GPU.
   */
  gpu: GpuContext | undefined;
  /** The `sample` channel count the graph declares (4, 8 or 9), when fixed. */
  readonly inChannels: number | undefined;
  /** The batch size the graph pins (static-shape exports); larger batches run as consecutive calls. */
  readonly fixedBatch: number | undefined;
  /** The latent size the graph pins (static-shape exports), when it pins both sides. */
  readonly fixedLatentSize: { height: number; width: number } | undefined;
  readonly timestepType: TimestepType;
  readonly #names: { sample: string; timestep: string; ehs: string; out: string };
  #layout: TimestepLayout;
  /**
   * ORT reports "rank 0" and "shape not declared" alike as `[]`. A declared
   * rank 0 (read from the model file) is final; for an undeclared shape we
   * start with rank 0 and, if the first run rejects it, retry once with `[batch]`.
   */
  #layoutVerified: boolean;

  /**
   * @param batchLimit run larger batches as calls of this size even when the
   *   graph takes any batch (a UNet that fills the wasm heap: one image's
   *   activations fit beside its weights, two may not).
   * @throws {ModelFormatError} when the graph lacks sample / timestep / encoder_hidden_states or has unknown inputs.
   */
  constructor(session: ModelSession, gpu?: GpuContext, batchLimit?: number) {
    this.session = session;
    this.gpu = gpu;
    const ins = session.inputs;
    const sample = byName(ins, ['sample']) ?? ins.find((i) => i.shape.length === 4);
    const ehs = byName(ins, ['encoder_hidden_states']) ?? ins.find((i) => i.shape.length === 3 && i !== sample);
    const timestep = byName(ins, ['timestep', 't']) ?? ins.find((i) => i !== sample && i !== ehs);
    const out = byName(session.outputs, ['out_sample']) ?? session.outputs[0];
    const known = new Set([sample, ehs, timestep]);
    if (!sample || !ehs || !timestep || !out || ins.some((i) => !known.has(i))) {
      throw new ModelFormatError(
        session.file,
        'a UNet with inputs sample, timestep, encoder_hidden_states and one output',
        `inputs: ${describe(ins)}; outputs: ${describe(session.outputs)}`,
      );
    }
    const tsType = timestep.type ?? 'float32';
    if (tsType !== 'float32' && tsType !== 'float16' && tsType !== 'int64' && tsType !== 'int32') {
      throw new ModelFormatError(session.file, 'a float or integer "timestep" input', `it is ${tsType}`);
    }
    this.timestepType = tsType;
    const tsShape = timestep.shape;
    if (tsShape.length === 0) {
      this.#layout = 'scalar';
      // ORT reports rank 0 and "no shape declared" alike; the file itself tells them apart.
      const declared = session.graph?.inputs.find((i) => i.name === timestep.name)?.shape;
      this.#layoutVerified = declared !== undefined && declared.length === 0;
    } else if (tsShape.length === 1) {
      // A fixed [1] broadcasts over the batch. A symbolic dim ("steps",
      // "batch") gets one value per batch item: Optimum <= 1.22 graphs accept
      // that as well as [1], and it is what other exporters mean by it.
      this.#layout = tsShape[0] === 1 ? 'one' : 'batch';
      this.#layoutVerified = true;
    } else {
      throw new ModelFormatError(session.file, 'a "timestep" input of rank 0 or 1', `it is [${tsShape.join(', ')}]`);
    }
    const channels = sample.shape[1];
    this.inChannels = typeof channels === 'number' ? channels : undefined;
    this.fixedBatch = fixedDim(session, sample, 0) ?? batchLimit;
    const [height, width] = [fixedDim(session, sample, 2), fixedDim(session, sample, 3)];
    this.fixedLatentSize = height !== undefined && width !== undefined ? { height, width } : undefined;
    this.#names = { sample: sample.name, timestep: timestep.name, ehs: ehs.name, out: out.name };
  }

  /** How the timestep is fed (may change from `scalar` to `batch` after the first run; see class notes). */
  get timestepLayout(): TimestepLayout {
    return this.#layout;
  }

  /**
   * Predicts the UNet output (noise, or v for v-prediction models).
   *
   * @param sample latents `[B, C, h, w]` (C = 4, or 9 / 8 with the image channels concatenated).
   * @param timestep the scheduler's timestep; rounded for integer-timestep graphs.
   * @param encoderHiddenStates text embeddings `[B, L, D]`.
   * @returns the output, `[B, 4, h, w]`.
   */
  async predict(
    sample: Float32Array,
    sampleDims: readonly number[],
    timestep: number,
    encoderHiddenStates: Float32Array,
    ehsDims: readonly number[],
  ): Promise<Float32Array> {
    const file = this.session.file;
    checkSize(file, 'sample', sample, sampleDims, 4);
    checkSize(file, 'encoder_hidden_states', encoderHiddenStates, ehsDims, 3);
    const batch = sampleDims[0]!;
    if (ehsDims[0] !== batch) {
      throw new StippleError('INVALID_INPUT', `${file}: sample batch ${batch} and encoder_hidden_states batch ${ehsDims[0]} differ.`);
    }
    if (this.inChannels !== undefined && sampleDims[1] !== this.inChannels) {
      throw new StippleError('INVALID_INPUT', `${file}: the UNet takes ${this.inChannels} sample channels, got ${sampleDims[1]}.`);
    }
    const slice = this.fixedBatch;
    if (slice !== undefined && slice !== batch) {
      // A batch-pinned graph (CFG's 2, pix2pix's 3, count > 1): one call per slice.
      return runInSlices(file, batch, slice, (start, n) =>
        this.predict(
          batchSlice(sample, batch, start, n),
          [n, ...sampleDims.slice(1)],
          timestep,
          batchSlice(encoderHiddenStates, batch, start, n),
          [n, ...ehsDims.slice(1)],
        ),
      );
    }
    const feeds = (layout: TimestepLayout): Record<string, HostTensor> => ({
      [this.#names.sample]: { data: sample, dims: sampleDims },
      [this.#names.timestep]: this.#timestepTensor(timestep, layout, batch),
      [this.#names.ehs]: { data: encoderHiddenStates, dims: ehsDims },
    });
    const out = await this.#runWithLayout((layout) => this.session.run(feeds(layout), [this.#names.out]));
    return floatOutput(this.session, out, this.#names.out).data;
  }

  /**
   * {@link predict} for tensors that stay where they are: `sample` and
   * `encoderHiddenStates` are ORT tensors (GPU tensors on WebGPU), and the
   * output is ORT's tensor, not read back (a GPU tensor when the session was
   * created with `preferredOutputLocation: 'gpu-buffer'`). The caller owns the
   * output and must `dispose()` it. Float32 graphs only.
   */
  async predictOnDevice(sample: Tensor, timestep: number, encoderHiddenStates: Tensor): Promise<Tensor> {
    const batch = sample.dims[0]!;
    const out = await this.#runWithLayout((layout) =>
      this.session.runRaw(
        {
          [this.#names.sample]: sample,
          [this.#names.timestep]: this.#timestepTensor(timestep, layout, batch),
          [this.#names.ehs]: encoderHiddenStates,
        },
        [this.#names.out],
      ),
    );
    const t = out[this.#names.out];
    if (!t) throw new RuntimeError(`${this.session.file}: the model returned no "${this.#names.out}" output.`);
    return t;
  }

  /** The graph's float types of sample, encoder_hidden_states and output (a device loop needs float32). */
  get ioTypes(): { sample: string | undefined; ehs: string | undefined; out: string | undefined } {
    return {
      sample: this.session.input(this.#names.sample)?.type,
      ehs: this.session.input(this.#names.ehs)?.type,
      out: this.session.output(this.#names.out)?.type,
    };
  }

  /** Runs with the current timestep layout; on a first failure with rank 0, retries once with `[batch]`. */
  async #runWithLayout<T>(run: (layout: TimestepLayout) => Promise<T>): Promise<T> {
    let out: T;
    try {
      out = await run(this.#layout);
      this.#layoutVerified = true;
    } catch (error) {
      if (this.#layoutVerified || !(error instanceof RuntimeError)) throw error;
      try {
        out = await run('batch');
      } catch {
        throw error;
      }
      this.#layout = 'batch';
      this.#layoutVerified = true;
    }
    return out;
  }

  #timestepTensor(t: number, layout: TimestepLayout, batch: number): HostTensor {
    const n = layout === 'batch' ? batch : 1;
    const dims = layout === 'scalar' ? [] : [n];
    if (this.timestepType === 'int64') return { data: new BigInt64Array(n).fill(BigInt(Math.round(t))), dims };
    if (this.timestepType === 'int32') return { data: new Int32Array(n).fill(Math.round(t)), dims };
    return { data: new Float32Array(n).fill(t), dims };
  }

  /** Frees the session. */
  release(): Promise<void> {
    return this.session.release();
  }
}

/** VAE encoder: pixels in [-1, 1] -> latent distribution parameters or a latent sample. */
export class VaeEncoderSession {
  readonly session: ModelSession;
  /**
   * `parameters` when the graph returns mean ++ logvar (`latent_parameters`,
   * 2x latent channels), `sample` when it samples inside the graph
   * (`latent_sample`). `undefined` until the first run when neither the name
   * nor a fixed channel count tells.
   */
  outputKind: 'parameters' | 'sample' | undefined;
  readonly #input: string;
  readonly #output: string;

  /** @throws {ModelFormatError} when the graph does not have one image input and a latent output. */
  constructor(session: ModelSession) {
    this.session = session;
    const input = byName(session.inputs, ['sample']) ?? (session.inputs.length === 1 ? session.inputs[0] : undefined);
    const output =
      byName(session.outputs, ['latent_parameters', 'latent_sample']) ??
      (session.outputs.length === 1 ? session.outputs[0] : undefined);
    if (!input || !output || session.inputs.length !== 1) {
      throw new ModelFormatError(
        session.file,
        'a VAE encoder with one "sample" input and a "latent_parameters" or "latent_sample" output',
        `inputs: ${describe(session.inputs)}; outputs: ${describe(session.outputs)}`,
      );
    }
    this.#input = input.name;
    this.#output = output.name;
    const channels = output.shape[1];
    this.outputKind =
      output.name === 'latent_parameters' || channels === 8
        ? 'parameters'
        : output.name === 'latent_sample' || channels === 4
          ? 'sample'
          : undefined;
  }

  /**
   * Encodes pixels `[B, 3, H, W]` (values in [-1, 1]).
   *
   * @returns for `parameters`: `mean` and `logvar`, each with `dims` `[B, C, H/f, W/f]`;
   *   for `sample`: the in-graph posterior sample with the same `dims`. Not yet multiplied by the scaling factor.
   */
  async encode(pixels: Float32Array, dims: readonly number[]): Promise<VaeEncoderOutput> {
    checkSize(this.session.file, 'pixels', pixels, dims, 4);
    const out = await this.session.run({ [this.#input]: { data: pixels, dims } }, [this.#output]);
    const { data, dims: outDims } = floatOutput(this.session, out, this.#output);
    const [b, c, h, w] = outDims as [number, number, number, number];
    if (this.outputKind === undefined) this.outputKind = c === 8 ? 'parameters' : 'sample';
    if (this.outputKind === 'sample') return { kind: 'sample', sample: data, dims: outDims };
    if (c % 2 !== 0) {
      throw new ModelFormatError(this.session.file, 'latent parameters with an even channel count (mean ++ logvar)', `got ${c}`);
    }
    // Per batch item the channels are [mean (c/2), logvar (c/2)]: split them.
    const half = (c / 2) * h * w;
    const mean = new Float32Array(b * half);
    const logvar = new Float32Array(b * half);
    for (let i = 0; i < b; i++) {
      mean.set(data.subarray(i * 2 * half, i * 2 * half + half), i * half);
      logvar.set(data.subarray(i * 2 * half + half, (i + 1) * 2 * half), i * half);
    }
    return { kind: 'parameters', mean, logvar, dims: [b, c / 2, h, w] };
  }

  /** Frees the session. */
  release(): Promise<void> {
    return this.session.release();
  }
}

/** VAE decoder: latents (already divided by the scaling factor) -> pixels, roughly [-1, 1], not clamped. */
export class VaeDecoderSession {
  readonly session: ModelSession;
  readonly #input: string;
  readonly #output: string;

  /** @throws {ModelFormatError} when the graph does not have one latent input and an image output. */
  constructor(session: ModelSession) {
    this.session = session;
    const input =
      byName(session.inputs, ['latent_sample', 'latents']) ?? (session.inputs.length === 1 ? session.inputs[0] : undefined);
    const output = byName(session.outputs, ['sample']) ?? session.outputs[0];
    if (!input || !output || session.inputs.length !== 1) {
      throw new ModelFormatError(
        session.file,
        'a VAE decoder with one "latent_sample" input and a "sample" output',
        `inputs: ${describe(session.inputs)}; outputs: ${describe(session.outputs)}`,
      );
    }
    this.#input = input.name;
    this.#output = output.name;
  }

  /** Decodes latents `[B, 4, h, w]` to pixels `[B, 3, h*f, w*f]`. */
  async decode(latents: Float32Array, dims: readonly number[]): Promise<FloatTensor> {
    checkSize(this.session.file, 'latents', latents, dims, 4);
    const out = await this.session.run({ [this.#input]: { data: latents, dims } }, [this.#output]);
    return floatOutput(this.session, out, this.#output);
  }

  /** Frees the session. */
  release(): Promise<void> {
    return this.session.release();
  }
}
