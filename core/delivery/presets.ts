/**
 * Model presets: named manifests read from `models/presets.json`. The list is
 * data, so adding a model is an edit to that file, not to code.
 *
 * Browser-safe (the JSON is bundled).
 */
import presetData from '../../models/presets.json';
import { StippleError } from '../errors';
import { checkManifest, manifestBytes, resolveManifestUrls, type ModelManifest } from './manifest';

/** A manifest with the words a model picker shows. */
export interface ModelPreset extends ModelManifest {
  readonly title: string;
  /** Where the files come from and what to know about them. */
  readonly notes: string;
  /** False when the file list could not be checked against the live repo. */
  readonly verified: boolean;
}

/** Every preset, in the order of `models/presets.json`. Tiny fixture models first: they work offline. */
export const PRESETS: readonly ModelPreset[] = (presetData.presets as unknown[]).map((p) => {
  const preset = checkManifest(p) as ModelPreset;
  if (typeof preset.title !== 'string' || typeof preset.notes !== 'string' || typeof preset.verified !== 'boolean') {
    throw new StippleError('INVALID_INPUT', `models/presets.json: ${preset.id} needs "title", "notes" and "verified".`);
  }
  return preset;
});

/** The preset called `id`, if there is one. Relative URLs are left as written. */
export function findPreset(id: string): ModelPreset | undefined {
  return PRESETS.find((p) => p.id === id);
}

/**
 * The manifest of preset `id`, with relative URLs (the tiny fixture models
 * the project serves itself) resolved against `base`.
 *
 * @param base URL the relative `baseUrl`s are resolved against; defaults to
 *   the page's `location.href`. Required in Node for the tiny presets.
 * @throws {StippleError} `INVALID_INPUT` for an unknown id, or a relative
 *   preset without a base to resolve it against.
 */
export function presetManifest(id: string, base?: string | URL): ModelPreset {
  const preset = findPreset(id);
  if (preset === undefined) {
    throw new StippleError(
      'INVALID_INPUT',
      `"${id}" is not a model preset. Presets: ${PRESETS.map((p) => p.id).join(', ')}; or pass a repo URL or files.`,
    );
  }
  const pageUrl = (globalThis as { location?: { href?: string } }).location?.href;
  const resolveAgainst = base ?? pageUrl;
  if (resolveAgainst === undefined) {
    if (isAbsolute(preset.baseUrl)) return preset;
    throw new StippleError(
      'INVALID_INPUT',
      `Preset "${id}" is served relative to the app (${preset.baseUrl}); outside a page pass the server's URL as \`base\`.`,
    );
  }
  return { ...preset, ...resolveManifestUrls(preset, resolveAgainst) };
}

function isAbsolute(url: string | undefined): boolean {
  return url !== undefined && /^[a-z][a-z0-9+.-]*:/i.test(url);
}

/** Model kinds that run edits (TAESD, a preview-only VAE, is not one). */
const EDITING_KINDS: ReadonlySet<string> = new Set(['plain', 'inpaint', 'pix2pix']);

/** The presets a model picker offers: every full Stable Diffusion repo. */
export const EDITING_PRESETS: readonly ModelPreset[] = PRESETS.filter((p) => p.kind !== undefined && EDITING_KINDS.has(p.kind));

/**
 * True for presets served relative to the app (the tiny fixture models the
 * project serves itself): read straight from there, never downloaded or cached.
 */
export function isLocalPreset(preset: ModelPreset): boolean {
  return preset.baseUrl !== undefined && !isAbsolute(preset.baseUrl);
}

/** A preset as a model picker lists it. */
export interface PresetOption {
  readonly id: string;
  readonly title: string;
  readonly kind: string;
  readonly notes: string;
  /** Download size, when the manifest knows every file's size (not for local presets: nothing is downloaded). */
  readonly bytes?: number;
}

/** {@link EDITING_PRESETS} as a model picker lists them. */
export function presetOptions(): PresetOption[] {
  return EDITING_PRESETS.map((p) => {
    const bytes = isLocalPreset(p) ? undefined : manifestBytes(p);
    return { id: p.id, title: p.title, kind: p.kind!, notes: p.notes, ...(bytes !== undefined && { bytes }) };
  });
}
