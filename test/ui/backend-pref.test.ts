/** The engine line's backend switch is remembered per origin (localStorage), and bad or blocked storage falls back to auto. */
import { describe, expect, it } from 'vitest';
import { rememberBackend, rememberedBackend } from '../../plugins/ui/backend-pref';

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> {
  const items = new Map<string, string>();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

describe('remembered backend', () => {
  it('is auto until the user picks one, then what they picked', () => {
    const storage = memoryStorage();
    expect(rememberedBackend(storage)).toBe('auto');
    rememberBackend('wasm', storage);
    expect(rememberedBackend(storage)).toBe('wasm');
    rememberBackend('webgpu', storage);
    expect(rememberedBackend(storage)).toBe('webgpu');
  });

  it('ignores values it did not write, and storage that throws or is missing', () => {
    const storage = memoryStorage();
    storage.setItem('stipple.backend', 'cuda');
    expect(rememberedBackend(storage)).toBe('auto');
    const blocked = {
      getItem: (): string => {
        throw new DOMException('denied', 'SecurityError');
      },
      setItem: (): void => {
        throw new DOMException('denied', 'SecurityError');
      },
    };
    expect(() => rememberBackend('wasm', blocked)).not.toThrow();
    expect(rememberedBackend(blocked)).toBe('auto');
    expect(rememberedBackend(undefined)).toBe('auto');
  });
});
