/**
 * A UNet too heavy to share the wasm32 heap gets it to itself
 * (core/lazy-components.ts): the encoders are released before it is created,
 * it is released before the VAE decoder is, and each later edit does the same.
 * The tiny fixture (with external weights, as full-size repos have) is made
 * "heavy" by the runtime below; everything else runs on real sessions.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Editor } from '../../core/editor';
import type { RgbaImage } from '../../core/image';
import { loadModelRepo } from '../../core/models';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { createRuntime, HEAVY_UNET_BATCH, UnetSession, type StippleRuntime } from '../../core/runtime';
import { FAMILIES, TINY } from './helpers';

/** A runtime that logs every session it creates and releases, and reports the UNet as heavy when `heavy`. */
function loggingRuntime(log: string[], heavy: boolean): StippleRuntime {
  const runtime = createRuntime();
  const wrap =
    <T extends { release(): Promise<void> }>(name: string, create: (...a: never[]) => Promise<T>) =>
    async (...a: never[]): Promise<T> => {
      const s = await create(...a);
      log.push(`+${name}`);
      const release = s.release.bind(s);
      s.release = async () => {
        log.push(`-${name}`);
        await release();
      };
      return s;
    };
  const createUnet: StippleRuntime['createUnet'] = (repo, pins, fit) =>
    runtime.createUnet(repo, pins, { beforeCreate: (plan) => fit?.beforeCreate?.({ ...plan, heavy }) ?? Promise.resolve() });
  return {
    ...runtime,
    createTextEncoder: wrap('text', runtime.createTextEncoder),
    createUnet: wrap('unet', createUnet as never),
    createVaeEncoder: wrap('vaeEnc', runtime.createVaeEncoder),
    createVaeDecoder: wrap('vaeDec', runtime.createVaeDecoder),
  } as StippleRuntime;
}

const grey: RgbaImage = { width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4).fill(128) };
const editors: Editor[] = [];
afterAll(async () => {
  await Promise.all(editors.map((e) => e.dispose()));
});

describe('a heavy UNet has the heap to itself', () => {
  it('releases every other session before each one is created, edit after edit', async () => {
    const log: string[] = [];
    const editor = new Editor(await loadModelRepo(new NodeFolderSource(FAMILIES['external-data/sd'])), loggingRuntime(log, true));
    editors.push(editor);
    const req = { image: grey, prompt: 'a fox', steps: 2, seed: 1 };
    const first = await editor.edit('sdedit', req);
    expect(log).toEqual(['+text', '+vaeEnc', '-text', '-vaeEnc', '+unet', '-unet', '+vaeDec']);
    log.length = 0;
    const second = await editor.edit('sdedit', req);
    // The prompt embeddings are cached, so the text encoder is not needed again.
    expect(log).toEqual(['-vaeDec', '+vaeEnc', '-vaeEnc', '+unet', '-unet', '+vaeDec']);
    expect(second.raw).toEqual(first.raw);
  });

  it('keeps every session between edits when the UNet is not heavy', async () => {
    const log: string[] = [];
    const editor = new Editor(await loadModelRepo(new NodeFolderSource(`${TINY}sd`)), loggingRuntime(log, false));
    editors.push(editor);
    const req = { image: grey, prompt: 'a fox', steps: 2, seed: 1 };
    await editor.edit('sdedit', req);
    await editor.edit('sdedit', req);
    // A single-file UNet is created first: framing reads its static latent size from the session.
    expect(log).toEqual(['+unet', '+text', '+vaeEnc', '+vaeDec']);
  });
});

describe('a heavy UNet runs one image per call', () => {
  it('splits a guidance batch into batch-1 calls with the same result', async () => {
    const repo = await loadModelRepo(new NodeFolderSource(`${TINY}sd`));
    const session = await createRuntime().createSession(repo.components.unet);
    try {
      const whole = new UnetSession(session);
      const split = new UnetSession(session, undefined, HEAVY_UNET_BATCH);
      expect([whole.fixedBatch, split.fixedBatch]).toEqual([undefined, 1]);
      const sample = Float32Array.from({ length: 2 * 4 * 8 * 8 }, (_, i) => Math.sin(i));
      const ehs = Float32Array.from({ length: 2 * 77 * 32 }, (_, i) => Math.cos(i));
      const args = [sample, [2, 4, 8, 8], 500, ehs, [2, 77, 32]] as const;
      const a = await whole.predict(...args);
      const b = await split.predict(...args);
      expect(b.length).toBe(a.length);
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThanOrEqual(1e-5);
    } finally {
      await session.release();
    }
  });
});
