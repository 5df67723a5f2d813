/**
 * The models stored in this browser (core's IndexedDB model cache), as the
 * model manager lists them: title, size on disk, and the browser's storage
 * estimate. Null when the browser gives this page no storage.
 */
import { defaultModelCache, deleteCachedModel, listCachedModels, PRESETS } from '../../core/delivery';
import type { CachedModel } from './components/ModelManager';

export interface StoredModels {
  models: CachedModel[];
  usage?: number;
  quota?: number;
}

export async function storedModels(): Promise<StoredModels | null> {
  try {
    const infos = await listCachedModels(defaultModelCache());
    const models = infos.map((m) => ({
      id: m.id,
      title: `${PRESETS.find((p) => p.id === m.id)?.title ?? m.id}${m.complete ? '' : ' (incomplete)'}`,
      bytes: m.bytes,
    }));
    const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
    return {
      models,
      ...(estimate?.usage !== undefined && { usage: estimate.usage }),
      ...(estimate?.quota !== undefined && { quota: estimate.quota }),
    };
  } catch {
    return null;
  }
}

/** Deletes a stored model (its record and every chunk). */
export function deleteStoredModel(id: string): Promise<void> {
  return deleteCachedModel(defaultModelCache(), id);
}
