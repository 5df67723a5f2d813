/**
 * Live mode in the Figma panel: while on, the selected image (and mask
 * shape) goes to a live session whenever Figma reports a change to it; the
 * latest live result shows in the panel; Keep turns it into a normal result
 * that Apply writes as a layer (one undo step, as a normal run).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { followFigma, type LiveLink } from '../../../adapters/figma/live';
import type { FigmaInput, FigmaSession } from '../../../adapters/figma/session';
import type { LiveState } from '../../../core/live';
import { LiveStatus, useLive, type KeptLive, type LiveCapable, type PanelParams } from '../../ui';

/** What the browser test reads (window.__stippleFigmaLive). */
export interface FigmaLiveTestHook {
  state(): LiveState;
  follow(): string;
  /** The state number of the live result shown (0: none yet). */
  version(): number;
  /** The session's latest state number. */
  latestVersion(): number;
  updates(): number;
}

export interface FigmaLiveProps {
  link: LiveLink;
  session: FigmaSession;
  engine: LiveCapable | null;
  /** The model's working area in px (the selection is read towards it). */
  targetPixels: number | undefined;
  params: PanelParams;
  busy: boolean;
  onKept(kept: KeptLive, input: FigmaInput): void;
}

const MASKED = new Set(['inpaint', 'mask-edit']);

export function FigmaLive(props: FigmaLiveProps) {
  const [on, setOn] = useState(false);
  const input = useRef<FigmaInput | null>(null);
  const needsMask = MASKED.has(props.params.operation);
  const live = useLive({
    engine: props.engine,
    on,
    params: props.params,
    follow: (target) =>
      followFigma(props.link, props.session, target.session, {
        needsMask,
        ...(props.targetPixels !== undefined && { targetPixels: props.targetPixels }),
        onInput: (i) => (input.current = i),
        onState: target.onState,
        onError: target.onError,
      }),
  });
  const liveRef = useRef(live);
  liveRef.current = live;

  useEffect(() => {
    const hook: FigmaLiveTestHook = {
      state: () => liveRef.current.state,
      follow: () => liveRef.current.follow,
      version: () => liveRef.current.latest?.version ?? 0,
      latestVersion: () => liveRef.current.version(),
      updates: () => liveRef.current.stats()?.updates ?? 0,
    };
    (window as unknown as { __stippleFigmaLive: FigmaLiveTestHook }).__stippleFigmaLive = hook;
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
      selectHint={needsMask ? 'Select the image and a shape over it (the mask)' : 'Select an image'}
      busy={props.busy}
      onKeep={() => {
        const from = input.current;
        void live.keep().then((kept) => kept && from && props.onKept(kept, from));
      }}
    />
  );
}
