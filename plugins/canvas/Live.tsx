/**
 * The demo's Live mode: while the toggle is on, every finished stroke (and
 * every change of the panel's parameters) goes to a core live session, and
 * its latest result shows as a layer beside the canvas with an
 * "updating / up to date" badge. "Keep" re-runs the latest state with the
 * full VAE and hands it to the host as a normal result (variants, apply, undo).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { CanvasHost, EditEngine } from '../../adapters/canvas';
import type { EditResult } from '../../core/editor';
import { errorMessage } from '../../core/errors';
import { isEmpty, type RgbaImage } from '../../core/image';
import { needsMask } from '../../core/operations';
import { startLive, type LiveParams, type LiveSession, type LiveState, type LiveStats } from '../../core/live';
import { toRequest, type PanelParams } from '../ui';
import type { ModelSizes } from '../../core/pipelines/resolution';

/** The image and model sizes that pick the working resolution, as for a normal run. */
type WorkingSource = { width: number; height: number; sizes: ModelSizes };

/** What the browser tests read (window.__stippleLive). */
export interface LiveTestHook {
  stats(): LiveStats | null;
  state(): LiveState;
  /** Which state the live layer shows (0: none yet). */
  version(): number;
  /** The session's latest state (the layer is up to date when it shows this one). */
  latestVersion(): number;
}

export interface LiveControlsProps {
  host: CanvasHost;
  engine: EditEngine | null;
  params: PanelParams;
  /** The loaded model's sizes: live runs use the same working size as a normal run. */
  sizes: ModelSizes | undefined;
  /** The panel is running a normal edit: Keep waits. */
  busy: boolean;
  onKept(result: EditResult, params: PanelParams, ms: number): void;
  onError(message: string): void;
}

/** The panel's parameters as a live session takes them: no seed (fixed per session) or count (always 1). */
function liveParams(params: PanelParams, source: WorkingSource | undefined): LiveParams {
  const { seed: _seed, count: _count, ...rest } = toRequest(params, source);
  return rest;
}

const LABEL: Record<LiveState, string> = {
  idle: 'Paint a stroke to start',
  updating: 'Updating…',
  'up to date': 'Up to date',
  error: 'Live run failed',
  closed: 'Off',
};

export function LiveControls(props: LiveControlsProps) {
  const { host, engine, params } = props;
  // Before the host is attached there is no image yet, and no working size to ask for.
  const image = host.element ? host.document.image : undefined;
  const source: WorkingSource | undefined = props.sizes && image && { width: image.width, height: image.height, sizes: props.sizes };
  const [on, setOn] = useState(false);
  const [state, setState] = useState<LiveState>('closed');
  const [hasResult, setHasResult] = useState(false);
  const [keeping, setKeeping] = useState(false);
  const layer = useRef<HTMLCanvasElement>(null);
  const session = useRef<LiveSession | null>(null);
  const version = useRef(0);
  const propsRef = useRef(props);
  propsRef.current = props;
  const paramsKey = JSON.stringify(liveParams(params, source));
  /** The parameters the session has: a change of anything else is not sent. */
  const sentKey = useRef('');

  useEffect(() => {
    if (!on || !engine || !engine.operations.includes(params.operation)) return;
    const live = startLive(engine, { operation: params.operation, ...liveParams(params, source), debounceMs: 0 });
    session.current = live;
    sentKey.current = JSON.stringify(liveParams(params, source));
    version.current = 0;
    setState(live.state);
    setHasResult(false);
    const masked = needsMask(params.operation);
    const push = (): void => {
      const mask = host.getMask();
      const empty = isEmpty(mask);
      // Inpaint and mask-edit have nothing to do until a stroke marks the area.
      if (masked && empty) return;
      live.update(host.getImage(), empty ? undefined : mask);
    };
    const offs = [
      live.on('state', setState),
      live.on('result', (r) => {
        version.current = r.version;
        drawInto(layer.current, r.image);
        setHasResult(true);
      }),
      live.on('error', (e) => propsRef.current.onError(`Live: ${errorMessage(e)}`)),
      // Stroke end (not every mouse move), undo/redo and applied results: the canvas state changed.
      host.on('change', (c) => {
        if (host.document.stroking) return;
        // A finished stroke is recorded as a 'history' change.
        if (c.kinds.some((k) => k === 'mask' || k === 'image' || k === 'layers' || k === 'history')) push();
      }),
    ];
    push();
    return () => {
      offs.forEach((off) => off());
      live.close();
      session.current = null;
      setState('closed');
    };
  }, [on, engine, params.operation]);

  useEffect(() => {
    if (!session.current || sentKey.current === paramsKey) return;
    sentKey.current = paramsKey;
    session.current.setParams(liveParams(params, source));
  }, [paramsKey]);

  useEffect(() => {
    const hook: LiveTestHook = {
      stats: () => session.current?.stats ?? null,
      state: () => session.current?.state ?? 'closed',
      version: () => version.current,
      latestVersion: () => session.current?.version ?? 0,
    };
    (window as unknown as { __stippleLive: LiveTestHook }).__stippleLive = hook;
  }, []);

  const keep = async (): Promise<void> => {
    const live = session.current;
    if (!live) return;
    setKeeping(true);
    const t0 = performance.now();
    const kept = { ...propsRef.current.params, seed: live.seed, count: 1 };
    try {
      const result = await live.keep();
      host.showResults({ images: result.images, operation: kept.operation, meta: result.meta });
      propsRef.current.onKept(result, kept, performance.now() - t0);
    } catch (error) {
      propsRef.current.onError(`Keep: ${errorMessage(error)}`);
    } finally {
      setKeeping(false);
    }
  };

  const unsupported = engine !== null && !engine.operations.includes(params.operation);
  return (
    <div class="demo-live" data-testid="live">
      <label class="demo-check">
        <input type="checkbox" checked={on} disabled={!engine || unsupported} onChange={(e) => setOn(e.currentTarget.checked)} /> Live
      </label>
      {on && (
        <>
          <span class="demo-live-state" data-testid="live-state" data-state={state} role="status" aria-live="polite">
            {LABEL[state]}
          </span>
          <button type="button" class="stp-button" onClick={() => void keep()} disabled={!hasResult || keeping || props.busy}>
            {keeping ? 'Keeping…' : 'Keep'}
          </button>
        </>
      )}
      <div class="demo-live-layer" hidden={!on || !hasResult}>
        <canvas ref={layer} data-testid="live-layer" aria-label="Live result" style={{ width: '384px', maxWidth: '100%', height: 'auto', borderRadius: '6px' }} />
      </div>
    </div>
  );
}

function drawInto(canvas: HTMLCanvasElement | null, image: RgbaImage): void {
  if (!canvas) return;
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
}
