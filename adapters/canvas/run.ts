/**
 * Running an edit on a {@link CanvasDocument}: what the host sends to the
 * engine (the document's image and mask unless the request brings its own),
 * and where the images go (the document's pending results). No DOM.
 */
import type { EditResult } from '../../core/editor';
import { CancelledError } from '../../core/errors';
import { cloneRgba, isEmpty, type Mask, type RgbaImage } from '../../core/image';
import type { EditProgress } from '../../core/jobs/progress';
import type { EditRequest, Operation } from '../../core/pipelines/request';
import { MASKED_OPERATIONS } from '../../core/operations';
import type { CanvasDocument } from './document';
import type { EditEngine } from './engine';

/**
 * An {@link EditRequest} whose image and mask are optional: they default to
 * the document's image and mask. Pass `mask: null` to send no mask.
 */
export interface RunRequest extends Omit<EditRequest, 'image' | 'mask'> {
  image?: RgbaImage;
  mask?: Mask | null;
}

/** Edits that cannot run without a mask (from core's operation table). */
export { MASKED_OPERATIONS };

/**
 * The request the engine receives. The mask is the document's for the
 * masked edits; for SDEdit and InstructPix2Pix it is sent only when
 * something is painted (it then limits where the result is composited).
 */
export function buildRequest(doc: CanvasDocument, operation: Operation, request: RunRequest): EditRequest {
  const { image, mask, ...rest } = request;
  const out: EditRequest = { ...rest, image: image ?? cloneRgba(doc.image) };
  if (mask === null) return out;
  if (mask !== undefined) return { ...out, mask };
  if (MASKED_OPERATIONS.includes(operation) || !isEmpty(doc.mask)) {
    out.mask = { width: doc.mask.width, height: doc.mask.height, data: new Float32Array(doc.mask.data) };
  }
  return out;
}

/**
 * Runs `operation` on `engine` with the document's image and mask, then
 * shows the images as the document's pending results. The document is not
 * touched when the edit fails or is cancelled.
 */
export async function runOnDocument(
  doc: CanvasDocument,
  engine: EditEngine,
  operation: Operation,
  request: RunRequest,
  onProgress?: (event: EditProgress) => void,
): Promise<EditResult> {
  const req = buildRequest(doc, operation, request);
  if (req.signal?.aborted) throw new CancelledError();
  const own = request.onProgress;
  if (onProgress || own) {
    req.onProgress = (e) => {
      onProgress?.(e);
      own?.(e);
    };
  }
  const result = await engine.edit(operation, req);
  // A cancel that lands after the engine's last check still leaves the document as it was.
  if (req.signal?.aborted) throw new CancelledError();
  // DiffEdit's generated mask becomes the canvas mask (undoable, shown tinted, editable with
  // the brush); the next DiffEdit run sends it back and skips generating one.
  if (result.diffedit?.generated) doc.setMask(result.diffedit.imageMask, 'DiffEdit mask');
  doc.setResults({ images: result.images, base: req.image, operation, meta: result.meta, warnings: result.warnings });
  return result;
}

/** True for the error a cancelled edit rejects with. */
export function isCancelled(error: unknown): boolean {
  return (
    error instanceof CancelledError ||
    (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'CANCELLED') ||
    (error instanceof Error && error.name === 'AbortError')
  );
}

/** A signal that aborts when any of `signals` does. */
export function anySignal(signals: readonly (AbortSignal | undefined)[]): AbortSignal {
  const controller = new AbortController();
  for (const s of signals) {
    if (!s) continue;
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}
