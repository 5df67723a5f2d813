/**
 * {@link ModelSession}: one ONNX Runtime session plus what its graph declares
 * about its inputs and outputs, with float16 handled transparently.
 *
 * Callers always pass and receive float32: when a graph declares a float16
 * input, the data is converted on the way in, and float16 outputs are
 * converted back. That lets fp16 web-optimised repos and fp32 repos share all
 * pipeline code.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import { errorMessage, ModelFormatError, RuntimeError, StippleError } from '../errors';
import type { ExternalDataFile, OnnxModelInfo } from '../models';
import { float16ToFloat32, float32ToFloat16 } from './fp16';
import { outOfMemoryError } from './memory-errors';
import type { OrtRuntime } from './ort';
import { runExclusive } from './queue';

/** An input or output as the session reports it (`inputMetadata` / `outputMetadata`). */
export interface IoInfo {
  readonly name: string;
  /** Element type (`float32`, `float16`, `int64`, ...); `undefined` for non-tensor values. */
  readonly type: Tensor.Type | undefined;
  /**
   * Declared dims: numbers are fixed, strings symbolic (`batch_size`). ORT
   * reports both "rank 0" and "shape unknown" as `[]`.
   */
  readonly shape: readonly (number | string)[];
}

/** Tensor data the host side feeds: float32 (converted to float16 when the graph wants it) or integer ids. */
export type HostTensorData = Float32Array | Int32Array | BigInt64Array;

/** A tensor on the host side: row-major data and dims. */
export interface HostTensor {
  readonly data: HostTensorData;
  readonly dims: readonly number[];
}

/** A session output, read back to the CPU; float16 outputs arrive as float32. */
export interface OutputTensor {
  /** Element type of `data` (`float32` for former float16 outputs). */
  readonly type: Tensor.Type;
  readonly data: Tensor.DataType;
  readonly dims: readonly number[];
}

/** What {@link ModelSession.create} needs: the model bytes and, if any, external data. */
export interface SessionModelFiles {
  /** Repo path of the model (e.g. `unet/model.onnx`), named in errors. */
  readonly file: string;
  readonly model: Uint8Array;
  readonly externalData?: readonly ExternalDataFile[];
  /** What the file itself declares (when read): tells "rank 0" from "no shape declared", which ORT's metadata cannot. */
  readonly graph?: OnnxModelInfo;
}

/** A created ONNX Runtime session. Create and run calls are serialised per {@link OrtRuntime}. */
export class ModelSession {
  /** Repo path of the model, e.g. `unet/model.onnx`. */
  readonly file: string;
  readonly inputs: readonly IoInfo[];
  readonly outputs: readonly IoInfo[];
  /** The graph as the model file declares it, when the file was read (see {@link SessionModelFiles.graph}). */
  readonly graph: OnnxModelInfo | undefined;
  /** Symbolic dims pinned at creation (`freeDimensionOverrides`); empty when none were. */
  readonly pinnedDims: Readonly<Record<string, number>>;
  readonly #ort: OrtRuntime;
  readonly #session: InferenceSession;
  #released = false;

  private constructor(
    ort: OrtRuntime,
    session: InferenceSession,
    file: string,
    graph: OnnxModelInfo | undefined,
    pinnedDims: Readonly<Record<string, number>>,
  ) {
    this.pinnedDims = pinnedDims;
    this.#ort = ort;
    this.#session = session;
    this.file = file;
    this.graph = graph;
    this.inputs = readMetadata(session.inputMetadata, session.inputNames);
    this.outputs = readMetadata(session.outputMetadata, session.outputNames);
  }

  /**
   * Creates a session from model bytes.
   *
   * @throws {ModelFormatError} naming `files.file` when ONNX Runtime rejects
   *   the model (the ORT error is the `cause`).
   * @throws {ResourceLimitError} when creation fails for lack of memory (the
   *   message tells the wasm heap from the machine's memory).
   */
  static async create(
    ort: OrtRuntime,
    files: SessionModelFiles,
    options: InferenceSession.SessionOptions = {},
  ): Promise<ModelSession> {
    const sessionOptions: InferenceSession.SessionOptions = { ...options };
    if (files.externalData && files.externalData.length > 0) {
      sessionOptions.externalData = files.externalData.map((d) => ({ path: d.path, data: d.data }));
    }
    let session: InferenceSession;
    try {
      session = await runExclusive(ort, () => ort.InferenceSession.create(files.model, sessionOptions));
    } catch (cause) {
      const message = errorMessage(cause);
      throw outOfMemoryError(ort, files.file, 'load', message, cause) ??
        new ModelFormatError(files.file, 'an ONNX model that ONNX Runtime can load', message, { cause });
    }
    return new ModelSession(ort, session, files.file, files.graph, { ...options.freeDimensionOverrides });
  }

  /** The input called `name`, if the graph has one. */
  input(name: string): IoInfo | undefined {
    return this.inputs.find((i) => i.name === name);
  }

  /** The output called `name`, if the graph has one. */
  output(name: string): IoInfo | undefined {
    return this.outputs.find((o) => o.name === name);
  }

  /**
   * Runs the graph. Float32 feeds for float16 inputs are converted; float16
   * outputs come back as float32. Only `outputNames` are fetched (all when
   * omitted).
   *
   * @throws {ResourceLimitError} when ONNX Runtime runs out of memory.
   * @throws {RuntimeError} when ONNX Runtime fails otherwise (the ORT error is the `cause`).
   */
  async run(feeds: Readonly<Record<string, HostTensor>>, outputNames?: readonly string[]): Promise<Record<string, OutputTensor>> {
    if (this.#released) throw new RuntimeError(`${this.file}: the session was released; create a new one.`);
    const ortFeeds: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = this.#toTensor(name, t);
    let results: InferenceSession.ReturnType;
    try {
      results = await runExclusive(this.#ort, () =>
        outputNames ? this.#session.run(ortFeeds, [...outputNames]) : this.#session.run(ortFeeds),
      );
    } catch (cause) {
      const message = errorMessage(cause);
      throw outOfMemoryError(this.#ort, this.file, 'run', message, cause) ??
        new RuntimeError(`${this.file}: ONNX Runtime failed to run the model (${message}).`, { cause });
    }
    const out: Record<string, OutputTensor> = {};
    for (const [name, value] of Object.entries(results)) out[name] = await readOutput(value as Tensor);
    return out;
  }

  /**
   * Runs the graph and returns ORT's output tensors as they are, wherever
   * they live (with `preferredOutputLocation: 'gpu-buffer'` on WebGPU: on the
   * GPU, nothing read back). Feeds may be host tensors (converted as in
   * {@link run}) or ORT tensors (e.g. GPU tensors), passed through. The caller
   * owns the outputs and must `dispose()` GPU ones.
   *
   * @throws {RuntimeError} when ONNX Runtime fails (the ORT error is the `cause`).
   */
  async runRaw(feeds: Readonly<Record<string, HostTensor | Tensor>>, outputNames?: readonly string[]): Promise<Record<string, Tensor>> {
    if (this.#released) throw new RuntimeError(`${this.file}: the session was released; create a new one.`);
    const ortFeeds: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = isOrtTensor(t) ? t : this.#toTensor(name, t);
    try {
      const results = await runExclusive(this.#ort, () =>
        outputNames ? this.#session.run(ortFeeds, [...outputNames]) : this.#session.run(ortFeeds),
      );
      return results as Record<string, Tensor>;
    } catch (cause) {
      const message = errorMessage(cause);
      throw outOfMemoryError(this.#ort, this.file, 'run', message, cause) ??
        new RuntimeError(`${this.file}: ONNX Runtime failed to run the model (${message}).`, { cause });
    }
  }

  /** Frees the session's memory. Safe to call more than once. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await runExclusive(this.#ort, () => this.#session.release());
  }

  #toTensor(name: string, t: HostTensor): Tensor {
    const want = this.input(name)?.type;
    const dims = [...t.dims];
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) {
      throw new StippleError(
        'INVALID_INPUT',
        `${this.file}: input "${name}" has ${t.data.length} values but dims [${dims.join(', ')}] need ${size}.`,
      );
    }
    if (t.data instanceof Float32Array) {
      if (want === 'float16') return new this.#ort.Tensor('float16', float32ToFloat16(t.data), dims);
      if (want === undefined || want === 'float32') return new this.#ort.Tensor('float32', t.data, dims);
    } else if (t.data instanceof Int32Array) {
      if (want === undefined || want === 'int32') return new this.#ort.Tensor('int32', t.data, dims);
    } else if (want === undefined || want === 'int64') {
      return new this.#ort.Tensor('int64', t.data, dims);
    }
    throw new StippleError(
      'INVALID_INPUT',
      `${this.file}: input "${name}" is ${want} in the graph but was given a ${t.data.constructor.name}.`,
    );
  }
}

function readMetadata(
  metadata: readonly InferenceSession.ValueMetadata[] | undefined,
  names: readonly string[],
): IoInfo[] {
  // Runtimes older than ORT 1.21 have no metadata: fall back to names only,
  // and the adapters then pick tensors by name.
  if (!metadata) return names.map((name) => ({ name, type: undefined, shape: [] }));
  return metadata.map((m) =>
    m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: undefined, shape: [] },
  );
}

/** ORT tensors (CPU or GPU) have `location`; host tensors are plain `{ data, dims }`. */
function isOrtTensor(t: HostTensor | Tensor): t is Tensor {
  return typeof (t as Tensor).location === 'string';
}

async function readOutput(tensor: Tensor): Promise<OutputTensor> {
  // GPU-resident outputs (preferredOutputLocation) are downloaded and freed.
  const data = tensor.location === 'cpu' ? tensor.data : await tensor.getData(true);
  if (tensor.type === 'float16') {
    const f32 =
      data instanceof Uint16Array ? float16ToFloat32(data) : Float32Array.from(data as ArrayLike<number>);
    return { type: 'float32', data: f32, dims: tensor.dims };
  }
  return { type: tensor.type, data, dims: tensor.dims };
}
