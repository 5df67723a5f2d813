/**
 * What an engine says about itself once its model is loaded, the same for
 * an inline engine and one in a Worker (where it crosses as plain data).
 */
import type { ModelKind } from './models/repo';
import type { Operation } from './pipelines/request';
import type { BackendChoice } from './runtime/backend';
import type { EngineRuntime } from './runtime/engine-setup';
import { operationsFor } from './operations';

/** What the engine tells its host once it is ready. */
export interface EngineInfo {
  /** In this thread, or in a Web Worker (the host's UI stays responsive during a run). */
  where: 'inline' | 'worker';
  /** WebGPU or WASM, why, and the threads and adapter. */
  backend: BackendChoice;
  operations: Operation[];
  modelKind: ModelKind;
  /** The model's location, for display. */
  model: string;
  /** Whether low-memory mode is on. */
  lowMemory: boolean;
  /** ms spent loading the model and creating the UNet session. */
  loadMs: number;
  /** Whether a TAESD was loaded for fast (live) runs. */
  fastVae?: boolean;
}

/** The info of an engine set up by `setUpEngineRuntime`. */
export function engineInfo(where: EngineInfo['where'], set: EngineRuntime, model: string, loadMs: number, fastVae: boolean): EngineInfo {
  return {
    where,
    backend: set.choice,
    operations: operationsFor(set.repo.kind),
    modelKind: set.repo.kind,
    model,
    lowMemory: set.lowMemory,
    loadMs,
    fastVae,
  };
}
