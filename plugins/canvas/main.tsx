/**
 * The Stipple demo: the canvas host, the shared panel and an edit engine on
 * one page. Opens with a drawn picture and the tiny fixture model, so the
 * whole flow (paint a mask, run, compare, apply, undo, export) works
 * offline.
 */
import { render } from 'preact';
import type { Rect } from '../../core/image';
import { lastModel, rememberModel } from '../ui/last-model';
import { maskedRegion, prefersOnlyMasked, regionSizeLabel } from '../ui/masked-area';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { CanvasHost, isCancelled, type ToolSettings } from '../../adapters/canvas';
import { errorMessage } from '../../core/errors';
import { bytesToBase64, isEmpty, type RgbaImage } from '../../core/image';
import { defaultModelCache, deleteCachedModel, labelModelInput, modelCacheReport, presetOptions, type DownloadProgress, type ModelInput } from '../../core/delivery';
import type { Operation } from '../../core/pipelines/request';
import {
  injectPanelStyles,
  Panel,
  startParams,
  toRequest,
  usePanelStore,
  type HistoryEntry,
  type CachedModel,
  type ModelManagerProps,
  type ModelStatus,
  type PanelParams,
  type PanelState,
  keptEntry,
  loadEngineModel,
  siteNextTo,
  type LoadedModel,
} from '../ui';
import { drawScene } from './scene';
import { Toolbar } from './Toolbar';
import { LiveControls } from './Live';

const PAGE = location.href;
/** The engine's worker (built next to the page) and ONNX Runtime's files (served under /ort/). */
const SITE = siteNextTo(PAGE);
/** The model the demo opens with: the tiny inpainting test model. */
const DEFAULT_PRESET_ID = 'tiny-sd-inpaint';
const PRESET_OPTIONS = presetOptions();

interface CurrentModel {
  loaded: LoadedModel;
  title: string;
  note?: string;
}

interface DocState {
  canUndo: boolean;
  canRedo: boolean;
  hasMask: boolean;
  results: readonly RgbaImage[];
  selected: number;
  view: 'after' | 'before';
}

/** What the browser tests read (window.__stipple). */
export interface TestHook {
  host: CanvasHost;
  /** Resolves when the image is attached and the default model is loaded. */
  ready: Promise<void>;
  state(): PanelState;
  /** The parameters of the last run started. */
  lastParams(): PanelParams | null;
  pixels(which: 'original' | 'image' | 'displayed' | 'mask'): { width: number; height: number; base64: string };
}

function App() {
  const [state, dispatch] = usePanelStore({ operation: 'inpaint', prompt: 'a red fox sitting in the snow', steps: 20 });
  const host = useMemo(() => new CanvasHost({ brushSize: 40, hardness: 0.7 }), []);
  const stageRef = useRef<HTMLDivElement>(null);
  const stateRef = useRef(state);
  stateRef.current = state;
  const lastParams = useRef<PanelParams | null>(null);
  const [model, setModel] = useState<CurrentModel | null>(null);
  const [status, setStatus] = useState<ModelStatus>({ state: 'idle' });
  const [settings, setSettings] = useState<ToolSettings>(host.settings);
  const [doc, setDoc] = useState<DocState>({ canUndo: false, canRedo: false, hasMask: false, results: [], selected: 0, view: 'after' });
  const [notice, setNotice] = useState('');
  const [applied, setApplied] = useState<string | null>(null);
  // The box around the mask, and whether "only masked area" was already offered for this mask.
  const [region, setRegion] = useState<Rect | null>(null);
  const offeredOnlyMasked = useRef(false);
  const maskHiddenByApply = useRef(false);

  const [cache, setCache] = useState<{ models: readonly CachedModel[]; usage?: number; quota?: number } | null>(null);
  const refreshCache = (): void => {
    modelCacheReport()
      .then(setCache)
      .catch(() => setCache(null));
  };

  const choose = async (choice: ModelInput): Promise<void> => {
    if (host.busy) {
      setNotice('Wait for the running edit to finish (or cancel it) before changing the model.');
      return;
    }
    setStatus({ state: 'loading', message: 'Opening the model…' });
    const onProgress = (p: DownloadProgress): void => {
      if (p.status === 'progress' || p.status === 'initiate') {
        setStatus({ state: 'loading', message: `Downloading ${p.file ?? 'the model'}…`, loaded: p.totalLoaded, total: p.totalBytes });
      }
    };
    try {
      setStatus({ state: 'loading', message: `Loading ${labelModelInput(choice).title}…` });
      const loaded = await loadEngineModel(SITE, choice, { page: PAGE, onDownloadProgress: onProgress });
      await model?.loaded.engine.dispose();
      setModel({ loaded, title: loaded.title, ...(loaded.note !== undefined && { note: loaded.note }) });
      setStatus({ state: 'ready' });
      rememberModel('canvas', choice);
      const ops = loaded.engine.operations;
      if (!ops.includes(stateRef.current.params.operation) && ops[0]) dispatch({ type: 'operation', operation: ops[0] });
    } catch (error) {
      setStatus({ state: 'error', message: errorMessage(error) });
    } finally {
      refreshCache();
    }
  };

  // A small mask on a large image: "only masked area" becomes the default (once per mask; the user may turn it off).
  useEffect(() => {
    if (!region) offeredOnlyMasked.current = false;
    if (!model || !region || offeredOnlyMasked.current) return;
    offeredOnlyMasked.current = true;
    const { width, height } = host.document.image;
    if (!state.params.onlyMasked && prefersOnlyMasked(width, height, region, model.loaded.sizes)) dispatch({ type: 'set', patch: { onlyMasked: true } });
  }, [region, model]);

  // Attach the host to a canvas the page owns (outside Preact's tree), load the default model.
  useEffect(() => {
    const stage = stageRef.current!;
    const canvas = document.createElement('canvas');
    const scene = drawScene(document);
    canvas.width = scene.width;
    canvas.height = scene.height;
    canvas.className = 'demo-canvas';
    canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(scene.data), scene.width, scene.height), 0, 0);
    stage.append(canvas);
    const sync = (): void => {
      const d = host.document;
      setDoc({
        canUndo: d.canUndo,
        canRedo: d.canRedo,
        hasMask: d.stroking || !isEmpty(d.mask),
        results: d.results?.images ?? [],
        selected: d.selected,
        view: d.view,
      });
      setRegion(d.stroking ? null : maskedRegion(d.mask, stateRef.current.params.onlyMaskedPadding));
      const r = d.results;
      dispatch({ type: 'results', results: r ? { count: r.images.length, selected: d.selected, view: d.view, entryId: null } : null });
    };
    const offs = [
      host.on('change', (c) => {
        if (!c.kinds.every((k) => k === 'mask') || !host.document.stroking) sync();
        if (maskHiddenByApply.current && c.kinds.includes('mask')) {
          maskHiddenByApply.current = false;
          host.setShowMask(true);
        }
      }),
      host.on('settings', setSettings),
      host.on('progress', (event) => dispatch({ type: 'progress', event })),
    ];
    const ready = (async () => {
      await host.attach(canvas);
      sync();
      // The model loaded last time (from the cache, offline), else the default.
      await choose(lastModel('canvas', PRESET_OPTIONS) ?? DEFAULT_PRESET_ID);
    })();
    const hook: TestHook = {
      host,
      ready,
      state: () => stateRef.current,
      lastParams: () => lastParams.current,
      pixels: (which) => {
        const img = which === 'original' ? host.getOriginal() : which === 'image' ? host.getImage() : which === 'displayed' ? host.document.displayed : null;
        if (img) return { width: img.width, height: img.height, base64: bytesToBase64(img.data) };
        const m = host.getMask();
        return { width: m.width, height: m.height, base64: bytesToBase64(new Uint8Array(m.data.buffer)) };
      },
    };
    (window as unknown as { __stipple: TestHook }).__stipple = hook;
    const onKey = (e: KeyboardEvent): void => {
      if (e.defaultPrevented) return; // the canvas handled it
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      const k = e.key.toLowerCase();
      if (k === 'z' || k === 'y') {
        e.preventDefault();
        if (k === 'y' || e.shiftKey) host.redo();
        else host.undo();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      offs.forEach((off) => off());
      document.removeEventListener('keydown', onKey);
      host.dispose();
    };
  }, []);

  const run = async (): Promise<void> => {
    if (!model || host.busy) return;
    setNotice('');
    setApplied(null);
    const params = startParams(state);
    lastParams.current = params;
    // Show what is being edited (older pending results stay, one click away).
    if (host.results) host.setView('before');
    const operation: Operation = params.operation;
    dispatch({ type: 'run-start', operation, params });
    const t0 = performance.now();
    try {
      const { width, height } = host.document.image;
      const request = toRequest(params, { width, height, sizes: model.loaded.sizes });
      const result = await host.run(model.loaded.engine, operation, { ...request, previewEvery: 1 });
      dispatch({
        type: 'run-done',
        entry: {
          operation,
          params,
          images: result.images,
          meta: result.meta,
          warnings: result.warnings.map((w) => w.message),
          ms: performance.now() - t0,
          time: Date.now(),
          model: model.title,
        },
      });
    } catch (error) {
      if (isCancelled(error)) dispatch({ type: 'run-cancelled' });
      else dispatch({ type: 'run-failed', message: errorMessage(error) });
    }
  };

  const showHistory = (entry: HistoryEntry): void => {
    try {
      host.showResults({ images: entry.images, operation: entry.operation, ...(entry.meta && { meta: entry.meta }) });
    } catch (error) {
      setNotice(`That result was made on an image of another size: ${errorMessage(error)}`);
    }
  };

  const openImage = async (file: File): Promise<void> => {
    try {
      const bitmap = await createImageBitmap(file);
      const c = document.createElement('canvas');
      c.width = bitmap.width;
      c.height = bitmap.height;
      const g = c.getContext('2d')!;
      g.drawImage(bitmap, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height);
      host.setImage({ width: d.width, height: d.height, data: d.data });
      setNotice(`Opened ${file.name} (${d.width}×${d.height}).`);
    } catch (error) {
      setNotice(`Could not open ${file.name}: ${errorMessage(error)}`);
    }
  };

  const exportPng = async (): Promise<void> => {
    const blob = await host.exportPng('displayed');
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'stipple.png';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };

  const modelProps: ModelManagerProps = {
    current: model ? { title: model.title, kind: model.loaded.kind, ...(model.note !== undefined && { note: model.note }) } : null,
    status,
    presets: PRESET_OPTIONS,
    cache,
    onLoadPreset: (preset) => void choose(preset),
    onLoadUrl: (url) => void choose(new URL(url, PAGE).href),
    onLoadFolder: (files) => void choose(files),
    onDelete: (id) => {
      deleteCachedModel(defaultModelCache(), id)
        .catch((error: unknown) => setNotice(`Could not delete ${id}: ${errorMessage(error)}`))
        .finally(refreshCache);
    },
  };

  const busy = state.run.status === 'running' || state.run.status === 'cancelling';
  return (
    <div class="demo">
      <header class="demo-header">
        <h1>Stipple demo</h1>
        <div class="demo-notice" role="note">
          <p>
            <strong>The bundled model is a tiny test model with random weights: its output is noise.</strong> It is here so the whole
            flow works offline with one command.
          </p>
          <p>
            For real images, load a real model under <em>Model</em> in the panel: pick a <em>preset</em> (a download of 2–5 GB), paste the{' '}
            <em>URL</em> of an ONNX repo in the diffusers/Optimum layout (<code>https://huggingface.co/&lt;owner&gt;/&lt;repo&gt;/resolve/main/</code>), or
            pick a model <em>folder</em> on this computer. Everything runs in this browser; nothing is uploaded.
          </p>
        </div>
      </header>
      <main class="demo-main">
        <section class="demo-stage" aria-label="Image">
          <Toolbar
            settings={settings}
            canUndo={doc.canUndo}
            canRedo={doc.canRedo}
            busy={busy}
            onTool={(t) => host.setTool(t)}
            onSize={(px) => host.setBrushSize(px)}
            onHardness={(h) => host.setHardness(h)}
            onShowMask={(v) => host.setShowMask(v)}
            onClear={() => host.clearMask()}
            onInvert={() => host.invertMask()}
            onSelectAll={() => host.fillMask()}
            onUndo={() => host.undo()}
            onRedo={() => host.redo()}
            onExport={() => void exportPng()}
            onOpen={(f) => void openImage(f)}
          />
          <p class="demo-steps">
            1. Paint over the area to change. 2. Describe what should be there. 3. Run, compare, pick a variant and apply it.
          </p>
          <div class="demo-canvas-frame" ref={stageRef} data-view={doc.results.length > 0 ? doc.view : 'document'} />
          <LiveControls
            host={host}
            engine={model?.loaded.engine ?? null}
            params={state.params}
            sizes={model?.loaded.sizes}
            busy={busy}
            onError={setNotice}
            onKept={(result, params, ms) => dispatch({ type: 'run-done', entry: keptEntry({ result, params, ms }, model?.title ?? '') })}
          />
          <p class="demo-view" aria-live="polite">
            {doc.results.length > 0
              ? doc.view === 'after'
                ? `Showing the result${doc.results.length > 1 ? ` (variant ${doc.selected + 1} of ${doc.results.length})` : ''}, not applied yet.`
                : 'Showing the image before the edit.'
              : ''}
          </p>
          {notice && (
            <p class="demo-message" role="status">
              {notice}
            </p>
          )}
        </section>
        <aside class="demo-panel">
          <Panel
            state={state}
            dispatch={dispatch}
            operations={model?.loaded.engine.operations ?? []}
            tokenizer={model?.loaded.tokenizer ?? null}
            defaultScheduler={model?.loaded.defaultScheduler}
            model={modelProps}
            resultImages={doc.results}
            hasMask={doc.hasMask}
            onRun={() => void run()}
            onCancel={() => {
              dispatch({ type: 'cancel-requested' });
              host.cancel();
            }}
            onSelectVariant={(i) => host.selectVariant(i)}
            onToggleView={() => host.toggleView()}
            onApply={() => {
              host.applyResult();
              // The mask stays (for Run again) but its tint no longer covers the applied result; painting shows it again.
              if (host.settings.showMask) {
                host.setShowMask(false);
                maskHiddenByApply.current = true;
              }
              setApplied('Applied as a new layer. Ctrl+Z takes it back.');
            }}
            applied={applied}
            onDiscard={() => host.discardResults()}
            onShowHistory={showHistory}
            workingSize={
              model
                ? regionSizeLabel(host.document.image.width, host.document.image.height, region, state.params.onlyMasked, model.loaded.sizes)
                : undefined
            }
          />
          {model && (
            <p class="demo-backend" data-testid="backend" data-backend={model.loaded.backend.backend}>
              <strong>Engine (Web Worker):</strong> {model.loaded.backend.reason}
            </p>
          )}
        </aside>
      </main>
    </div>
  );
}


injectPanelStyles();
render(<App />, document.getElementById('app')!);
