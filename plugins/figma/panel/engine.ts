/**
 * The Figma panel's models and edit engine: core's in-process Editor.
 *
 * Remote presets and repo URLs go through core's model delivery, so a
 * multi-GB model is downloaded once into this origin's IndexedDB (the reason
 * the panel lives on its own origin instead of Figma's null-origin iframe);
 * the tiny fixture presets the dev server serves are read straight from it.
 */
import { createEditor, nativePixels, type Editor } from '../../../core/editor';
import { openModelSource, PRESETS, type DownloadProgress, type ModelPreset } from '../../../core/delivery';
import { UrlSource, type ModelKind, type RepoSource } from '../../../core/models';
import { defaultOrt } from '../../../core/runtime';
import { defaultSchedulerName } from '../../../core/schedulers';
import { FilesSource, type TokenCounter } from '../../ui';

/** A loaded model and what the panel shows about it. */
export interface LoadedModel {
  editor: Editor;
  title: string;
  kind: ModelKind;
  tokenizer: TokenCounter;
  defaultScheduler: string;
  /** The model's working area in px (what a selection is read towards). */
  nativePixels: number;
  note?: string;
}

/** What the designer picked in the model manager. */
export type ModelChoice = { preset: string } | { url: string } | { files: FileList };

/** Every full Stable Diffusion preset (the TAESD preview VAE is not an editing model). */
export const PANEL_PRESETS: readonly ModelPreset[] = PRESETS.filter((p) => p.kind === 'plain' || p.kind === 'inpaint' || p.kind === 'pix2pix');

/** True for presets served by the panel's own host (the tiny fixture models). */
export function isLocalPreset(p: ModelPreset): boolean {
  return p.baseUrl !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(p.baseUrl);
}

/** Points ONNX Runtime at its .wasm files; call before the first model loads. */
export function configureOrt(wasmBase: string): void {
  defaultOrt.env.wasm.wasmPaths = wasmBase;
}

/** Opens a model: configs and tokenizer now, weights on the first edit. */
export async function loadPanelModel(choice: ModelChoice, page: string, onProgress?: (e: DownloadProgress) => void): Promise<LoadedModel> {
  let source: RepoSource;
  let title: string;
  let note: string | undefined;
  if ('preset' in choice) {
    const preset = PANEL_PRESETS.find((p) => p.id === choice.preset);
    if (!preset) throw new Error(`There is no model preset “${choice.preset}”.`);
    title = preset.title;
    if (isLocalPreset(preset)) {
      source = new UrlSource(new URL(preset.baseUrl!, page).href);
      note = 'Random weights: its output is noise.';
    } else {
      source = await openModelSource(preset.id, { base: page, ...(onProgress && { onProgress }) });
    }
  } else if ('url' in choice) {
    title = choice.url;
    source = await openModelSource(new URL(choice.url, page).href, { ...(onProgress && { onProgress }) });
  } else {
    const files = new FilesSource(choice.files);
    source = files;
    title = files.description.replace(/^the folder /, 'Folder ');
  }
  const editor = await createEditor({ model: source });
  return {
    editor,
    title,
    kind: editor.repo.kind,
    tokenizer: editor.repo.tokenizer,
    defaultScheduler: defaultSchedulerName(editor.repo.schedulerConfig),
    nativePixels: nativePixels(editor.repo),
    ...(note !== undefined && { note }),
  };
}
