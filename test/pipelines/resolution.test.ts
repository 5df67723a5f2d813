/**
 * The resolution policy: 'input' runs at the image's own size like
 * diffusers (no resampling when already a multiple of 8, every latent the
 * image's shape / 8), 'native' and explicit sizes on request, and clear
 * errors instead of silent downscales. Real ONNX Runtime sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Editor } from '../../core/editor';
import { InvalidInputError, rgbaToNchw, type Mask, type RgbaImage } from '../../core/image';
import { loadModelRepo } from '../../core/models';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { chooseWorkingSize, type ModelSizes } from '../../core/pipelines/resolution';
import { createRuntime, type StippleRuntime } from '../../core/runtime';
import { SeededNoise } from '../../core/tensor';
import { caseNoise, FIXTURES, loadCase } from './golden';

const TINY: ModelSizes = { vaeScaleFactor: 8, nativeMultiple: 16, nativePixels: 64 * 64 };

describe('chooseWorkingSize', () => {
  it("'input' keeps multiples of the UNet's size and rounds the rest down", () => {
    expect(chooseWorkingSize(96, 64, 'input', 1e9, TINY)).toEqual({ width: 96, height: 64 });
    const sd: ModelSizes = { vaeScaleFactor: 8, nativeMultiple: 8, nativePixels: 512 * 512 };
    const r = chooseWorkingSize(771, 515, 'input', 4 * 512 * 512, sd);
    expect([r.width, r.height]).toEqual([768, 512]);
    expect(r.note).toMatch(/768x512.*771x515/);
    expect(chooseWorkingSize(100, 75, 'input', 1e9, TINY)).toMatchObject({ width: 96, height: 64 });
  });

  it("'native' scales to the native area keeping the aspect ratio; explicit sizes are used as given", () => {
    const n = chooseWorkingSize(1000, 500, 'native', 1, TINY);
    expect(n.width * n.height).toBeLessThanOrEqual(64 * 64);
    expect(n.width / n.height).toBeGreaterThan(1.4);
    expect(n.note).toMatch(/native/);
    expect(chooseWorkingSize(100, 75, { width: 64, height: 48 }, 1e9, TINY)).toMatchObject({ width: 64, height: 48 });
  });

  it('a size above maxPixels, a size off the grid and an unknown policy are InvalidInputErrors', () => {
    expect(() => chooseWorkingSize(4000, 3000, 'input', 16384, TINY)).toThrow(/4000x3000.*maxPixels 16384.*'native'/s);
    expect(() => chooseWorkingSize(64, 64, { width: 60, height: 64 }, 1e9, TINY)).toThrow(InvalidInputError);
    expect(() => chooseWorkingSize(64, 64, { width: 72, height: 64 }, 1e9, TINY)).toThrow(/multiples of 16/);
    expect(() => chooseWorkingSize(64, 64, 'big' as 'input', 1e9, TINY)).toThrow(/'input', 'native'/);
    expect(() => chooseWorkingSize(5, 64, 'input', 1e9, TINY)).toThrow(/at least 8x8/);
  });

  it('a graph with fixed dims fixes the working size and says so', () => {
    const fixed = { ...TINY, fixed: { width: 64, height: 64 } };
    expect(chooseWorkingSize(64, 64, 'input', 1, fixed)).toEqual({ width: 64, height: 64 });
    const r = chooseWorkingSize(96, 64, { width: 96, height: 64 }, 1, fixed);
    expect([r.width, r.height]).toEqual([64, 64]);
    expect(r.note).toMatch(/one size only.*64x64.*96x64/);
    expect(chooseWorkingSize(64, 64, { width: 96, height: 64 }, 1, fixed).note).toMatch(/64x64, not the requested 96x64/);
  });
});

/** What the models saw during one edit. */
interface Seen {
  vaeInputs: { pixels: Float32Array; dims: number[] }[];
  unetDims: number[][];
  decoderDims: number[][];
  draws: { label: string; shape: number[] }[];
}

/** A runtime whose sessions record their inputs. */
function spyingRuntime(seen: Seen): StippleRuntime {
  const runtime = createRuntime();
  return {
    ...runtime,
    createVaeEncoder: async (repo) => {
      const s = await runtime.createVaeEncoder(repo);
      const encode = s.encode.bind(s);
      s.encode = (pixels, dims) => {
        seen.vaeInputs.push({ pixels: pixels.slice(), dims: [...dims] });
        return encode(pixels, dims);
      };
      return s;
    },
    createUnet: async (repo) => {
      const s = await runtime.createUnet(repo);
      const predict = s.predict.bind(s);
      s.predict = (sample, dims, t, ehs, ehsDims) => {
        seen.unetDims.push([...dims]);
        return predict(sample, dims, t, ehs, ehsDims);
      };
      return s;
    },
    createVaeDecoder: async (repo) => {
      const s = await runtime.createVaeDecoder(repo);
      const decode = s.decode.bind(s);
      s.decode = (latents, dims) => {
        seen.decoderDims.push([...dims]);
        return decode(latents, dims);
      };
      return s;
    },
  };
}

function recordingNoise(seen: Seen, seed: number): SeededNoise {
  const noise = new SeededNoise(seed);
  const randn = noise.randn.bind(noise);
  noise.randn = (shape, label) => {
    seen.draws.push({ label: label ?? '', shape: [...shape] });
    return randn(shape, label);
  };
  return noise;
}

function image(width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([(i * 7) & 255, (i * 13) & 255, (i * 3) & 255, 255], i * 4);
  return { width, height, data };
}

function leftHalfMask(width: number, height: number): Mask {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width / 2; x++) data[y * width + x] = 1;
  return { width, height, data };
}

const editors: Editor[] = [];
afterAll(async () => {
  await Promise.all(editors.map((e) => e.dispose()));
});

async function spiedEditor(dir: string): Promise<{ editor: Editor; seen: Seen }> {
  const seen: Seen = { vaeInputs: [], unetDims: [], decoderDims: [], draws: [] };
  const editor = new Editor(await loadModelRepo(new NodeFolderSource(dir)), spyingRuntime(seen));
  editors.push(editor);
  return { editor, seen };
}

describe("'input' at a non-square, non-native size (64 high x 96 wide)", () => {
  let sd: { editor: Editor; seen: Seen };
  let inpaint: { editor: Editor; seen: Seen };
  let ip2p: { editor: Editor; seen: Seen };
  beforeAll(async () => {
    [sd, inpaint, ip2p] = await Promise.all(['sd', 'sd-inpaint', 'ip2p'].map((d) => spiedEditor(`${FIXTURES}/${d}`)));
  });

  it('sdedit: the VAE gets the untouched pixels and every latent is 8x12', async () => {
    const img = image(96, 64);
    const seen = sd.seen;
    const result = await sd.editor.edit('sdedit', { image: img, prompt: 'a fox', steps: 4, noise: recordingNoise(seen, 3), count: 2 });
    expect(seen.vaeInputs).toHaveLength(1);
    expect(seen.vaeInputs[0]!.dims).toEqual([1, 3, 64, 96]);
    expect(Array.from(seen.vaeInputs[0]!.pixels)).toEqual(Array.from(rgbaToNchw(img)));
    expect(seen.draws.map((d) => d.shape)).toEqual([
      [1, 4, 8, 12],
      [2, 4, 8, 12],
    ]);
    expect(seen.unetDims.every((d) => d.join() === '4,4,8,12')).toBe(true);
    expect(seen.decoderDims).toEqual([
      [1, 4, 8, 12],
      [1, 4, 8, 12],
    ]);
    expect([result.meta.workingWidth, result.meta.workingHeight]).toEqual([96, 64]);
    expect(result.raw.length).toBe(2 * 64 * 96 * 3);
    expect(result.images.map((i) => [i.width, i.height])).toEqual([
      [96, 64],
      [96, 64],
    ]);
    expect(result.warnings.filter((w) => w.code === 'RESIZED_FOR_MODEL')).toEqual([]);
  });

  it('inpaint: image, masked image and 9-channel UNet input all at 8x12 latents', async () => {
    const seen = inpaint.seen;
    const img = image(96, 64);
    await inpaint.editor.edit('inpaint', { image: img, mask: leftHalfMask(96, 64), prompt: 'a fox', steps: 3, strength: 0.8, noise: recordingNoise(seen, 4) });
    expect(seen.vaeInputs.map((v) => v.dims)).toEqual([
      [1, 3, 64, 96],
      [1, 3, 64, 96],
    ]);
    expect(Array.from(seen.vaeInputs[0]!.pixels)).toEqual(Array.from(rgbaToNchw(img)));
    expect(seen.draws.map((d) => `${d.label} ${d.shape.join('x')}`)).toEqual([
      'vae_posterior_sample[init_image] 1x4x8x12',
      'initial_noise 1x4x8x12',
      'vae_posterior_sample[masked_image] 1x4x8x12',
    ]);
    expect(seen.unetDims.every((d) => d.join() === '2,9,8,12')).toBe(true);
  });

  it('pix2pix: 3-way batch of 8-channel 8x12 latents', async () => {
    const seen = ip2p.seen;
    await ip2p.editor.edit('pix2pix', { image: image(96, 64), prompt: 'make it red', steps: 2, noise: recordingNoise(seen, 5) });
    expect(seen.vaeInputs[0]!.dims).toEqual([1, 3, 64, 96]);
    expect(seen.draws.map((d) => d.shape)).toEqual([[1, 4, 8, 12]]);
    expect(seen.unetDims.every((d) => d.join() === '3,8,8,12')).toBe(true);
  });

  it('recorded noise for another size is refused before any model runs, naming both sizes', async () => {
    const fresh = await spiedEditor(`${FIXTURES}/sd`);
    const c = loadCase('sdedit_img2img', 'sdedit');
    const err = await fresh.editor.edit('sdedit', { image: image(96, 64), prompt: 'x', steps: 10, noise: await caseNoise(c) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/recorded noise is for 64x64 px.*runs at 96x64 px/s);
    expect(fresh.seen.vaeInputs).toHaveLength(0);
    expect(fresh.seen.unetDims).toHaveLength(0);
  });
});

describe('a static-shape export (64x64 pinned)', () => {
  it('runs any image at the graph size, scales back with a note, and loops count > 1 at batch 1', async () => {
    const { editor, seen } = await spiedEditor(`${FIXTURES}/../variants/static-b1/sd`);
    const result = await editor.edit('sdedit', { image: image(96, 64), prompt: 'a fox', steps: 2, count: 2, seed: 1 });
    expect([result.meta.workingWidth, result.meta.workingHeight]).toEqual([64, 64]);
    expect(result.warnings.find((w) => w.code === 'RESIZED_FOR_MODEL')?.message).toMatch(/one size only.*64x64.*96x64/);
    expect(result.images.map((i) => [i.width, i.height])).toEqual([
      [96, 64],
      [96, 64],
    ]);
    expect(seen.vaeInputs[0]!.dims).toEqual([1, 3, 64, 64]);
    // Per step the editor asks for the CFG batch of 2 x count 2; the adapter runs it as 4 batch-1 calls.
    const calls = seen.unetDims.map((d) => d.join());
    expect(calls.filter((d) => d === '4,4,8,8')).toHaveLength(2);
    expect(calls.filter((d) => d === '1,4,8,8')).toHaveLength(8);
  });
});
