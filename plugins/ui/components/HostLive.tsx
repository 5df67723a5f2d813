/**
 * Live mode in a host panel, all but the host: the toggle and status strip
 * ({@link LiveStatus}) on a live session ({@link useLive}) that the host's
 * follower feeds. The host gives how to follow its document, reporting each
 * input it sends, and gets Keep's result back with the input it was made from.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { DocumentFollower } from '../../../core/live';
import type { LiveState } from '../../../core/live';
import { useLive, type FollowTarget, type KeptLive, type LiveCapable } from '../live';
import type { PanelParams } from '../params';
import { LiveStatus } from './LiveStatus';

/** What browser tests read (`window[testHook]`). */
export interface LiveTestHook {
  state(): LiveState;
  follow(): string;
  /** The state number of the live result shown (0: none yet). */
  version(): number;
  /** The session's latest state number. */
  latestVersion(): number;
  updates(): number;
}

export interface HostLiveProps<I> {
  engine: LiveCapable | null;
  params: PanelParams;
  /** A normal run is going: Keep waits. */
  busy: boolean;
  /** What to select for live mode to follow, in the host's words. */
  selectHint: string;
  /** Where the test hook goes on `window`. */
  testHook: string;
  /** Starts the host's follower; it calls `onInput` with each input it sends to the session. */
  follow(target: FollowTarget, onInput: (input: I) => void): DocumentFollower;
  onKept(kept: KeptLive, input: I): void;
}

export function HostLive<I>(props: HostLiveProps<I>) {
  const [on, setOn] = useState(false);
  const input = useRef<I | null>(null);
  const live = useLive({
    engine: props.engine,
    on,
    params: props.params,
    follow: (target) => props.follow(target, (i) => (input.current = i)),
  });
  const liveRef = useRef(live);
  liveRef.current = live;

  useEffect(() => {
    const hook: LiveTestHook = {
      state: () => liveRef.current.state,
      follow: () => liveRef.current.follow,
      version: () => liveRef.current.latest?.version ?? 0,
      latestVersion: () => liveRef.current.version(),
      updates: () => liveRef.current.stats()?.updates ?? 0,
    };
    (window as unknown as Record<string, LiveTestHook>)[props.testHook] = hook;
  }, []);

  const unavailable = !props.engine
    ? 'Load a model to use Live.'
    : !props.engine.operations.includes(props.params.operation)
      ? 'This model cannot run this edit live.'
      : null;

  return (
    <LiveStatus
      live={live}
      on={on && unavailable === null}
      onToggle={setOn}
      unavailable={unavailable}
      selectHint={props.selectHint}
      busy={props.busy}
      onKeep={() => {
        const from = input.current;
        void live.keep().then((kept) => kept && from !== null && props.onKept(kept, from));
      }}
    />
  );
}
