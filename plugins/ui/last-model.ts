/**
 * The last model the user loaded, remembered across reloads (localStorage,
 * per host), so the panel opens on it; a model in the browser's cache then
 * loads offline, with no download. Only models named by a string (a preset
 * id or a repo URL) are remembered: picked files and folders cannot be
 * opened again without the user.
 */
import type { ModelInput, PostedModelInput } from '../../core/delivery';

function key(host: string): string {
  return `stipple:last-model:${host}`;
}

/** Stores `model` as `host`'s last model when it has a name; storage that refuses (private mode, quota) is ignored. */
export function rememberModel(host: string, model: ModelInput | PostedModelInput): void {
  const name = typeof model === 'string' ? model : model instanceof URL ? model.href : null;
  if (name === null) return;
  try {
    globalThis.localStorage?.setItem(key(host), JSON.stringify(name));
  } catch {
    // Remembering is a convenience: without storage the panel opens on its default.
  }
}

/**
 * `host`'s last model if it is still one of `presets` or a web address, else
 * null (never loaded, storage off, unreadable, or a preset this build dropped).
 */
export function lastModel(host: string, presets: readonly { id: string }[]): string | null {
  try {
    const v = JSON.parse(globalThis.localStorage?.getItem(key(host)) ?? 'null') as unknown;
    if (typeof v !== 'string') return null;
    if (presets.some((p) => p.id === v) || /^https?:\/\//i.test(v)) return v;
  } catch {
    // Unreadable: fall back to the default.
  }
  return null;
}
