/**
 * The WGSL kernels of the GPU-resident denoising loop. Each is elementwise
 * over float32 latents, so all of a step's arithmetic outside the UNet is
 * three tiny dispatches:
 *
 * - `lincomb`: `dst = Σ c_k · src_k` (guidance over the UNet's batch chunks,
 *   and every scheduler step, expressed as a linear combination; see
 *   `core/schedulers/linear.ts`);
 * - `assemble`: the UNet input, `[scale · latents] x chunks ++ conditioning channels`;
 * - `blend`: mask-guided editing's `(1 - m) · (a · image + b · noise) + m · latents`.
 *
 * Parameters go through one uniform buffer per kernel, written right before
 * each dispatch and submitted with it, so queue order keeps them apart.
 */
import type { GpuBuffer, GpuComputePipeline, GpuDevice } from './webgpu';
import { BufferUsage } from './webgpu';

const WORKGROUP = 64;
/** Inputs one `lincomb` dispatch reads; more terms chain with accumulation. */
export const LINCOMB_ARITY = 6;

const INDEX = /* wgsl */ `
fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * ${WORKGROUP}u; }`;

function lincombSource(arity: number): string {
  const bindings: string[] = [];
  const terms: string[] = [];
  for (let k = 0; k < arity; k++) {
    bindings.push(`@group(0) @binding(${k + 2}) var<storage, read> src${k}: array<f32>;`);
    terms.push(`acc = acc + p.coeff[${k >> 2}][${k & 3}] * src${k}[p.offset[${k >> 2}][${k & 3}] + i];`);
  }
  return /* wgsl */ `
struct Params { n: u32, dstOffset: u32, accumulate: u32, pad: u32, coeff: array<vec4<f32>, 2>, offset: array<vec4<u32>, 2> };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
${bindings.join('\n')}
${INDEX}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat(gid, nwg);
  if (i >= p.n) { return; }
  var acc: f32 = 0.0;
  if (p.accumulate != 0u) { acc = dst[p.dstOffset + i]; }
  ${terms.join('\n  ')}
  dst[p.dstOffset + i] = acc;
}`;
}

const ASSEMBLE = /* wgsl */ `
struct Params { n: u32, plane: u32, inChannels: u32, batch: u32, latentChannels: u32, extraChannels: u32, pad0: u32, pad1: u32, scale: f32, pad2: f32, pad3: f32, pad4: f32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> latents: array<f32>;
@group(0) @binding(3) var<storage, read> extra: array<f32>;
${INDEX}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat(gid, nwg);
  if (i >= p.n) { return; }
  let at = i % p.plane;
  let channel = (i / p.plane) % p.inChannels;
  let item = i / (p.plane * p.inChannels);
  if (channel < p.latentChannels) {
    dst[i] = latents[((item % p.batch) * p.latentChannels + channel) * p.plane + at] * p.scale;
  } else {
    dst[i] = extra[(item * p.extraChannels + (channel - p.latentChannels)) * p.plane + at];
  }
}`;

const BLEND = /* wgsl */ `
struct Params { n: u32, plane: u32, pad0: u32, pad1: u32, a: f32, b: f32, pad2: f32, pad3: f32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> latents: array<f32>;
@group(0) @binding(3) var<storage, read> image: array<f32>;
@group(0) @binding(4) var<storage, read> noise: array<f32>;
@group(0) @binding(5) var<storage, read> mask: array<f32>;
${INDEX}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat(gid, nwg);
  if (i >= p.n) { return; }
  let k = mask[i % p.plane];
  let known = p.a * image[i] + p.b * noise[i];
  dst[i] = (1.0 - k) * known + k * latents[i];
}`;

/** One term of a linear combination: `coeff · buffer[offset + i]`. */
export interface LinearTerm {
  buffer: GpuBuffer;
  coeff: number;
  /** Element offset into `buffer` (e.g. a chunk of the UNet's batch). */
  offset?: number;
}

interface Kernel {
  pipeline: GpuComputePipeline;
  uniform: GpuBuffer;
}

/** Compiled kernels on one device. Pipelines compile on first use. */
export class Kernels {
  readonly #device: GpuDevice;
  readonly #kernels = new Map<string, Kernel>();

  constructor(device: GpuDevice) {
    this.#device = device;
  }

  /** `dst[dstOffset + i] = Σ terms` for `i < n` (chains dispatches beyond {@link LINCOMB_ARITY} terms). */
  lincomb(dst: GpuBuffer, terms: readonly LinearTerm[], n: number, dstOffset = 0): void {
    if (terms.length === 0) {
      // An all-zero result: one term that reads dst itself would alias; write zeros instead.
      this.#device.queue.writeBuffer(dst, dstOffset * 4, new Float32Array(n));
      return;
    }
    for (let start = 0; start < terms.length; start += LINCOMB_ARITY) {
      const group = terms.slice(start, start + LINCOMB_ARITY);
      const kernel = this.#kernel(`lincomb${group.length}`, () => lincombSource(group.length), 80);
      const params = new ArrayBuffer(80);
      const u32 = new Uint32Array(params);
      const f32 = new Float32Array(params);
      u32[0] = n;
      u32[1] = dstOffset;
      u32[2] = start > 0 ? 1 : 0;
      group.forEach((t, k) => {
        f32[4 + k] = t.coeff;
        u32[12 + k] = t.offset ?? 0;
      });
      this.#dispatch(kernel, params, n, [dst, ...group.map((t) => t.buffer)]);
    }
  }

  /**
   * The UNet input `[chunks * batch, inChannels, h, w]`: per batch item, the
   * latents of image `item % batch` times `scale`, then `extraChannels` of
   * conditioning from `extra` (`[chunks * batch, extraChannels, h, w]`).
   */
  assemble(
    dst: GpuBuffer,
    latents: GpuBuffer,
    extra: GpuBuffer,
    shape: { items: number; batch: number; latentChannels: number; extraChannels: number; plane: number },
    scale: number,
  ): void {
    const inChannels = shape.latentChannels + shape.extraChannels;
    const n = shape.items * inChannels * shape.plane;
    const kernel = this.#kernel('assemble', () => ASSEMBLE, 48);
    const params = new ArrayBuffer(48);
    const u32 = new Uint32Array(params);
    new Float32Array(params)[8] = scale;
    u32.set([n, shape.plane, inChannels, shape.batch, shape.latentChannels, shape.extraChannels], 0);
    this.#dispatch(kernel, params, n, [dst, latents, extra]);
  }

  /** `dst = (1 - m) · (a · image + b · noise) + m · latents`, `m` one plane broadcast over batch and channels. */
  blend(dst: GpuBuffer, latents: GpuBuffer, image: GpuBuffer, noise: GpuBuffer, mask: GpuBuffer, a: number, b: number, n: number, plane: number): void {
    const kernel = this.#kernel('blend', () => BLEND, 32);
    const params = new ArrayBuffer(32);
    new Uint32Array(params).set([n, plane], 0);
    new Float32Array(params).set([a, b], 4);
    this.#dispatch(kernel, params, n, [dst, latents, image, noise, mask]);
  }

  /** Frees the uniform buffers (pipelines are garbage-collected). */
  dispose(): void {
    for (const k of this.#kernels.values()) k.uniform.destroy();
    this.#kernels.clear();
  }

  #kernel(key: string, source: () => string, uniformBytes: number): Kernel {
    let kernel = this.#kernels.get(key);
    if (!kernel) {
      const module = this.#device.createShaderModule({ code: source(), label: `stipple-${key}` });
      const pipeline = this.#device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: `stipple-${key}` });
      const uniform = this.#device.createBuffer({ size: uniformBytes, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST, label: `stipple-${key}-params` });
      kernel = { pipeline, uniform };
      this.#kernels.set(key, kernel);
    }
    return kernel;
  }

  #dispatch(kernel: Kernel, params: ArrayBuffer, n: number, storage: GpuBuffer[]): void {
    const device = this.#device;
    device.queue.writeBuffer(kernel.uniform, 0, params);
    const group = device.createBindGroup({
      layout: kernel.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: kernel.uniform } },
        ...storage.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
      ],
    });
    const groups = Math.ceil(n / WORKGROUP);
    const maxX = device.limits.maxComputeWorkgroupsPerDimension || 65535;
    const x = Math.min(groups, maxX);
    const y = Math.ceil(groups / x);
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y);
    pass.end();
    device.queue.submit([encoder.finish()]);
  }
}
