/**
 * Feeds a live session from a host document that cannot tell us about every
 * stroke directly: Photopea (polled for a cheap document revision) and Figma
 * (told by `documentchange` / `selectionchange`, then checked the same way).
 *
 * Pixels are read only when the revision changed, never while the panel is
 * hidden, and never when there is no image to follow (no document, nothing
 * selected); one check at a time, so a slow export never piles up.
 */
import type { Mask, RgbaImage } from '../image';

/** Whether the follower is feeding the session, and if not, why. */
export type FollowState = 'following' | 'paused: panel hidden' | 'paused: no image';

export interface FollowOptions {
  /** What to feed: a live session (or anything with its `update`). */
  session: { update(image: RgbaImage, mask?: Mask): void };
  /** A cheap fingerprint of the document (no pixels); `null` when there is no image to follow. */
  revision(): Promise<string | null>;
  /** The pixels (and mask) to send, read only after the revision changed. */
  read(): Promise<{ image: RgbaImage; mask?: Mask }>;
  /** Whether the panel is shown; checks are skipped while it is hidden. Default: always. */
  visible?(): boolean;
  /** Poll interval in ms; 0 = no polling (call {@link DocumentFollower.check} on host events). Default 500. */
  pollMs?: number;
  onState?(state: FollowState): void;
  onError?(error: unknown): void;
}

export interface DocumentFollower {
  /** Checks now (e.g. on a host change event); resolves when this check is done. */
  check(): Promise<void>;
  /** Forgets the last revision, so the next check sends the document again (e.g. after parameters changed). */
  reset(): void;
  readonly state: FollowState;
  stop(): void;
}

/** Starts following; see the module notes. */
export function followDocument(options: FollowOptions): DocumentFollower {
  const pollMs = options.pollMs ?? 500;
  let last: string | null = null;
  let state: FollowState = 'following';
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const setState = (next: FollowState): void => {
    if (next === state) return;
    state = next;
    options.onState?.(next);
  };

  const once = async (): Promise<void> => {
    if (options.visible && !options.visible()) {
      setState('paused: panel hidden');
      return;
    }
    const revision = await options.revision();
    if (stopped) return;
    if (revision === null) {
      setState('paused: no image');
      return;
    }
    setState('following');
    if (revision === last) return;
    const { image, mask } = await options.read();
    if (stopped) return;
    last = revision;
    options.session.update(image, mask);
  };

  const check = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      // An event during a check: check once more right after it.
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await once();
        } catch (error) {
          options.onError?.(error);
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
    return running;
  };

  const schedule = (): void => {
    if (stopped || pollMs <= 0) return;
    timer = setTimeout(() => {
      void check().finally(schedule);
    }, pollMs);
  };
  schedule();

  return {
    check,
    reset: () => {
      last = null;
    },
    get state() {
      return state;
    },
    stop: () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
