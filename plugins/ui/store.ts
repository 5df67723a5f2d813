/**
 * The panel's state and the reducer that changes it: plain objects, no
 * signals, no DOM. `usePanelStore` (in `hooks.ts`) wires it to Preact.
 */
import type { EditMeta } from '../../core/editor';
import type { RgbaImage } from '../../core/image';
import type { EditPhase, EditProgress } from '../../core/jobs/progress';
import type { Operation } from '../../core/pipelines/request';
import { defaultParams, paramsForRun, paramsFromResult, randomSeed, withOperation, type PanelParams } from './params';

/** Where the current (or last) edit is. */
export type RunState =
  | { status: 'idle' }
  | {
      status: 'running' | 'cancelling';
      operation: Operation;
      phase: EditPhase | null;
      step: number;
      total: number;
      elapsedMs: number;
      etaMs: number | null;
      preview: RgbaImage | null;
    }
  | { status: 'done'; operation: Operation; warnings: readonly string[]; ms: number }
  | { status: 'cancelled'; operation: Operation }
  | { status: 'error'; operation: Operation; message: string };

/** One finished edit, kept so its parameters (and images) can be restored. */
export interface HistoryEntry {
  id: number;
  operation: Operation;
  /** The panel parameters the run used (with the seed it actually used). */
  params: PanelParams;
  images: readonly RgbaImage[];
  meta?: EditMeta;
  warnings: readonly string[];
  /** Wall time of the run in ms. */
  ms: number;
  /** `Date.now()` when it finished. */
  time: number;
  /** Which model made it. */
  model: string;
}

/** The pending results as the panel shows them. */
export interface ResultsView {
  count: number;
  selected: number;
  view: 'after' | 'before';
  /** The history entry the results came from. */
  entryId: number | null;
}

export interface PanelState {
  params: PanelParams;
  run: RunState;
  history: readonly HistoryEntry[];
  results: ResultsView | null;
  /** Most history entries kept (oldest dropped). */
  historyLimit: number;
}

export type PanelAction =
  | { type: 'set'; patch: Partial<PanelParams> }
  | { type: 'operation'; operation: Operation }
  | { type: 'randomize-seed'; seed?: number }
  | { type: 'run-start'; operation: Operation; params?: PanelParams }
  | { type: 'progress'; event: EditProgress }
  | { type: 'cancel-requested' }
  | { type: 'run-done'; entry: Omit<HistoryEntry, 'id'> }
  | { type: 'run-cancelled' }
  | { type: 'run-failed'; message: string }
  | { type: 'results'; results: ResultsView | null }
  | { type: 'restore'; id: number }
  | { type: 'forget'; id: number }
  | { type: 'clear-history' };

export function initialState(params: Partial<PanelParams> = {}, historyLimit = 20): PanelState {
  return { params: { ...defaultParams(params.operation), ...params }, run: { status: 'idle' }, history: [], results: null, historyLimit };
}

/** True while an edit runs (or is being cancelled). */
export function isBusy(state: PanelState): boolean {
  return state.run.status === 'running' || state.run.status === 'cancelling';
}

/**
 * Prepares a run: redraws an unlocked seed. Returns the parameters to run
 * with; dispatch `{ type: 'run-start', params }` with them.
 */
export function startParams(state: PanelState, nextSeed: () => number = randomSeed): PanelParams {
  return paramsForRun(state.params, nextSeed);
}

let nextId = 1;

export function panelReducer(state: PanelState, action: PanelAction): PanelState {
  switch (action.type) {
    case 'set':
      return { ...state, params: { ...state.params, ...action.patch } };
    case 'operation':
      return { ...state, params: withOperation(state.params, action.operation) };
    case 'randomize-seed':
      return { ...state, params: { ...state.params, seed: action.seed ?? randomSeed() } };
    case 'run-start':
      return {
        ...state,
        params: action.params ?? state.params,
        run: { status: 'running', operation: action.operation, phase: null, step: 0, total: 0, elapsedMs: 0, etaMs: null, preview: null },
      };
    case 'progress': {
      const run = state.run;
      if (run.status !== 'running' && run.status !== 'cancelling') return state;
      const e = action.event;
      if (e.type === 'phase') return { ...state, run: { ...run, phase: e.phase } };
      if (e.type === 'step') {
        // Steps belong to the denoise phase, except DiffEdit's mask and inversion stages, which count their own.
        const phase = run.phase === 'generate-mask' || run.phase === 'invert' ? run.phase : 'denoise';
        return { ...state, run: { ...run, phase, step: e.step, total: e.total, elapsedMs: e.elapsedMs, etaMs: e.etaMs } };
      }
      return { ...state, run: { ...run, preview: e.images[0] ?? null } };
    }
    case 'cancel-requested':
      return state.run.status === 'running' ? { ...state, run: { ...state.run, status: 'cancelling' } } : state;
    case 'run-done': {
      const entry: HistoryEntry = { ...action.entry, id: nextId++ };
      const history = [entry, ...state.history].slice(0, Math.max(1, state.historyLimit));
      return {
        ...state,
        run: { status: 'done', operation: entry.operation, warnings: entry.warnings, ms: entry.ms },
        history,
        results: { count: entry.images.length, selected: 0, view: 'after', entryId: entry.id },
      };
    }
    case 'run-cancelled':
      return { ...state, run: { status: 'cancelled', operation: runOperation(state) } };
    case 'run-failed':
      return { ...state, run: { status: 'error', operation: runOperation(state), message: action.message } };
    case 'results':
      return { ...state, results: action.results };
    case 'restore': {
      const entry = state.history.find((h) => h.id === action.id);
      if (!entry) return state;
      const params = entry.meta
        ? paramsFromResult(entry.operation, entry.meta.params, state.params)
        : { ...entry.params, seedLocked: true };
      return { ...state, params };
    }
    case 'forget':
      return { ...state, history: state.history.filter((h) => h.id !== action.id) };
    case 'clear-history':
      return { ...state, history: [] };
  }
}

function runOperation(state: PanelState): Operation {
  return 'operation' in state.run ? state.run.operation : state.params.operation;
}
