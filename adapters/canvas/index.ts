/**
 * The canvas adapter: Stipple in any web page.
 *
 * - {@link CanvasHost} (DOM): attach to a <canvas> or <img>, paint a mask,
 *   run edits, pick variants, compare before/after, apply, undo/redo, export.
 * - {@link CanvasDocument} and the mask-painting functions: the same state
 *   and math without a DOM, for apps that draw their own UI.
 */
export { CanvasHost, encodePng } from './host';
export type { CanvasHostEvents, CanvasHostOptions, RunFailure, RunOutcome, Tool, ToolSettings } from './host';
export { CanvasDocument } from './document';
export type {
  CanvasDocumentEvents,
  CanvasDocumentOptions,
  ChangeKind,
  DocumentChange,
  ResultLayer,
  ResultSet,
  ViewMode,
} from './document';
export type { EditEngine } from './engine';
export { History } from './history';
export type { Command, HistoryOptions } from './history';
export { Emitter } from './events';
export type { Listener } from './events';
export {
  brushAlpha,
  diffPatch,
  fillMask,
  fillRect,
  fullRect,
  invertInPlace,
  readRegion,
  rectFromPoints,
  strokeSegment,
  unionRect,
  writeRegion,
} from './mask-paint';
export type { BrushOptions, MaskPatch, PaintMode, Point } from './mask-paint';
export { DEFAULT_OVERLAY, parseColor, renderMaskOverlay, toImagePoint } from './render';
export type { OverlayStyle } from './render';
export { anySignal, buildRequest, isCancelled, MASKED_OPERATIONS, runOnDocument } from './run';
export type { RunRequest } from './run';
