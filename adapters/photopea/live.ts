/**
 * Live mode in Photopea: polls the document's cheap revision
 * ({@link PhotopeaDocument.revision}) and, when it changed, sends the
 * document (and the selection as the mask) to a live session. Paused while
 * the panel is hidden, with no document open, and, for the masked edits,
 * with nothing selected.
 */
import { followDocument, type DocumentFollower, type FollowState } from '../../core/live/follow';
import type { EditResult } from '../../core/editor';
import { maskBounds, type Mask, type RgbaImage } from '../../core/image';
import type { Operation } from '../../core/pipelines/request';
import type { PhotopeaDocument } from './document';
import type { PhotopeaEdit } from './run';

/** One document state sent to the live session: the whole document, and the selection as the mask. */
export interface PhotopeaLiveInput {
  image: RgbaImage;
  mask?: Mask;
}

export interface PhotopeaLiveOptions {
  /** Inpaint and mask-edit follow only while something is selected (the selection is their mask). */
  needsSelection: boolean;
  /** Whether the plugin panel is shown (default: `document.visibilityState === 'visible'` where there is a DOM). */
  visible?(): boolean;
  /** Poll interval in ms (default 500). */
  pollMs?: number;
  /** Each input sent to the session (the panel keeps the latest: Keep is applied against it). */
  onInput?(input: PhotopeaLiveInput): void;
  onState?(state: FollowState): void;
  onError?(error: unknown): void;
}

/** Starts following the active Photopea document; `stop()` ends it. */
export function followPhotopea(
  doc: PhotopeaDocument,
  session: { update(image: RgbaImage, mask?: Mask): void },
  options: PhotopeaLiveOptions,
): DocumentFollower {
  const visible =
    options.visible ?? (typeof document !== 'undefined' ? () => document.visibilityState === 'visible' : undefined);
  let hasSelection = false;
  return followDocument({
    session,
    revision: async () => {
      const revision = await doc.revision();
      if (revision === null) return null;
      hasSelection = (JSON.parse(revision) as { selection: unknown }).selection !== null;
      return options.needsSelection && !hasSelection ? null : revision;
    },
    read: async () => {
      const image = await doc.readImage();
      const input: PhotopeaLiveInput = hasSelection ? { image, mask: await doc.readSelectionMask() } : { image };
      options.onInput?.(input);
      return input;
    },
    ...(visible ? { visible } : {}),
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    ...(options.onState ? { onState: options.onState } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
}

/**
 * A kept live result as a normal {@link PhotopeaEdit} of the whole document
 * (what live mode reads), so that `applyEdit` adds exactly the changed pixels
 * as a layer at their place.
 */
export function liveEdit(operation: Operation, input: PhotopeaLiveInput, result: EditResult): PhotopeaEdit {
  const { width, height } = input.image;
  return {
    operation,
    plan: {
      document: { width, height },
      selection: input.mask ? maskBounds(input.mask) : null,
      region: { x: 0, y: 0, width, height },
      cropped: false,
      useSelection: input.mask !== undefined,
    },
    original: input.image,
    result,
  };
}
