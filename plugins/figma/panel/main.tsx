/**
 * The Figma panel: the shared Stipple panel (plugins/ui) on the Figma
 * adapter. It runs on Stipple's own origin inside Figma's plugin iframe
 * (the plugin's ui.html sends the iframe here), talks to the main code with
 * `PanelBridge`, and runs edits on core's engine in a Web Worker
 * (plugins/ui/engine-model.ts), so the panel stays responsive during a run.
 *
 * Flow: the main code reports the selection; Run reads its pixels
 * (`read-selection`), edits them, and shows the variants; Apply writes the
 * chosen one over the source as a new layer (`write-result`).
 */
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { browserCodec } from '../../../adapters/figma/browser-codec';
import type { SelectionSummary } from '../../../adapters/figma/messages';
import { FigmaRequestError, FIGMA_ORIGIN, PanelBridge } from '../../../adapters/figma/panel-bridge';
import { FigmaSession, type FigmaInput } from '../../../adapters/figma/session';
import type { EditMeta } from '../../../core/editor';
import { defaultModelCache, deleteCachedModel, EDITING_PRESETS, isLocalPreset, modelCacheReport, presetOptions, type ModelCacheReport, type ModelInput } from '../../../core/delivery';
import { CancelledError, errorMessage } from '../../../core/errors';
import { needsMask } from '../../../core/operations';
import type { BackendPreference } from '../../../core/runtime/backend';
import type { Mask, RgbaImage } from '../../../core/image';
import type { Operation } from '../../../core/pipelines/request';
import {
  askToDownload,
  EngineLine,
  injectPanelStyles,
  isBusy,
  loadEngineModel,
  rememberBackend,
  rememberedBackend,
  siteNextTo,
  loadsWithoutAsking,
  ModelLinkPrompt,
  OPERATION_LABELS,
  Panel,
  RgbaCanvas,
  startParams,
  toRequest,
  usePanelStore,
  type HistoryEntry,
  type LoadedModel,
  type ModelManagerProps,
  type ModelStatus,
  type PanelState,
} from '../../ui';
import { FIGMA_HINTS } from '../../ui/hints';
import { lastModel, rememberModel } from '../../ui/last-model';
import { withMask } from '../../ui/mask-preview';
import { keepsTarget, targetText, type RunTarget } from './run-target';
import { keptEntry, type KeptLive } from '../../ui';
import { FigmaLive } from './live';

const PAGE = location.href;
/** The engine's Worker (`worker.js`) and ONNX Runtime's files (`ort/`) are served next to the panel, on its own origin. */
const SITE = siteNextTo(PAGE);
const PRESET_OPTIONS = presetOptions();

/** The pending results and what they were made from. */
interface Pending {
  input: FigmaInput;
  images: readonly RgbaImage[];
  operation: Operation;
  meta?: EditMeta;
  /** DiffEdit's generated mask, shown tinted in the before view. */
  mask?: Mask;
  selected: number;
  view: 'after' | 'before';
}

/** What the browser test reads (window.__stippleFigma). */
export interface FigmaTestHook {
  state(): PanelState;
  selection(): SelectionSummary | null;
  model(): string | null;
  message(): string;
  written(): { nodeId: string; name: string } | null;
  /** Where the model runs and on what: null before one is loaded. */
  engine(): { where: string; backend: string } | null;
}

function App() {
  const [state, dispatch] = usePanelStore({ operation: 'inpaint', prompt: '', steps: 20 });
  const bridge = useMemo(() => new PanelBridge({ figmaOrigins: [FIGMA_ORIGIN] }), []);
  const session = useMemo(() => new FigmaSession(bridge, browserCodec()), [bridge]);
  const [selection, setSelection] = useState<SelectionSummary | null>(null);
  const [model, setModel] = useState<LoadedModel | null>(null);
  const [status, setStatus] = useState<ModelStatus>({ state: 'idle' });
  const [pending, setPending] = useState<Pending | null>(null);
  const [message, setMessage] = useState('');
  const [linkedModel, setLinkedModel] = useState<{ choice: ModelInput; from: string } | null>(null);
  const [backendPref, setBackendPref] = useState<BackendPreference>(() => rememberedBackend());
  const lastInput = useRef<ModelInput | null>(null);
  const [written, setWritten] = useState<{ nodeId: string; name: string } | null>(null);
  const [applied, setApplied] = useState<string | null>(null);
  const [target, setTarget] = useState<RunTarget | null>(null);
  const [stored, setStored] = useState<ModelCacheReport | null>(null);
  const refreshStored = (): void => void modelCacheReport().then(setStored, () => setStored(null));
  const applying = useRef(false);
  const controller = useRef<AbortController | null>(null);
  const inputs = useRef(new WeakMap<RgbaImage, { input: FigmaInput; meta?: EditMeta }>());
  const live = useRef({ state, selection, model, message, written });
  live.current = { state, selection, model, message, written };

  const loadModel = async (choice: ModelInput, backend = backendPref): Promise<void> => {
    if (controller.current) {
      setMessage('Wait for the running edit to finish (or cancel it) before changing the model.');
      return;
    }
    setStatus({ state: 'loading', message: 'Loading the model…' });
    try {
      const loaded = await loadEngineModel(SITE, choice, {
        page: PAGE,
        backend,
        onDownloadProgress: (e) => {
          if (e.status === 'progress' || e.status === 'done') setStatus({ state: 'loading', message: 'Downloading the model…', loaded: e.totalLoaded, total: e.totalBytes });
        },
      });
      await live.current.model?.engine.dispose();
      lastInput.current = choice;
      setModel(loaded);
      setStatus({ state: 'ready' });
      refreshStored();
      rememberModel('figma', choice);
    } catch (error) {
      setStatus({ state: 'error', message: errorMessage(error) });
    }
  };

  useEffect(() => {
    refreshStored();
    const offs = [bridge.on('hello', (p) => setSelection(p.selection)), bridge.on('selection', setSelection)];
    try {
      bridge.ready();
    } catch {
      // Opened as a page of its own, not inside Figma's plugin frame.
      setMessage('This is Stipple’s Figma panel: open it from the Stipple plugin in Figma (Plugins › Development › Stipple).');
    }
    const wanted = new URLSearchParams(location.search).get('model');
    if (wanted) {
      const preset = EDITING_PRESETS.find((p) => p.id === wanted);
      const choice: ModelInput = preset ? wanted : new URL(wanted, PAGE).href;
      // A link must not start a multi-GB download by itself: only the panel's own models load at once.
      const from = preset ? (isLocalPreset(preset) ? location.href : (preset.baseUrl ?? '')) : wanted;
      if (loadsWithoutAsking(from, location.href)) void loadModel(choice);
      else setLinkedModel({ choice, from });
    } else {
      // The model loaded last time (from this origin's cache, offline when stored).
      const last = lastModel('figma', PRESET_OPTIONS);
      if (last) void loadModel(last);
    }
    const hook: FigmaTestHook = {
      state: () => live.current.state,
      selection: () => live.current.selection,
      model: () => live.current.model?.title ?? null,
      message: () => live.current.message,
      written: () => live.current.written,
      engine: () => {
        const info = live.current.model?.engine.info;
        return info ? { where: info.where, backend: info.backend.backend } : null;
      },
    };
    (window as unknown as { __stippleFigma: FigmaTestHook }).__stippleFigma = hook;
    return () => {
      offs.forEach((off) => off());
      bridge.dispose();
    };
  }, []);

  // Selecting anything but the applied layer ends "Run again" on the kept source.
  useEffect(() => {
    if (target && !keepsTarget(target, selection)) setTarget(null);
  }, [selection, target]);

  // Edits this selection (or the kept target) and model allow: without a mask only whole-image ones.
  const modelOps = model?.engine.operations ?? [];
  const selectionOps = target ? target.input.operations : selection?.ok ? selection.operations : null;
  const both = selectionOps ? modelOps.filter((op) => selectionOps.includes(op)) : modelOps;
  const operations = both.length > 0 ? both : modelOps;
  const hasMask = target ? target.input.mask !== null : selection?.ok ? selection.masks.length > 0 : false;

  useEffect(() => {
    if (operations.length > 0 && !operations.includes(state.params.operation)) dispatch({ type: 'operation', operation: operations[0]! });
  }, [operations.join(','), state.params.operation]);

  const showResults = (next: Pending | null): void => {
    setPending(next);
    dispatch({ type: 'results', results: next ? { count: next.images.length, selected: next.selected, view: next.view, entryId: null } : null });
  };

  const run = async (): Promise<void> => {
    if (!model || controller.current) return;
    setMessage('');
    setWritten(null);
    setApplied(null);
    const params = startParams(state);
    const operation = params.operation;
    dispatch({ type: 'run-start', operation, params });
    const abort = new AbortController();
    controller.current = abort;
    const t0 = performance.now();
    try {
      const input = target?.input ?? (await session.read({ targetPixels: model.sizes.nativePixels }));
      if (needsMask(operation) && !input.mask) {
        throw new FigmaRequestError('nothing-selected', `${OPERATION_LABELS[operation]} needs a mask: select a shape drawn over the image too.`);
      }
      const result = await model.engine.edit(operation, {
        ...toRequest(params, { width: input.image.width, height: input.image.height, sizes: model.sizes }),
        image: input.image,
        ...(input.mask && { mask: input.mask }),
        signal: abort.signal,
        onProgress: (event) => dispatch({ type: 'progress', event }),
        previewEvery: 1,
      });
      for (const img of result.images) inputs.current.set(img, { input, meta: result.meta });
      const warnings = [...input.notices, ...result.warnings.map((w) => w.message)];
      dispatch({
        type: 'run-done',
        entry: { operation, params, images: result.images, meta: result.meta, warnings, ms: performance.now() - t0, time: Date.now(), model: model.title },
      });
      showResults({ input, images: result.images, operation, meta: result.meta, ...(result.diffedit && { mask: result.diffedit.imageMask }), selected: 0, view: 'after' });
    } catch (error) {
      if (isCancelled(error)) dispatch({ type: 'run-cancelled' });
      else dispatch({ type: 'run-failed', message: errorMessage(error) });
    } finally {
      controller.current = null;
    }
  };

  const apply = async (): Promise<void> => {
    const p = pending;
    // One Apply per result: a second click while Figma writes must not add a second layer.
    if (!p || applying.current) return;
    const image = p.images[p.selected];
    if (!image) return;
    applying.current = true;
    try {
      const seed = p.meta?.params.seed ?? null;
      const done = await session.write(p.input, image, {
        operation: p.operation,
        seed,
        ...(p.images.length > 1 && { variant: p.selected + 1, variants: p.images.length }),
      });
      setWritten({ nodeId: done.nodeId, name: done.name });
      setTarget({ input: p.input, writtenId: done.nodeId, appliedOver: live.current.selection });
      showResults(null);
      setApplied([`Added “${done.name}” above “${p.input.source.name}”.`, ...done.notices].join(' '));
    } catch (error) {
      setMessage(errorMessage(error));
    } finally {
      applying.current = false;
    }
  };

  const showHistory = (entry: HistoryEntry): void => {
    const first = entry.images[0];
    const from = first && inputs.current.get(first);
    if (!from) {
      setMessage('That result is from an earlier session and cannot be placed.');
      return;
    }
    showResults({ input: from.input, images: entry.images, operation: entry.operation, ...(from.meta && { meta: from.meta }), selected: 0, view: 'after' });
  };

  const onKept = (kept: KeptLive, input: FigmaInput): void => {
    const { result } = kept;
    for (const img of result.images) inputs.current.set(img, { input, meta: result.meta });
    dispatch({ type: 'run-done', entry: keptEntry(kept, model?.title ?? '') });
    showResults({ input, images: result.images, operation: kept.params.operation, meta: result.meta, selected: 0, view: 'after' });
  };

  const modelProps: ModelManagerProps = {
    current: model ? { title: model.title, kind: model.kind, ...(model.note !== undefined && { note: model.note }) } : null,
    status,
    presets: PRESET_OPTIONS,
    cache: stored,
    onLoadPreset: (id) => void loadModel(id),
    onLoadUrl: (url) => void loadModel(new URL(url, PAGE).href),
    onLoadFolder: (files) => void loadModel(files),
    onDelete: (id) => void deleteCachedModel(defaultModelCache(), id).then(refreshStored, (e: unknown) => setMessage(errorMessage(e))),
  };

  const preview = pending ? (pending.view === 'after' ? pending.images[pending.selected] : pending.input.image) : undefined;
  const shownMask = pending?.mask ?? pending?.input.mask;
  return (
    <div class="fg">
      {target ? (
        <p class="fg-selection" aria-live="polite">
          {targetText(target)}
        </p>
      ) : (
        <SelectionLine selection={selection} modelOps={modelOps} />
      )}
      <FigmaLive
        link={bridge}
        session={session}
        engine={model?.engine ?? null}
        targetPixels={model?.sizes.nativePixels}
        params={state.params}
        busy={state.run.status === 'running' || state.run.status === 'cancelling'}
        onKept={onKept}
      />
      {preview && pending && (
        <figure class="fg-preview">
          <RgbaCanvas image={pending.view === 'before' && shownMask ? withMask(preview, shownMask) : preview} label={pending.view === 'after' ? 'Result' : 'Before, with the mask'} />
          <figcaption class="stp-hint">{pending.view === 'after' ? 'Result (not in the document until you apply it)' : 'Before, mask in red'}</figcaption>
        </figure>
      )}
      {linkedModel && (
        <ModelLinkPrompt
          question={askToDownload(linkedModel.from, location.href)}
          onAccept={() => {
            setLinkedModel(null);
            void loadModel(linkedModel.choice);
          }}
          onDecline={() => setLinkedModel(null)}
        />
      )}
      {message && (
        <p class="fg-message" role="status">
          {message}
        </p>
      )}
      <EngineLine
        backend={model?.backend ?? null}
        preference={backendPref}
        disabled={status.state === 'loading' || isBusy(state)}
        onChange={(next) => {
          rememberBackend(next);
          setBackendPref(next);
          if (lastInput.current) void loadModel(lastInput.current, next);
        }}
      />
      <Panel
        title="Stipple for Figma"
        state={state}
        dispatch={dispatch}
        operations={operations}
        tokenizer={model?.tokenizer ?? null}
        defaultScheduler={model?.defaultScheduler}
        model={modelProps}
        resultImages={pending?.images ?? []}
        hasMask={hasMask}
        onRun={() => void run()}
        onCancel={() => {
          dispatch({ type: 'cancel-requested' });
          controller.current?.abort();
        }}
        onSelectVariant={(i) => pending && showResults({ ...pending, selected: i })}
        onToggleView={() => pending && showResults({ ...pending, view: pending.view === 'after' ? 'before' : 'after' })}
        onApply={() => void apply()}
        onDiscard={() => showResults(null)}
        onShowHistory={showHistory}
        hints={FIGMA_HINTS}
        applied={applied}
      />
    </div>
  );
}

function SelectionLine(props: { selection: SelectionSummary | null; modelOps: readonly Operation[] }) {
  const s = props.selection;
  let text: string;
  if (!s) text = 'Connecting to Figma…';
  else if (!s.ok) text = s.message;
  else {
    const masks = s.masks.length === 0 ? 'no mask' : s.masks.length === 1 ? `mask “${s.masks[0]!.name}”` : `${s.masks.length} mask layers`;
    text = `Editing “${s.source.name}” (${Math.round(s.source.width)}×${Math.round(s.source.height)}), ${masks}.`;
    if (s.masks.length === 0) text += ' Select a shape drawn over the image as well to inpaint or mask-edit.';
    const usable = props.modelOps.filter((op) => s.operations.includes(op));
    if (props.modelOps.length > 0 && usable.length === 0) text += ' The loaded model needs a mask for its edits.';
  }
  return (
    <p class={`fg-selection${s && !s.ok ? ' fg-problem' : ''}`} aria-live="polite">
      {text}
    </p>
  );
}

function isCancelled(error: unknown): boolean {
  return error instanceof CancelledError || (error instanceof Error && error.name === 'AbortError');
}


injectPanelStyles();
render(<App />, document.getElementById('app')!);
