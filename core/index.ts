/**
 * Stipple's core: host-agnostic diffusion image editing on ONNX Runtime.
 * Runs in Node, pages and Workers (no DOM, no host APIs).
 *
 * Start with {@link createEditor}; the lower-level pieces (tokenizer,
 * schedulers, model repos, sessions, image tools, noise) are exported for
 * hosts that need them.
 */
export { createEditor, Editor, STIPPLE_VERSION, nativePixels, sizeMultiple } from './editor';
export type { EditMeta, EditResult, EditWarning, EditorOptions } from './editor';
export { createEngine } from './engine';
export type { CreateEngineOptions, EditEngine, InlineEngineOptions, StartedEngine, WorkerEngineOptions } from './engine';
export type { EngineInfo } from './engine-info';
export { DEFAULT_STRENGTH, MASKED_OPERATIONS, OPERATION_LABELS, OPERATION_TABLE, needsMask, operationsFor } from './operations';
export type { OperationSpec } from './operations';
export { OPERATIONS } from './pipelines/request';
export type { EditRequest, Operation, ResolvedParams } from './pipelines/request';
export type { Resolution } from './pipelines/resolution';
export type { MaskedContent } from './pipelines/mask-edit';
export type { DiffEditOptions, DiffEditOutputs, ResolvedDiffEdit } from './pipelines/diffedit';
export { generateMask, thresholdMap } from './pipelines/diffedit-mask';
export type { GeneratedMask, MaskGeneration } from './pipelines/diffedit-mask';
// `invert` of core/image inverts a mask; DiffEdit's DDIM inversion is exported under a name of its own.
export { invert as invertLatents } from './pipelines/diffedit-invert';
export type { Inversion } from './pipelines/diffedit-invert';
export * from './jobs';
export * from './live';
export * from './delivery';
export * from './errors';
export * from './image';
export * from './models';
export * from './runtime';
export * from './schedulers';
// Noise sources (seeded like diffusers, or replayed from recorded draws). The PRNG, its math
// and the tensor reshuffles behind them are internals, not API.
export { MAX_SEED, NoiseReplayError, ReplayNoise, SeededNoise, loadFixtureNoise, readFixtureNoise, seedFromAny } from './tensor';
export type { NoiseSource, RecordedNoise } from './tensor';
export * from './text';
