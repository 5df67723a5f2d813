/**
 * Stipple as a Photopea plugin: the shared panel (plugins/ui) in Photopea's
 * plugin side panel. Edits read the active document and its selection
 * (the mask) through the Photopea adapter; "Apply" adds the result as a new
 * layer. Everything runs on this machine: the model runs in a Web Worker
 * (plugins/ui/engine-model.ts), so the panel stays responsive; nothing is uploaded.
 *
 * Query parameters: `?model=URL` loads a model straight from a URL (no
 * cache), e.g. one served next to the plugin; a model from another origin
 * is only offered, and loads when the designer accepts.
 */
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  applyEdit,
  browserDecodePng,
  editDocument,
  isPhotopeaError,
  NoSelectionError,
  PhotopeaClient,
  PhotopeaDocument,
  resultLayer,
  selectionRect,
  type DocumentInfo,
  type PhotopeaEdit,
} from '../../adapters/photopea';
import { deleteCachedModel, defaultModelCache, modelCacheReport, presetOptions, type ModelInput, type PostedModelInput } from '../../core/delivery';
import { CancelledError, errorMessage } from '../../core/errors';
import type { BackendPreference } from '../../core/runtime/backend';
import { bytesToBase64 } from '../../core/image';
import type { Operation } from '../../core/pipelines/request';
import {
  askToDownload,
  EngineLine,
  injectPanelStyles,
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
  withOperation,
  type HistoryEntry,
  type ModelManagerProps,
  type ModelStatus,
  type PanelParams,
  type PanelState,
  type LoadedModel,
} from '../ui';
import { PHOTOPEA_HINTS } from '../ui/hints';
import { lastModel, rememberModel } from '../ui/last-model';
import { withMask } from '../ui/mask-preview';
import { keptEntry, type KeptLive } from '../ui';
import { PhotopeaLive } from './live';

const PAGE = location.href;
/** The engine's Worker (`worker.js`) and ONNX Runtime's files (`ort/`) are served next to the page. */
const SITE = siteNextTo(PAGE);
const PRESET_OPTIONS = presetOptions();

const INSIDE_PHOTOPEA = window.parent !== window;

/** What the browser tests read (window.__stipplePhotopea). */
export interface TestHook {
  /** Resolves when Photopea answered and the `?model=` model (if any) is loaded. */
  ready: Promise<void>;
  state(): PanelState;
  /** The layer the last Apply added: pixels (base64 RGBA), size and place; null before. */
  lastLayer(): { x: number; y: number; width: number; height: number; base64: string; name: string } | null;
  /** The document status line. */
  docStatus(): string;
  /** Where the model runs and on what: null before one is loaded. */
  engine(): { where: string; backend: string } | null;
}

type DocState = { kind: 'unknown' } | { kind: 'none'; message: string } | { kind: 'open'; info: DocumentInfo };

interface Offer {
  message: string;
  operations: readonly Operation[];
}

function App() {
  const [state, dispatch] = usePanelStore({ operation: 'inpaint', steps: 20 });
  const stateRef = useRef(state);
  stateRef.current = state;
  const client = useMemo(() => new PhotopeaClient(window.parent, window), []);
  const doc = useMemo(() => new PhotopeaDocument(client, { decodePng: browserDecodePng }), [client]);
  const [model, setModel] = useState<LoadedModel | null>(null);
  const modelRef = useRef<LoadedModel | null>(null);
  const [status, setStatus] = useState<ModelStatus>({ state: 'idle' });
  const [cache, setCache] = useState<ModelManagerProps['cache']>(null);
  const [docState, setDocState] = useState<DocState>({ kind: 'unknown' });
  const [edits, setEdits] = useState<PhotopeaEdit[]>([]);
  const [shown, setShown] = useState<{ edit: PhotopeaEdit; selected: number; view: 'after' | 'before' } | null>(null);
  const [notice, setNotice] = useState('');
  const [offer, setOffer] = useState<Offer | null>(null);
  const [linkedModel, setLinkedModel] = useState<string | null>(null);
  const [applying, setApplying] = useState(false);
  const [applied, setApplied] = useState<string | null>(null);
  const controller = useRef<AbortController | null>(null);
  const lastLayer = useRef<ReturnType<TestHook['lastLayer']>>(null);
  const docStatusRef = useRef('');

  const refreshDoc = async (): Promise<void> => {
    try {
      const info = await doc.info();
      setDocState({ kind: 'open', info });
      // The whole-image offer answered "no selection": it is moot once there is one.
      if (selectionRect(info)) setOffer(null);
    } catch (error) {
      setDocState({ kind: 'none', message: errorMessage(error) });
    }
  };

  const refreshCache = async (): Promise<void> => setCache(await modelCacheReport().catch(() => null));
  const [backendPref, setBackendPref] = useState<BackendPreference>(() => rememberedBackend());
  const lastInput = useRef<ModelInput | PostedModelInput | null>(null);

  // Without a ?model= link, the model loaded last time (from the cache, offline when stored).
  const loadLast = async (direct: string | null): Promise<void> => {
    const last = direct ? null : lastModel('photopea', PRESET_OPTIONS);
    if (last) await load(last);
  };

  // The pointer moving over the panel (back from Photopea's canvas, where the user changed the
  // document) reads the document again: at most once a second, and always once after the last
  // move (a trailing read), so a return right after the previous read is not missed.
  const lastRefresh = useRef(0);
  const pendingRefresh = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refreshOnReturn = (): void => {
    if (pendingRefresh.current !== null) return;
    const wait = Math.max(0, lastRefresh.current + 1000 - performance.now());
    pendingRefresh.current = setTimeout(() => {
      pendingRefresh.current = null;
      // A panel hidden meanwhile asks Photopea nothing (as live mode, which pauses then).
      if (document.visibilityState === 'hidden') return;
      lastRefresh.current = performance.now();
      void refreshDoc();
    }, wait);
  };

  const load = async (choice: ModelInput | PostedModelInput, backend = backendPref): Promise<void> => {
    if (isRunning(stateRef.current)) {
      setNotice('Wait for the running edit to finish (or cancel it) before changing the model.');
      return;
    }
    setStatus({ state: 'loading', message: 'Loading the model…' });
    try {
      const loaded = await loadEngineModel(SITE, choice, {
        page: PAGE,
        backend,
        onDownloadProgress: (e) => {
          if (e.status === 'progress' || e.status === 'done') {
            setStatus({ state: 'loading', message: `Downloading ${e.file ?? 'the model'}…`, loaded: e.totalLoaded, total: e.totalBytes });
          }
        },
      });
      await modelRef.current?.engine.dispose();
      modelRef.current = loaded;
      lastInput.current = choice;
      setModel(loaded);
      setStatus({ state: 'ready' });
      rememberModel('photopea', choice);
      const ops = loaded.engine.operations;
      if (!ops.includes(stateRef.current.params.operation) && ops[0]) dispatch({ type: 'operation', operation: ops[0] });
    } catch (error) {
      setStatus({ state: 'error', message: errorMessage(error) });
    }
    void refreshCache();
  };

  useEffect(() => {
    const onFocus = (): void => void refreshDoc();
    window.addEventListener('focus', onFocus);
    const direct = new URLSearchParams(location.search).get('model');
    if (direct && !loadsWithoutAsking(direct, location.href)) setLinkedModel(direct);
    const ready = (async () => {
      await Promise.all([
        client.ready().then(refreshDoc, (error: unknown) => setDocState({ kind: 'none', message: errorMessage(error) })),
        direct && loadsWithoutAsking(direct, location.href) ? load({ url: new URL(direct, PAGE).href }) : loadLast(direct),
        refreshCache(),
      ]);
    })();
    const hook: TestHook = {
      ready,
      state: () => stateRef.current,
      lastLayer: () => lastLayer.current,
      docStatus: () => docStatusRef.current,
      engine: () => {
        const info = modelRef.current?.engine.info;
        return info ? { where: info.where, backend: info.backend.backend } : null;
      },
    };
    (window as unknown as { __stipplePhotopea: TestHook }).__stipplePhotopea = hook;
    return () => {
      window.removeEventListener('focus', onFocus);
      client.close();
    };
  }, []);

  const run = async (options: { wholeImage?: boolean; operation?: Operation } = {}): Promise<void> => {
    if (!model || isRunning(state)) return;
    setNotice('');
    setApplied(null);
    setOffer(null);
    let params: PanelParams = startParams(state);
    if (options.operation) params = withOperation(params, options.operation);
    const operation = params.operation;
    dispatch({ type: 'run-start', operation, params });
    const abort = new AbortController();
    controller.current = abort;
    const t0 = performance.now();
    try {
      const edit = await editDocument(
        doc,
        model.engine,
        operation,
        { ...toRequest(params), signal: abort.signal, previewEvery: 1, onProgress: (event) => dispatch({ type: 'progress', event }) },
        { wholeImage: options.wholeImage ?? false },
      );
      setEdits((list) => [edit, ...list].slice(0, stateRef.current.historyLimit));
      setShown({ edit, selected: 0, view: 'after' });
      dispatch({
        type: 'run-done',
        entry: {
          operation,
          params,
          images: edit.result.images,
          meta: edit.result.meta,
          warnings: [...edit.result.warnings.map((w) => w.message), ...(edit.plan.note ? [edit.plan.note] : [])],
          ms: performance.now() - t0,
          time: Date.now(),
          model: model.title,
        },
      });
    } catch (error) {
      if (error instanceof CancelledError) {
        dispatch({ type: 'run-cancelled' });
      } else {
        dispatch({ type: 'run-failed', message: errorMessage(error) });
        if (error instanceof NoSelectionError && error.wholeImage.length > 0) {
          setOffer({ message: 'Or edit the whole image:', operations: error.wholeImage as Operation[] });
        }
      }
      if (isPhotopeaError(error, 'NO_DOCUMENT') || isPhotopeaError(error, 'NO_SELECTION')) void refreshDoc();
    } finally {
      controller.current = null;
    }
  };

  const apply = async (): Promise<void> => {
    if (!shown || applying) return;
    setApplying(true);
    setNotice('Adding the result to Photopea…');
    try {
      const layer = resultLayer(shown.edit, shown.selected);
      const placed = await applyEdit(doc, shown.edit, shown.selected);
      if (!placed || !layer) {
        setNotice('The result is the same as the image: there is nothing to add.');
      } else {
        lastLayer.current = { x: layer.x, y: layer.y, width: layer.image.width, height: layer.image.height, base64: bytesToBase64(layer.image.data), name: placed.name };
        setNotice('');
        setApplied(
          `Added the layer “${placed.name}”.` +
            (placed.selectionKept ? '' : ' Photopea had to drop the selection to place it: Select > Reselect brings it back.'),
        );
        setShown(null);
        dispatch({ type: 'results', results: null });
      }
    } catch (error) {
      setNotice(errorMessage(error));
    } finally {
      setApplying(false);
      void refreshDoc();
    }
  };

  const showEntry = (entry: HistoryEntry): void => {
    const edit = edits.find((e) => e.result.images === entry.images);
    if (!edit) {
      setNotice('That result is no longer kept.');
      return;
    }
    setShown({ edit, selected: 0, view: 'after' });
    dispatch({ type: 'results', results: { count: edit.result.images.length, selected: 0, view: 'after', entryId: entry.id } });
  };

  const setShownPatch = (patch: Partial<{ selected: number; view: 'after' | 'before' }>): void => {
    if (!shown) return;
    const next = { ...shown, ...patch };
    setShown(next);
    dispatch({ type: 'results', results: { count: next.edit.result.images.length, selected: next.selected, view: next.view, entryId: state.results?.entryId ?? null } });
  };

  const onKept = (kept: KeptLive, edit: PhotopeaEdit): void => {
    setEdits((list) => [edit, ...list].slice(0, stateRef.current.historyLimit));
    setShown({ edit, selected: 0, view: 'after' });
    dispatch({ type: 'run-done', entry: keptEntry(kept, model?.title ?? '') });
  };

  const modelProps: ModelManagerProps = {
    current: model ? { title: model.title, kind: model.kind, ...(model.note !== undefined && { note: model.note }) } : null,
    status,
    presets: PRESET_OPTIONS,
    cache,
    onLoadPreset: (id) => void load(id),
    onLoadUrl: (url) => void load(new URL(url, PAGE).href),
    onLoadFolder: (files) => void load(files),
    onDelete: (id) => void deleteCachedModel(defaultModelCache(), id).then(refreshCache, (e: unknown) => setNotice(errorMessage(e))),
  };

  const docStatus = describeDoc(docState);
  docStatusRef.current = docStatus;
  // DiffEdit's before view shows the area it found, tinted.
  const found = shown?.edit.result.diffedit?.imageMask;
  const before = shown && (found ? withMask(shown.edit.original, found) : shown.edit.original);
  const preview = shown ? (shown.view === 'before' ? before : shown.edit.result.images[shown.selected]) : undefined;
  return (
    // Coming back from Photopea's canvas (where the selection changes) refreshes the status: no Refresh needed.
    <div class="pp" onPointerOver={refreshOnReturn}>
      {!INSIDE_PHOTOPEA && (
        <p class="pp-warning" role="alert">
          This page is a Photopea plugin. In Photopea, choose Window &gt; Plugins &gt; Add plugin and give it this plugin's JSON, then open it
          from the plugin bar.
        </p>
      )}
      <div class="pp-doc">
        <p class="pp-doc-status" aria-live="polite" data-testid="doc-status">
          {docStatus}
        </p>
        <button type="button" class="stp-button stp-small" onClick={() => void refreshDoc()}>
          Refresh
        </button>
      </div>
      <PhotopeaLive doc={doc} engine={model?.engine ?? null} params={state.params} busy={isRunning(state)} onKept={onKept} />
      {linkedModel && (
        <ModelLinkPrompt
          question={askToDownload(linkedModel, location.href)}
          onAccept={() => {
            setLinkedModel(null);
            void load({ url: new URL(linkedModel, PAGE).href });
          }}
          onDecline={() => setLinkedModel(null)}
        />
      )}
      {offer && (
        <div class="pp-offer" role="group" aria-label="Edit the whole image">
          <span>{offer.message}</span>
          {offer.operations.map((op) => (
            <button key={op} type="button" class="stp-button" onClick={() => void run({ wholeImage: true, operation: op })}>
              Run {OPERATION_LABELS[op]} on the whole image
            </button>
          ))}
        </div>
      )}
      {notice && (
        <p class="pp-notice" role="status">
          {notice}
        </p>
      )}
      {preview && (
        <figure class="pp-preview">
          <RgbaCanvas image={preview} label={shown?.view === 'before' ? 'The area before the edit' : 'The edited area'} class="pp-preview-canvas" />
          <figcaption>{shown?.view === 'before' ? 'Before' : 'After'} (the edited area; Apply adds it as a new layer)</figcaption>
        </figure>
      )}
      <EngineLine
        backend={model?.backend ?? null}
        preference={backendPref}
        disabled={status.state === 'loading' || isRunning(state)}
        onChange={(next) => {
          rememberBackend(next);
          setBackendPref(next);
          if (lastInput.current) void load(lastInput.current, next);
        }}
      />
      <Panel
        state={state}
        dispatch={dispatch}
        operations={model?.engine.operations ?? []}
        tokenizer={model?.tokenizer ?? null}
        defaultScheduler={model?.defaultScheduler}
        model={modelProps}
        resultImages={shown?.edit.result.images ?? []}
        onRun={() => void run()}
        onCancel={() => {
          dispatch({ type: 'cancel-requested' });
          controller.current?.abort();
        }}
        onSelectVariant={(i) => setShownPatch({ selected: i })}
        onToggleView={() => setShownPatch({ view: shown?.view === 'before' ? 'after' : 'before' })}
        onApply={() => void apply()}
        onDiscard={() => {
          setShown(null);
          dispatch({ type: 'results', results: null });
        }}
        onShowHistory={showEntry}
        title="Stipple for Photopea"
        hints={PHOTOPEA_HINTS}
        applied={applied}
      />
    </div>
  );
}

function describeDoc(d: DocState): string {
  if (d.kind === 'unknown') return 'Connecting to Photopea…';
  if (d.kind === 'none') return d.message;
  const sel = selectionRect(d.info);
  return `${d.info.name}: ${d.info.width}×${d.info.height} px · ${
    sel ? `selection ${sel.width}×${sel.height} px at ${sel.x}, ${sel.y}` : 'no selection (select the area to change)'
  }`;
}

function isRunning(state: PanelState): boolean {
  return state.run.status === 'running' || state.run.status === 'cancelling';
}


injectPanelStyles();
render(<App />, document.getElementById('app')!);
