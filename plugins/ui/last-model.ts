/**
 * The last model the user loaded, remembered across reloads (localStorage,
 * per host), so the panel opens on it; a model in the browser's cache then
 * loads offline, with no download. Picked folders are not remembered: the
 * browser cannot open them again without the user.
 */
export type RememberedModel = { preset: string } | { url: string };

function key(host: string): string {
  return `stipple:last-model:${host}`;
}

/** Stores `model` as `host`'s last model; storage that refuses (private mode, quota) is ignored. */
export function rememberModel(host: string, model: RememberedModel): void {
  try {
    globalThis.localStorage?.setItem(key(host), JSON.stringify(model));
  } catch {
    // Remembering is a convenience: without storage the panel opens on its default.
  }
}

/** `host`'s last model, or null (never loaded, storage off, or unreadable). */
export function lastModel(host: string): RememberedModel | null {
  try {
    const v = JSON.parse(globalThis.localStorage?.getItem(key(host)) ?? 'null') as unknown;
    if (v && typeof v === 'object') {
      if (typeof (v as { preset?: unknown }).preset === 'string') return { preset: (v as { preset: string }).preset };
      if (typeof (v as { url?: unknown }).url === 'string') return { url: (v as { url: string }).url };
    }
  } catch {
    // Unreadable: fall back to the default.
  }
  return null;
}
