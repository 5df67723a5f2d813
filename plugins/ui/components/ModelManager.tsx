/**
 * The model picker and manager: presets, a URL, a local folder; what is
 * cached and how much space it takes, with delete. The app supplies the
 * data and the actions, so the same panel works with any model delivery.
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { droppedFolder } from '../folder-drop';
import { formatBytes } from '../format';

export interface ModelPresetOption {
  id: string;
  title: string;
  /** plain | inpaint | pix2pix. */
  kind?: string;
  /** Download size in bytes, when known. */
  bytes?: number;
  notes?: string;
}

export interface CachedModel {
  id: string;
  title: string;
  bytes: number;
}

export interface ModelStatus {
  state: 'idle' | 'loading' | 'ready' | 'error';
  /** What is loading, or the error. */
  message?: string;
  /** Download progress, when known. */
  loaded?: number;
  total?: number;
}

export interface ModelManagerProps {
  /** The loaded model: a title and what it can do. */
  current: { title: string; kind: string; note?: string } | null;
  status: ModelStatus;
  presets: readonly ModelPresetOption[];
  /** The model cache, or null when this build has none. */
  cache: { models: readonly CachedModel[]; usage?: number; quota?: number } | null;
  onLoadPreset(id: string): void;
  onLoadUrl(url: string): void;
  onLoadFolder(files: FileList): void;
  onDelete?(id: string): void;
  /** The preset that fits the picked edit: the dropdown shows it (the panel sets this). */
  suggested?: string;
}

const KIND_LABELS: Record<string, string> = { plain: 'plain (mask edit, SDEdit)', inpaint: 'inpainting', pix2pix: 'InstructPix2Pix' };

export function ModelManager(props: ModelManagerProps) {
  const id = useId();
  const [preset, setPreset] = useState(props.suggested ?? props.presets[0]?.id ?? '');
  // The dropdown follows the picked edit, so Load gives a model that can run it.
  useEffect(() => {
    if (props.suggested) setPreset(props.suggested);
  }, [props.suggested]);
  const [url, setUrl] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  const [dropError, setDropError] = useState('');
  const keep = useRef<HTMLButtonElement>(null);
  // Asking to confirm moves focus to the safe answer.
  useEffect(() => {
    if (confirming) keep.current?.focus();
  }, [confirming]);
  const loading = props.status.state === 'loading';
  const selected = props.presets.find((p) => p.id === preset);
  return (
    <div class="stp-models">
      <div class="stp-current" aria-live="polite">
        {props.current ? (
          <p>
            <strong>{props.current.title}</strong> <span class="stp-hint">· {KIND_LABELS[props.current.kind] ?? props.current.kind}</span>
            {props.current.note && <span class="stp-hint stp-block">{props.current.note}</span>}
          </p>
        ) : (
          <p class="stp-hint">No model loaded.</p>
        )}
        {loading && (
          <div class="stp-loading">
            <span>{props.status.message ?? 'Loading the model…'}</span>
            <progress
              aria-label="Model download"
              max={props.status.total || undefined}
              value={props.status.total ? props.status.loaded : undefined}
            />
            {props.status.total ? (
              <span class="stp-hint">
                {formatBytes(props.status.loaded ?? 0)} of {formatBytes(props.status.total)}
              </span>
            ) : null}
          </div>
        )}
        {props.status.state === 'error' && (
          <p class="stp-error" role="alert">
            {props.status.message}
          </p>
        )}
      </div>

      {props.presets.length > 0 && (
        <form
          class="stp-field"
          onSubmit={(e) => {
            e.preventDefault();
            if (preset) props.onLoadPreset(preset);
          }}
        >
          <label for={`${id}-preset`}>Preset</label>
          <div class="stp-row">
            <select id={`${id}-preset`} value={preset} onChange={(e) => setPreset(e.currentTarget.value)} aria-describedby={`${id}-preset-hint`}>
              {props.presets.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.title}
                  {p.bytes ? ` (${formatBytes(p.bytes)})` : ''}
                </option>
              ))}
            </select>
            <button type="submit" class="stp-button" disabled={loading || !preset}>
              Load
            </button>
          </div>
          <p id={`${id}-preset-hint`} class="stp-hint">
            {selected?.notes ?? ''}
          </p>
        </form>
      )}

      <form
        class="stp-field"
        onSubmit={(e) => {
          e.preventDefault();
          if (url.trim()) props.onLoadUrl(url.trim());
        }}
      >
        <label for={`${id}-url`}>Model URL</label>
        <div class="stp-row">
          <input
            id={`${id}-url`}
            type="url"
            name="model-url"
            placeholder="https://huggingface.co/<owner>/<repo>/resolve/main/"
            value={url}
            aria-describedby={`${id}-url-hint`}
            onInput={(e) => setUrl(e.currentTarget.value)}
          />
          <button type="submit" class="stp-button" disabled={loading || !url.trim()}>
            Load
          </button>
        </div>
        <p id={`${id}-url-hint`} class="stp-hint">
          The root of an ONNX repo in the diffusers/Optimum layout (model_index.json, unet/, vae_decoder/…), served with CORS.
        </p>
      </form>

      <div
        class="stp-field stp-folder-drop"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          if (loading || !e.dataTransfer) return;
          droppedFolder(e.dataTransfer).then(
            (files) => {
              setDropError('');
              props.onLoadFolder(files);
            },
            (error: unknown) => setDropError(error instanceof Error ? error.message : String(error)),
          );
        }}
      >
        <label for={`${id}-folder`}>Local folder</label>
        <input
          id={`${id}-folder`}
          type="file"
          name="model-folder"
          // Non-standard, in every current browser. `true`, not '': Preact sets it as a
          // property, and '' reads as false, which left a plain file picker.
          {...{ webkitdirectory: true }}
          multiple
          disabled={loading}
          aria-describedby={`${id}-folder-hint`}
          onChange={(e) => {
            const files = e.currentTarget.files;
            if (files && files.length > 0) props.onLoadFolder(files);
          }}
        />
        <p id={`${id}-folder-hint`} class="stp-hint">
          Pick (or drop here) the folder of an ONNX model on this computer. Nothing is uploaded.
        </p>
        {dropError && (
          <p class="stp-error" role="alert">
            {dropError}
          </p>
        )}
      </div>

      <div class="stp-cache">
        <h4>Stored models</h4>
        {props.cache === null ? (
          <p class="stp-hint">This build keeps no models in browser storage: each load reads them again.</p>
        ) : props.cache.models.length === 0 ? (
          <p class="stp-hint">No model is stored in this browser yet.</p>
        ) : (
          <ul>
            {props.cache.models.map((m) => (
              <li key={m.id} class="stp-row stp-stored">
                <span>
                  {m.title} <span class="stp-hint">{formatBytes(m.bytes)}</span>
                </span>
                {props.onDelete && confirming !== m.id && (
                  <button type="button" class="stp-button stp-small" onClick={() => setConfirming(m.id)} aria-label={`Delete ${m.title} from browser storage`}>
                    Delete
                  </button>
                )}
                {props.onDelete && confirming === m.id && (
                  <span class="stp-confirm" role="group" aria-label={`Delete ${m.title}?`}>
                    <span class="stp-hint">Delete? Using it again downloads {formatBytes(m.bytes)}.</span>
                    <button
                      type="button"
                      class="stp-button stp-small stp-danger"
                      onClick={() => {
                        setConfirming(null);
                        props.onDelete!(m.id);
                      }}
                    >
                      Delete {formatBytes(m.bytes)}
                    </button>
                    <button type="button" class="stp-button stp-small" ref={keep} onClick={() => setConfirming(null)}>
                      Keep
                    </button>
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
        {props.cache?.usage !== undefined && (
          <p class="stp-hint">
            Using {formatBytes(props.cache.usage)}
            {props.cache.quota ? ` of ${formatBytes(props.cache.quota)} available` : ''}.
          </p>
        )}
      </div>
    </div>
  );
}
