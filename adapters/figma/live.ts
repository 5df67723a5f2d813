/**
 * Live mode in Figma, the panel's half: asks the main code to report changes
 * of the selected layers (`live` -> `changed`), and on each change or new
 * selection reads the selection and sends it to a live session. No polling:
 * Figma says when something changed.
 *
 * Paused while the panel is hidden, with no image selected, and, for the
 * masked edits, with no mask shape selected over the image.
 */
import { followDocument, type DocumentFollower, type FollowState } from '../../core/live/follow';
import type { Mask, RgbaImage } from '../../core/image';
import type { SelectionSummary } from './messages';
import type { PanelLink } from './panel-bridge';
import type { FigmaInput, FigmaSession } from './session';

export interface FigmaLiveOptions {
  /** Inpaint and mask-edit follow only while a mask shape is selected with the image. */
  needsMask: boolean;
  /** The model's working area in px: the selection is exported towards it, as for a normal run. */
  targetPixels?: number;
  /** Whether the panel is shown (default: `document.visibilityState === 'visible'` where there is a DOM). */
  visible?(): boolean;
  /** Each input sent to the session (the host keeps the latest: Keep writes over its source). */
  onInput?(input: FigmaInput): void;
  onState?(state: FollowState): void;
  onError?(error: unknown): void;
}

/** The bridge as live mode needs it: requests, events and the last selection the main code reported. */
export type LiveLink = PanelLink & { readonly selection: SelectionSummary | null };

/** Starts following the Figma selection; `stop()` ends it and tells the main code to stop reporting. */
export function followFigma(
  link: LiveLink,
  figmaSession: FigmaSession,
  session: { update(image: RgbaImage, mask?: Mask): void },
  options: FigmaLiveOptions,
): DocumentFollower {
  const visible =
    options.visible ?? (typeof document !== 'undefined' ? () => document.visibilityState === 'visible' : undefined);
  let revision = 0;
  const follower = followDocument({
    session,
    pollMs: 0,
    revision: async () => {
      const s = link.selection;
      if (!s?.ok || (options.needsMask && s.masks.length === 0)) return null;
      return JSON.stringify([s.source.id, s.masks.map((m) => m.id), revision]);
    },
    read: async () => {
      const input = await figmaSession.read(options.targetPixels !== undefined ? { targetPixels: options.targetPixels } : {});
      options.onInput?.(input);
      return input.mask ? { image: input.image, mask: input.mask } : { image: input.image };
    },
    ...(visible ? { visible } : {}),
    ...(options.onState ? { onState: options.onState } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const offs = [
    link.on('changed', (p) => {
      revision = p.revision;
      void follower.check();
    }),
    link.on('selection', () => void follower.check()),
  ];
  const onVisibility = (): void => void follower.check();
  if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisibility);
  link.emit('live', { on: true });
  void follower.check();
  return {
    check: follower.check,
    reset: follower.reset,
    get state() {
      return follower.state;
    },
    stop() {
      follower.stop();
      offs.forEach((off) => off());
      if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', onVisibility);
      try {
        link.emit('live', { on: false });
      } catch {
        // The panel is already cut off from Figma: nothing to stop there.
      }
    },
  };
}
