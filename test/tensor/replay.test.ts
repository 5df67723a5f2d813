import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { StippleError } from '../../core/errors';
import { float32FromLittleEndian, loadFixtureNoise, NoiseReplayError, readFixtureNoise, ReplayNoise } from '../../core/tensor';
import { goldenPath } from '../image/helpers';

const rec = (label: string, shape: number[], start = 0): { label: string; shape: number[]; data: Float32Array } => ({
  label,
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => start + i),
});

describe('ReplayNoise', () => {
  it('serves the recording in order, as copies, and counts what is left', () => {
    const r = new ReplayNoise([rec('initial_noise', [1, 2]), rec('scheduler_step_noise[step=0]', [1, 2], 10)]);
    expect(r.remaining()).toBe(2);
    const a = r.randn([1, 2], 'initial_noise');
    expect(Array.from(a)).toEqual([0, 1]);
    a[0] = 99;
    expect(r.recording[0]!.data[0]).toBe(0); // the caller got a copy
    expect(r.remainingLabels()).toEqual(['scheduler_step_noise[step=0]']);
    expect(Array.from(r.randn([1, 2], 'scheduler_step_noise[step=0]'))).toEqual([10, 11]);
    expect(r.remaining()).toBe(0);
  });

  it('a label mismatch names both draws and does not advance', () => {
    const r = new ReplayNoise([rec('vae_posterior_sample[init_image]', [1, 4, 8, 8]), rec('initial_noise', [1, 4, 8, 8])]);
    let err: unknown;
    try {
      r.randn([1, 4, 8, 8], 'initial_noise');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NoiseReplayError);
    expect(err).toBeInstanceOf(StippleError);
    expect((err as NoiseReplayError).code).toBe('INVALID_INPUT');
    expect((err as Error).message).toMatch(/#0.*'initial_noise'.*'vae_posterior_sample\[init_image\]'.*draw order/);
    expect(r.remaining()).toBe(2);
  });

  it('a shape mismatch says both shapes', () => {
    const r = new ReplayNoise([rec('initial_noise', [1, 4, 8, 8])]);
    expect(() => r.randn([2, 4, 8, 8], 'initial_noise')).toThrow(/asked for shape \[2, 4, 8, 8\] but the recording has \[1, 4, 8, 8\]/);
    expect(() => r.randn([1, 4, 8], 'initial_noise')).toThrow(NoiseReplayError);
  });

  it('running out is an error that says the pipeline draws too often', () => {
    const r = new ReplayNoise([rec('initial_noise', [2])]);
    r.randn([2], 'initial_noise');
    expect(() => r.randn([2], 'scheduler_step_noise[step=0]')).toThrow(/used up.*draws more often/);
  });

  it('refuses a recording whose data does not fit its shape', () => {
    expect(() => new ReplayNoise([{ label: 'x', shape: [2, 2], data: new Float32Array(3) }])).toThrow(NoiseReplayError);
  });
});

describe('fixture noise', () => {
  const read = (dir: string) => (name: string) => readFile(goldenPath(dir, name)).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

  it('loads every case in order with labels and shapes from case.json', async () => {
    for (const dir of ['inpaint_9ch', 'inpaint_4ch_legacy', 'sdedit_img2img', 'ip2p']) {
      const caseJson = JSON.parse(await readFile(goldenPath(dir, 'case.json'), 'utf8'));
      const recs = await readFixtureNoise(caseJson, read(dir));
      const sorted = [...caseJson.noise].sort((a: { order: number }, b: { order: number }) => a.order - b.order);
      expect(recs.map((r) => r.label)).toEqual(sorted.map((n: { label: string }) => n.label));
      const noise = await loadFixtureNoise(caseJson, read(dir));
      for (const n of sorted) {
        const v = noise.randn(n.shape, n.label);
        expect(v.length).toBe(n.shape.reduce((a: number, b: number) => a * b, 1));
        // standard normal draws: finite, not all zero
        expect(v.every(Number.isFinite) && v.some((x) => x !== 0)).toBe(true);
      }
      expect(noise.remaining()).toBe(0);
    }
  });

  it('reads the 9-channel case: initial_noise then the masked-image posterior sample', async () => {
    const caseJson = JSON.parse(await readFile(goldenPath('inpaint_9ch', 'case.json'), 'utf8'));
    const noise = await loadFixtureNoise(caseJson, read('inpaint_9ch'));
    const raw = await readFile(goldenPath('inpaint_9ch', 'noise_00.bin'));
    const first = noise.randn([1, 4, 8, 8], 'initial_noise');
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < 256; i++) expect(first[i]).toBe(dv.getFloat32(i * 4, true));
    expect(() => noise.randn([1, 4, 8, 8], 'initial_noise')).toThrow(/vae_posterior_sample\[masked_image\]/);
  });

  it('rejects malformed case.json and files of the wrong size', async () => {
    await expect(readFixtureNoise({}, async () => new Uint8Array(0))).rejects.toThrow(/"noise" array/);
    await expect(readFixtureNoise({ noise: [{ order: 0, label: 'x', file: 'f.bin' }] }, async () => new Uint8Array(0))).rejects.toThrow(
      NoiseReplayError,
    );
    const caseJson = { noise: [{ order: 0, label: 'initial_noise', file: 'a.bin', shape: [2, 2] }] };
    await expect(readFixtureNoise(caseJson, async () => new Uint8Array(12))).rejects.toThrow(/expected 16 bytes/);
    await expect(
      readFixtureNoise(caseJson, async () => {
        throw new Error('ENOENT');
      }),
    ).rejects.toThrow(/Could not read .*a\.bin/);
  });
});

describe('float32FromLittleEndian', () => {
  it('copies from an unaligned offset into an array that owns its buffer', () => {
    const src = new Float32Array([1.5, -2.25, 3e-8]);
    const bytes = new Uint8Array(src.byteLength + 1);
    bytes.set(new Uint8Array(src.buffer), 1); // byteOffset 1: a Float32Array view would throw
    const view = bytes.subarray(1);
    const out = float32FromLittleEndian(view);
    expect(Array.from(out)).toEqual(Array.from(src));
    expect(out.byteOffset).toBe(0);
    expect(out.buffer).not.toBe(bytes.buffer);
    expect(() => float32FromLittleEndian(new Uint8Array(5))).toThrow(NoiseReplayError);
  });
});
