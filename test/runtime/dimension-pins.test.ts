/**
 * freeDimensionOverrides: symbolic dims pinned to the working size, sessions
 * made per size (a size change re-creates them), static graphs kept.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Editor } from '../../core/editor';
import type { RgbaImage } from '../../core/image';
import { loadModelRepo } from '../../core/models';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { createRuntime, freeDimensionOverrides, type ModelSession } from '../../core/runtime';
import { countingRuntime, FIXTURES, TINY } from './helpers';

describe('freeDimensionOverrides', () => {
  const v = (name: string, shape: (number | string | null)[] | undefined) => ({ name, type: 'float32', shape });
  it('maps each symbolic dim of images, embeddings and ids to its pinned size', () => {
    const inputs = [v('sample', ['batch', 4, 'h', 'w']), v('timestep', []), v('encoder_hidden_states', ['batch', 'seq', 768])];
    expect(freeDimensionOverrides(inputs, { batch: 2, height: 8, width: 12, sequence: 77 })).toEqual({ batch: 2, h: 8, w: 12, seq: 77 });
    expect(freeDimensionOverrides([v('input_ids', ['b', 's'])], { batch: 2 })).toEqual({ b: 2 });
  });

  it('leaves fixed, unnamed and conflicting dims alone', () => {
    const inputs = [v('sample', [1, 4, 'n', 'n']), v('x', undefined), v('y', [null, 3])];
    expect(freeDimensionOverrides(inputs, { batch: 2, height: 8, width: 12, sequence: 77 })).toEqual({});
  });
});

function grey(width: number, height: number): RgbaImage {
  return { width, height, data: new Uint8ClampedArray(width * height * 4).fill(128) };
}

const editors: Editor[] = [];
afterAll(async () => {
  await Promise.all(editors.map((e) => e.dispose()));
});

describe('an editor pins its sessions to the working size', () => {
  it('creates each session once per size, pinned to it, and re-creates them when the size changes', async () => {
    const made: { name: string; session: ModelSession }[] = [];
    const editor = new Editor(await loadModelRepo(new NodeFolderSource(`${TINY}sd`)), countingRuntime(made));
    editors.push(editor);
    const req = { prompt: 'a fox', steps: 2, seed: 1 };
    await editor.edit('sdedit', { ...req, image: grey(96, 64), count: 2 });
    const unet = made.find((m) => m.name === 'unet')!.session;
    expect(Object.values(unet.pinnedDims).sort((a, b) => a - b)).toEqual([4, 8, 12, 77]);
    expect(Object.values(made.find((m) => m.name === 'vae_encoder')!.session.pinnedDims).sort((a, b) => a - b)).toEqual([1, 64, 96]);
    expect(made.map((m) => m.name).sort()).toEqual(['text_encoder', 'unet', 'vae_decoder', 'vae_encoder']);

    await editor.edit('sdedit', { ...req, image: grey(96, 64), count: 2 });
    expect(made).toHaveLength(4); // same size: every session reused

    await editor.edit('sdedit', { ...req, image: grey(64, 64) });
    // New size (and batch): UNet, VAE encoder and decoder made again; the text encoder's batch and length did not change.
    expect(made.map((m) => m.name).slice(4).sort()).toEqual(['unet', 'vae_decoder', 'vae_encoder']);
    expect(Object.values(made[made.length - 1]!.session.pinnedDims).length).toBeGreaterThan(0);
  });

  it('keeps a static-shape export for every size (nothing to pin)', async () => {
    const made: { name: string; session: ModelSession }[] = [];
    const editor = new Editor(await loadModelRepo(new NodeFolderSource(`${FIXTURES}variants/static-b1/sd`)), countingRuntime(made));
    editors.push(editor);
    await editor.edit('sdedit', { prompt: 'a fox', steps: 2, seed: 1, image: grey(96, 64) });
    await editor.edit('sdedit', { prompt: 'a fox', steps: 2, seed: 1, image: grey(64, 48) });
    expect(made).toHaveLength(4);
    expect(made.every((m) => Object.keys(m.session.pinnedDims).length === 0)).toBe(true);
  });

  it('pinDimensions: false creates sessions for any size', async () => {
    const made: { name: string; session: ModelSession }[] = [];
    const runtime = countingRuntime(made);
    const unpinned = createRuntime({ pinDimensions: false });
    const editor = new Editor(await loadModelRepo(new NodeFolderSource(`${TINY}sd`)), {
      ...runtime,
      createUnet: async (repo, pins) => {
        const s = await unpinned.createUnet(repo, pins);
        made.push({ name: 'unet-unpinned', session: s.session });
        return s;
      },
    });
    editors.push(editor);
    await editor.edit('sdedit', { prompt: 'a fox', steps: 2, seed: 1, image: grey(96, 64) });
    await editor.edit('sdedit', { prompt: 'a fox', steps: 2, seed: 1, image: grey(64, 64) });
    expect(made.filter((m) => m.name === 'unet-unpinned')).toHaveLength(1);
    expect(made.find((m) => m.name === 'unet-unpinned')!.session.pinnedDims).toEqual({});
  });
});
