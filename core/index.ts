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
export { OPERATIONS } from './pipelines/request';
export type { EditRequest, Operation, ResolvedParams } from './pipelines/request';
export type { MaskedContent } from './pipelines/mask-edit';
export * from './jobs';
export * from './live';
export * from './delivery';
export * from './errors';
export * from './image';
export * from './models';
export * from './runtime';
export * from './schedulers';
export * from './tensor';
export * from './text';
