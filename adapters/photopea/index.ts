/**
 * The Photopea adapter: Stipple as a Photopea plugin.
 *
 * - {@link PhotopeaClient}: Photopea's live-messaging protocol (scripts in,
 *   files and strings out, "done"), with a FIFO, timeouts and origin checks.
 * - {@link PhotopeaDocument}: the active document's size, selection, pixels,
 *   the selection as a mask, and results added as new layers.
 * - {@link editDocument} / {@link applyEdit}: one edit, start to finish.
 * - `script.ts`: the ES5 scripts and {@link jsString}, the escaping every
 *   value put into a script goes through.
 *
 * @example
 * ```ts
 * const client = new PhotopeaClient(window.parent, window);
 * const doc = new PhotopeaDocument(client, { decodePng: browserDecodePng });
 * const edit = await editDocument(doc, editor, 'inpaint', { prompt: 'a red fox', seed: 42 });
 * await applyEdit(doc, edit); // a new layer; nothing else changes
 * ```
 */
export { PhotopeaClient, PHOTOPEA_ORIGINS } from './protocol';
export type {
  PhotopeaClientOptions,
  PhotopeaEvents,
  PhotopeaMessageEvent,
  PhotopeaTarget,
  RunOptions,
  ScriptReply,
} from './protocol';
export { PhotopeaDocument, maskFromSelectionImage, selectionRect } from './document';
export type { DocumentInfo, PhotopeaDocumentOptions, PlacedLayer, ReadOptions } from './document';
export {
  applyEdit,
  DEFAULT_MAX_DOCUMENT_PIXELS,
  editDocument,
  MASKED_OPERATIONS,
  planEdit,
  resultLayer,
  resultLayerName,
} from './run';
export type { EditEngine, EditPlan, PhotopeaEdit, PhotopeaRequest, PlanOptions } from './run';
export { isPhotopeaError, NoSelectionError, PhotopeaError, PhotopeaTimeoutError } from './errors';
export type { PhotopeaErrorCode } from './errors';
export { browserDecodePng, encodePng, pngDataUrl } from './png';
export type { PngDecoder } from './png';
export {
  ECHO_PREFIX,
  exportActiveLayerScript,
  exportDocumentScript,
  exportSelectionMaskScript,
  infoScript,
  jsNumber,
  jsString,
  openLayerScript,
  parseEchoes,
  placeLayerScript,
  revisionScript,
  scriptFailure,
  TEMP_MASK_LAYER,
} from './script';
export type { PlaceLayer } from './script';
export { followPhotopea, liveEdit } from './live';
export type { PhotopeaLiveInput, PhotopeaLiveOptions } from './live';
