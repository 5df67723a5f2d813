/**
 * The last loaded model, remembered per host across reloads; storage that
 * is missing, refuses or holds junk falls back to the default.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { lastModel, rememberModel } from '../../plugins/ui/last-model';

const PRESETS = [{ id: 'sd-turbo' }, { id: 'x' }];

const g = globalThis as { localStorage?: Storage };

function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

afterEach(() => {
  delete g.localStorage;
});

describe('last model', () => {
  it('remembers a preset or a URL per host', () => {
    g.localStorage = memoryStorage();
    expect(lastModel('canvas', PRESETS)).toBeNull();
    rememberModel('canvas', 'sd-turbo');
    rememberModel('figma', new URL('https://example.com/repo/'));
    expect(lastModel('canvas', PRESETS)).toBe('sd-turbo');
    expect(lastModel('figma', PRESETS)).toBe('https://example.com/repo/');
    expect(lastModel('photopea', PRESETS)).toBeNull();
    // A preset this build no longer offers is forgotten; picked files are never remembered.
    expect(lastModel('canvas', [])).toBeNull();
    rememberModel('photopea', [new File([], 'model_index.json')]);
    expect(lastModel('photopea', PRESETS)).toBeNull();
  });

  it('falls back to null without storage, with junk, or when storage refuses', () => {
    expect(lastModel('canvas', PRESETS)).toBeNull();
    rememberModel('canvas', 'x'); // no storage: ignored
    g.localStorage = memoryStorage();
    g.localStorage.setItem('stipple:last-model:canvas', '{not json');
    expect(lastModel('canvas', PRESETS)).toBeNull();
    g.localStorage.setItem('stipple:last-model:canvas', '{"preset": 42}');
    expect(lastModel('canvas', PRESETS)).toBeNull();
    g.localStorage.setItem = () => {
      throw new Error('QuotaExceededError');
    };
    expect(() => rememberModel('canvas', 'y')).not.toThrow();
  });
});
