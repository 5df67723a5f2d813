/**
 * The slice of the WebGPU API Stipple uses, typed locally.
 *
 * Why: TypeScript's DOM lib has no WebGPU types and the project does not
 * depend on `@webgpu/types`; declaring globals here would clash with a later
 * install of it. These structural types accept the real objects, and nothing
 * here touches `globalThis` at import time, so core stays loadable in Node.
 */

/** `GPUBufferUsage` flags (WebGPU spec values). */
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

/** `GPUMapMode.READ`. */
export const MAP_READ = 0x0001;

export interface GpuSupportedLimits {
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
  readonly maxStorageBuffersPerShaderStage: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly [name: string]: number;
}

export interface GpuAdapterInfo {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

export interface GpuAdapter {
  readonly features: { has(name: string): boolean };
  readonly limits: GpuSupportedLimits;
  readonly info?: GpuAdapterInfo;
  /** Older Chromium versions; newer ones report it in `info`. */
  readonly isFallbackAdapter?: boolean;
}

export interface Gpu {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance'; forceFallbackAdapter?: boolean }): Promise<GpuAdapter | null>;
}

export interface GpuBuffer {
  readonly size: number;
  readonly usage: number;
  readonly mapState: 'unmapped' | 'pending' | 'mapped';
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): void;
  destroy(): void;
  label?: string;
}

export interface GpuBindGroupLayout {
  readonly __brand?: 'GPUBindGroupLayout';
}
export interface GpuBindGroup {
  readonly __brand?: 'GPUBindGroup';
}
export interface GpuShaderModule {
  readonly __brand?: 'GPUShaderModule';
}
export interface GpuComputePipeline {
  getBindGroupLayout(index: number): GpuBindGroupLayout;
}

export interface GpuComputePassEncoder {
  setPipeline(pipeline: GpuComputePipeline): void;
  setBindGroup(index: number, group: GpuBindGroup): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}

export interface GpuCommandBuffer {
  readonly __brand?: 'GPUCommandBuffer';
}

export interface GpuCommandEncoder {
  beginComputePass(descriptor?: { label?: string }): GpuComputePassEncoder;
  copyBufferToBuffer(source: GpuBuffer, sourceOffset: number, destination: GpuBuffer, destinationOffset: number, size: number): void;
  finish(): GpuCommandBuffer;
}

export interface GpuQueue {
  writeBuffer(buffer: GpuBuffer, offset: number, data: ArrayBufferView | ArrayBuffer, dataOffset?: number, size?: number): void;
  submit(commands: GpuCommandBuffer[]): void;
  onSubmittedWorkDone(): Promise<void>;
}

export interface GpuDeviceLostInfo {
  readonly reason: 'unknown' | 'destroyed' | string;
  readonly message: string;
}

export interface GpuError {
  readonly message: string;
}

export interface GpuDevice {
  readonly limits: GpuSupportedLimits;
  readonly features: { has(name: string): boolean };
  readonly queue: GpuQueue;
  readonly lost: Promise<GpuDeviceLostInfo>;
  createBuffer(descriptor: { size: number; usage: number; mappedAtCreation?: boolean; label?: string }): GpuBuffer;
  createShaderModule(descriptor: { code: string; label?: string }): GpuShaderModule;
  createComputePipeline(descriptor: {
    layout: 'auto';
    compute: { module: GpuShaderModule; entryPoint: string };
    label?: string;
  }): GpuComputePipeline;
  createBindGroup(descriptor: {
    layout: GpuBindGroupLayout;
    entries: { binding: number; resource: { buffer: GpuBuffer; offset?: number; size?: number } }[];
  }): GpuBindGroup;
  createCommandEncoder(descriptor?: { label?: string }): GpuCommandEncoder;
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope(): Promise<GpuError | null>;
  destroy(): void;
}

/** `navigator.gpu` where it exists (pages and workers of WebGPU browsers), else undefined. */
export function navigatorGpu(): Gpu | undefined {
  const nav = (globalThis as { navigator?: { gpu?: Gpu } }).navigator;
  return nav?.gpu ?? undefined;
}
