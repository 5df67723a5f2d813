/**
 * {@link GpuContext}: the WebGPU device ONNX Runtime runs on, shared with
 * Stipple's own kernels, plus bookkeeping of every GPU buffer and GPU tensor
 * Stipple holds, and a counted download path.
 *
 * Why one device: ORT's WebGPU backend only accepts GPU tensors made on its
 * own device, and work submitted to one queue runs in submission order, so a
 * kernel submitted after `session.run()` resolves sees the UNet's output and
 * a UNet run started after a kernel's submit sees the kernel's result
 * (verified in Chromium with ORT-web 1.30's WebGPU backend: its `run()`
 * resolves after submitting, and gpu-buffer outputs read back identical when
 * copied by our own command right away).
 */
import type { Tensor } from 'onnxruntime-web';
import type { OrtRuntime } from '../runtime/ort';
import { GpuRuntimeError } from './errors';
import { Kernels } from './kernels';
import { BufferUsage, MAP_READ, type GpuBuffer, type GpuDevice, type GpuDeviceLostInfo } from './webgpu';

const STORAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** Counters a test or a benchmark reads. */
export interface GpuCounters {
  /** Buffers created through this context and not yet destroyed. */
  liveBuffers: number;
  /** Bytes of those buffers. */
  liveBytes: number;
  /** ORT GPU tensors (UNet outputs) held and not yet disposed. */
  liveTensors: number;
  /** Downloads GPU -> CPU through {@link GpuContext.readback}. */
  readbacks: number;
  /** Uploads CPU -> GPU through {@link GpuContext.upload} / {@link GpuScope.upload}. */
  uploads: number;
}

/** The device ORT's WebGPU backend uses, with Stipple's kernels and bookkeeping. */
export class GpuContext {
  readonly device: GpuDevice;
  readonly ort: OrtRuntime;
  readonly kernels: Kernels;
  /**
   * Whether the denoising loop keeps its tensors on the GPU (default). False
   * runs the CPU loop with every UNet output read back: the baseline the
   * benchmark compares against.
   */
  residency = true;
  #lost: GpuDeviceLostInfo | undefined;
  readonly #buffers = new Map<GpuBuffer, number>();
  #tensors = 0;
  #readbacks = 0;
  #uploads = 0;

  constructor(device: GpuDevice, ort: OrtRuntime) {
    this.device = device;
    this.ort = ort;
    this.kernels = new Kernels(device);
    device.lost.then(
      (info) => {
        this.#lost = info;
      },
      () => undefined,
    );
  }

  /**
   * The context of ORT's WebGPU device. Call after a WebGPU session exists
   * (or before any, to let ORT create the device now).
   */
  static async fromOrt(ort: OrtRuntime): Promise<GpuContext> {
    const device = (await ort.env.webgpu.device) as GpuDevice | undefined;
    if (!device) throw new GpuRuntimeError('device-lost', 'ONNX Runtime has no WebGPU device');
    return new GpuContext(device, ort);
  }

  /** Set once the device is lost; every later GPU call fails. */
  get lost(): GpuDeviceLostInfo | undefined {
    return this.#lost;
  }

  /** Throws {@link GpuRuntimeError} when the device is gone. */
  checkAlive(): void {
    if (this.#lost) throw new GpuRuntimeError('device-lost', this.#lost.message || this.#lost.reason);
  }

  counters(): GpuCounters {
    let bytes = 0;
    for (const b of this.#buffers.values()) bytes += b;
    return { liveBuffers: this.#buffers.size, liveBytes: bytes, liveTensors: this.#tensors, readbacks: this.#readbacks, uploads: this.#uploads };
  }

  /** A float32 storage buffer of `length` elements (tracked until {@link destroy}). */
  createBuffer(length: number, label?: string): GpuBuffer {
    this.checkAlive();
    const bytes = Math.max(4, length * 4);
    const buffer = this.device.createBuffer({ size: align(bytes, 4), usage: STORAGE, label });
    this.#buffers.set(buffer, bytes);
    return buffer;
  }

  /** A new buffer holding `data`. */
  upload(data: Float32Array, label?: string): GpuBuffer {
    const buffer = this.createBuffer(data.length, label);
    this.write(buffer, data);
    return buffer;
  }

  /** Writes `data` at the start of `buffer` (an upload, not a readback). */
  write(buffer: GpuBuffer, data: Float32Array): void {
    // Chromium rejects writeBuffer from SharedArrayBuffer views (threaded wasm memory).
    const src = typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer ? data.slice() : data;
    this.device.queue.writeBuffer(buffer, 0, src);
    this.#uploads++;
  }

  destroy(buffer: GpuBuffer): void {
    if (this.#buffers.delete(buffer)) buffer.destroy();
  }

  /**
   * Downloads `length` float32 values from `offset` (elements) of `buffer`.
   * The only way Stipple reads GPU data back; each call counts as one readback.
   */
  async readback(buffer: GpuBuffer, length: number, offset = 0): Promise<Float32Array> {
    this.checkAlive();
    this.#readbacks++;
    const bytes = length * 4;
    const staging = this.device.createBuffer({ size: align(bytes, 4), usage: MAP_READ | BufferUsage.COPY_DST, label: 'stipple-readback' });
    try {
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(buffer, offset * 4, staging, 0, align(bytes, 4));
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MAP_READ);
      return new Float32Array(staging.getMappedRange().slice(0, bytes));
    } catch (cause) {
      this.checkAlive();
      throw cause;
    } finally {
      if (staging.mapState === 'mapped') staging.unmap();
      staging.destroy();
    }
  }

  /** An ORT tensor viewing `buffer` (ORT never frees it: its owner does). */
  tensor(buffer: GpuBuffer, dims: readonly number[]): Tensor {
    return this.ort.Tensor.fromGpuBuffer(buffer as unknown as Tensor.GpuBufferType, { dataType: 'float32', dims: [...dims] });
  }

  /** Notes an ORT GPU tensor (a UNet output) this context now holds; pair with {@link disposeTensor}. */
  adoptTensor(): void {
    this.#tensors++;
  }

  disposeTensor(t: Tensor): void {
    this.#tensors--;
    t.dispose();
  }

  /** A scope that frees everything made through it on {@link GpuScope.dispose}. */
  scope(): GpuScope {
    return new GpuScope(this);
  }

  /**
   * Runs `allocate` inside an out-of-memory error scope and throws
   * {@link GpuRuntimeError} when the device reports OOM (WebGPU reports
   * allocation failures asynchronously, not by throwing).
   */
  async allocating<T>(allocate: () => T): Promise<T> {
    this.device.pushErrorScope('out-of-memory');
    let result: T;
    try {
      result = allocate();
    } finally {
      const error = await this.device.popErrorScope();
      if (error) throw new GpuRuntimeError('out-of-memory', error.message);
    }
    return result;
  }

  /** Frees the kernels' own buffers. Does not destroy the device (ORT owns it). */
  dispose(): void {
    this.kernels.dispose();
  }
}

/** Buffers and ORT tensors of one run, all released by {@link dispose}, including after a cancel or an error. */
export class GpuScope {
  readonly context: GpuContext;
  readonly #buffers = new Set<GpuBuffer>();
  readonly #tensors = new Set<Tensor>();

  constructor(context: GpuContext) {
    this.context = context;
  }

  buffer(length: number, label?: string): GpuBuffer {
    const b = this.context.createBuffer(length, label);
    this.#buffers.add(b);
    return b;
  }

  upload(data: Float32Array, label?: string): GpuBuffer {
    const b = this.context.upload(data, label);
    this.#buffers.add(b);
    return b;
  }

  /** Frees one buffer early. */
  release(buffer: GpuBuffer): void {
    if (this.#buffers.delete(buffer)) this.context.destroy(buffer);
  }

  /** Takes ownership of an ORT GPU tensor (disposed with the scope unless released first). */
  adopt(t: Tensor): Tensor {
    this.#tensors.add(t);
    this.context.adoptTensor();
    return t;
  }

  disposeTensor(t: Tensor): void {
    if (this.#tensors.delete(t)) this.context.disposeTensor(t);
  }

  dispose(): void {
    for (const t of this.#tensors) this.context.disposeTensor(t);
    this.#tensors.clear();
    for (const b of this.#buffers) this.context.destroy(b);
    this.#buffers.clear();
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
