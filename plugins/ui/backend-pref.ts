/**
 * The backend the user picked on a panel's engine line (auto, WebGPU, WASM),
 * remembered in this origin's localStorage so the next model and the next
 * session start on it.
 */
import type { BackendPreference } from '../../core/runtime/backend';

const KEY = 'stipple.backend';
const CHOICES: readonly BackendPreference[] = ['auto', 'webgpu', 'wasm'];

/** The remembered choice; `auto` when there is none (or no storage). */
export function rememberedBackend(storage: Pick<Storage, 'getItem'> | undefined = localStorageOrUndefined()): BackendPreference {
  const value = safely(() => storage?.getItem(KEY));
  return CHOICES.includes(value as BackendPreference) ? (value as BackendPreference) : 'auto';
}

/** Remembers `choice` (silently does nothing where storage is blocked). */
export function rememberBackend(choice: BackendPreference, storage: Pick<Storage, 'setItem'> | undefined = localStorageOrUndefined()): void {
  safely(() => storage?.setItem(KEY, choice));
}

function localStorageOrUndefined(): Storage | undefined {
  // Reading `localStorage` itself throws in sandboxed frames without storage access.
  return safely(() => globalThis.localStorage);
}

function safely<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
