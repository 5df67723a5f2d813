/**
 * The Figma adapter: Stipple as a Figma plugin.
 *
 * - Main code (Figma's sandbox): {@link startStipple} reads the selection
 *   with `exportAsync` and writes results as new layers (one undo step each).
 * - Panel (the UI iframe, on Stipple's own origin): {@link PanelBridge} talks
 *   to the main code through Figma's frame; {@link FigmaSession} turns the
 *   exports into core's image + mask and puts results back.
 *
 * The two halves speak the typed messages of `messages.ts`.
 */
export type {
  FigmaApi,
  FigmaBaseNode,
  FigmaPageNode,
  FigmaParentNode,
  FigmaRectangleNode,
  FigmaSceneNode,
  FigmaUiApi,
} from './api';
export { placement, startStipple } from './main';
export type { StippleMain, StippleMainOptions } from './main';
export {
  Channel,
  CHANNEL,
  message,
  parseMainMessage,
  parsePanelMessage,
  PROTOCOL_VERSION,
  resultName,
} from './messages';
export type { FailureCode, MainToPanel, Message, PanelToMain, SelectionProblem, SelectionSummary, SourcePayload } from './messages';
export { ALL_OPERATIONS, analyzeSelection, hasImageFill, MAX_MASK_LAYERS, summarize, WHOLE_IMAGE_OPERATIONS } from './selection';
export type { SelectionAnalysis, SelectionBad, SelectionOk } from './selection';
export {
  apply,
  chooseExportScale,
  exportSize,
  FIGMA_MAX_IMAGE_SIDE,
  fitWithin,
  IDENTITY,
  intersection,
  invert,
  isTranslation,
  multiply,
  pngSize,
  relativeTransformIn,
  transformedBounds,
} from './geometry';
export type { ExportScale, ExportScaleInput } from './geometry';
export { maskFromLayers, toLocalFrame } from './pixels';
export type { ExportedLayer, LayerMask, LocalFrame } from './pixels';
export { FIGMA_ORIGIN, FigmaRequestError, PanelBridge } from './panel-bridge';
export type { BridgeWindow, PanelBridgeOptions, PanelLink } from './panel-bridge';
export { FigmaSession } from './session';
export type { FigmaInput, PixelCodec, WriteInfo } from './session';
export { browserCodec } from './browser-codec';
