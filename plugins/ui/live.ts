/**
 * Live mode for the host panels (Figma, Photopea): one hook that runs a core
 * live session while the toggle is on, fed by the host's document follower,
 * and hands "Keep" back as a normal result. The host says only how to follow
 * its document (`follow`) and what to do with a kept result.
 *
 * The session restarts when the engine or the edit changes; other parameter
 * changes go to the running session (a prompt change cancels the run in
 * flight, as core's latest-wins rules say).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { EditResult } from '../../core/editor';
import { errorMessage } from '../../core/errors';
import type { Mask, RgbaImage } from '../../core/image';
import type { DocumentFollower, FollowState, LiveOptions, LiveParams, LiveResult, LiveSession, LiveState, LiveStats } from '../../core/live';
import type { Operation } from '../../core/pipelines/request';
import { toRequest, type PanelParams } from './params';
import type { HistoryEntry } from './store';

/** What a panel's engine offers for live mode: core's `Editor` and the Worker engine both do. */
export interface LiveCapable {
  readonly operations: readonly Operation[];
  live(options: LiveOptions): LiveSession;
}

/** What the host's follower is given: where to send document states, and where to report. */
export interface FollowTarget {
  session: { update(image: RgbaImage, mask?: Mask): void };
  onState(state: FollowState): void;
  onError(error: unknown): void;
}

export interface UseLiveOptions {
  engine: LiveCapable | null;
  on: boolean;
  params: PanelParams;
  /** Starts the host's document follower (Figma's events, Photopea's polling). */
  follow(target: FollowTarget): DocumentFollower;
}

/** A kept live state: a normal result, with the panel parameters that made it (the session's seed, one image). */
export interface KeptLive {
  result: EditResult;
  params: PanelParams;
  ms: number;
}

export interface LiveView {
  state: LiveState;
  follow: FollowState;
  latest: LiveResult | undefined;
  /** The last live error, in words ('' when none). */
  error: string;
  keeping: boolean;
  /** Renders the latest state with the full VAE; null when there is nothing to keep or it failed (see `error`). */
  keep(): Promise<KeptLive | null>;
  stats(): LiveStats | null;
  /** The session's latest state number: the shown result is up to date when its version equals it. */
  version(): number;
}

/** The panel's parameters as a live session takes them: no seed (fixed per session) or count (always 1). */
export function liveParams(params: PanelParams): LiveParams {
  const { seed: _seed, count: _count, ...rest } = toRequest(params);
  return rest;
}

/** The history entry of a kept live state, as a normal run records it. */
export function keptEntry(kept: KeptLive, model: string): Omit<HistoryEntry, 'id'> {
  const { result, params, ms } = kept;
  return {
    operation: params.operation,
    params,
    images: result.images,
    meta: result.meta,
    warnings: result.warnings.map((w) => w.message),
    ms,
    time: Date.now(),
    model,
  };
}

export function useLive(options: UseLiveOptions): LiveView {
  const { engine, on, params } = options;
  const [state, setState] = useState<LiveState>('closed');
  const [follow, setFollow] = useState<FollowState>('following');
  const [latest, setLatest] = useState<LiveResult | undefined>(undefined);
  const [error, setError] = useState('');
  const [keeping, setKeeping] = useState(false);
  const session = useRef<LiveSession | null>(null);
  const latestParams = useRef(params);
  latestParams.current = params;
  const followRef = useRef(options.follow);
  followRef.current = options.follow;
  const key = JSON.stringify(liveParams(params));
  const sentKey = useRef('');
  const operation = params.operation;

  useEffect(() => {
    if (!on || !engine || !engine.operations.includes(operation)) return;
    let live: LiveSession;
    try {
      live = engine.live({ operation, ...liveParams(latestParams.current) });
    } catch (e) {
      setError(errorMessage(e));
      return;
    }
    session.current = live;
    sentKey.current = JSON.stringify(liveParams(latestParams.current));
    setState(live.state);
    setLatest(undefined);
    setError('');
    const offs = [
      live.on('state', setState),
      live.on('result', (r) => {
        setLatest(r);
        setError('');
      }),
      live.on('error', (e) => setError(errorMessage(e))),
    ];
    const follower = followRef.current({ session: live, onState: setFollow, onError: (e) => setError(errorMessage(e)) });
    setFollow(follower.state);
    return () => {
      follower.stop();
      offs.forEach((off) => off());
      live.close();
      session.current = null;
      setState('closed');
    };
  }, [on, engine, operation]);

  useEffect(() => {
    if (!session.current || sentKey.current === key) return;
    sentKey.current = key;
    session.current.setParams(liveParams(params));
  }, [key]);

  const keep = async (): Promise<KeptLive | null> => {
    const live = session.current;
    if (!live || keeping) return null;
    setKeeping(true);
    const t0 = performance.now();
    try {
      const result = await live.keep();
      return { result, params: { ...latestParams.current, seed: live.seed, count: 1 }, ms: performance.now() - t0 };
    } catch (e) {
      setError(`Keep: ${errorMessage(e)}`);
      return null;
    } finally {
      setKeeping(false);
    }
  };

  return {
    state,
    follow,
    latest,
    error,
    keeping,
    keep,
    stats: () => session.current?.stats ?? null,
    version: () => session.current?.version ?? 0,
  };
}
