/**
 * Tiled VAE encode and decode, as diffusers' `AutoencoderKL.enable_vae_tiling`
 * (`tiled_encode` / `tiled_decode`): the input is cut into overlapping square
 * tiles, each runs through the VAE alone, and each tile's top and left seams
 * are blended linearly into its upper and left neighbours' (in place, in
 * diffusers' order), then every tile is cropped to the stride and the crops
 * are joined. Peak VAE memory then follows the tile size, not the image's:
 * the way to decode large images, or a full-size VAE next to a UNet in one
 * 4 GiB wasm heap.
 *
 * Not bit-identical to the whole-image VAE: each tile's GroupNorm sees only
 * its tile, and the receptive field stops at its border (the blend hides the
 * seams; see test/pipelines/vae-tiling.test.ts for the measured difference).
 * The VAE sessions must accept the tile sizes (edge tiles are smaller): do
 * not pin them to the whole image's size.
 *
 * Browser-safe.
 */
import { InvalidInputError } from '../image';

/** A float NCHW tensor (batch 1 here). */
export interface Nchw {
  data: Float32Array;
  dims: readonly number[];
}

/** Tile geometry, in the input's pixels (latent pixels for decode, image pixels for encode). */
export interface VaeTiling {
  /** Tile side in image pixels (diffusers: `tile_sample_min_size`, the VAE config's `sample_size`, 512 for SD 1.x). */
  tileSize: number;
  /** Share of a tile that overlaps its neighbour (diffusers: `tile_overlap_factor`, 0.25). */
  overlap?: number;
}

/** Decodes latents `[1, c, h, w]` tile by tile; `decode` runs one tile. `f` is the VAE factor. */
export function tiledDecode(decode: (tile: Nchw) => Promise<Nchw>, latents: Nchw, f: number, tiling: VaeTiling): Promise<Nchw> {
  const overlap = tiling.overlap ?? 0.25;
  const latentTile = tiling.tileSize / f;
  return runTiles(decode, latents, {
    tileIn: latentTile,
    strideIn: Math.floor(latentTile * (1 - overlap)),
    blend: Math.floor(tiling.tileSize * overlap),
    rowLimit: tiling.tileSize - Math.floor(tiling.tileSize * overlap),
    scale: f,
  });
}

/** Encodes pixels `[1, 3, H, W]` tile by tile (`encode` returns the latent parameters or sample of one tile). */
export function tiledEncode(encode: (tile: Nchw) => Promise<Nchw>, pixels: Nchw, f: number, tiling: VaeTiling): Promise<Nchw> {
  const overlap = tiling.overlap ?? 0.25;
  const latentTile = tiling.tileSize / f;
  return runTiles(encode, pixels, {
    tileIn: tiling.tileSize,
    strideIn: Math.floor(tiling.tileSize * (1 - overlap)),
    blend: Math.floor(latentTile * overlap),
    rowLimit: latentTile - Math.floor(latentTile * overlap),
    scale: 1 / f,
  });
}

/** Whether an input of this size needs tiles at all (diffusers tiles only what exceeds one tile). */
export function needsTiles(width: number, height: number, tiling: VaeTiling): boolean {
  return width > tiling.tileSize || height > tiling.tileSize;
}

interface Geometry {
  tileIn: number;
  strideIn: number;
  /** Rows / columns blended across a seam, in output pixels. */
  blend: number;
  /** Output rows / columns each tile keeps. */
  rowLimit: number;
  /** Output pixels per input pixel. */
  scale: number;
}

async function runTiles(run: (tile: Nchw) => Promise<Nchw>, input: Nchw, g: Geometry): Promise<Nchw> {
  const [batch, channels, height, width] = input.dims as [number, number, number, number];
  if (batch !== 1) throw new InvalidInputError(`Tiled VAE runs one image at a time, got a batch of ${batch}.`);
  if (!(g.strideIn > 0) || Math.abs(g.strideIn * g.scale - g.rowLimit) > 1e-9 || !Number.isInteger(g.tileIn)) {
    throw new InvalidInputError(`VAE tile size ${g.tileIn} with this overlap does not divide into whole pixels; use a multiple of 32 px.`);
  }
  const rows: Nchw[][] = [];
  for (let y = 0; y < height; y += g.strideIn) {
    const row: Nchw[] = [];
    for (let x = 0; x < width; x += g.strideIn) {
      row.push(await run(crop(input, channels, height, width, y, x, Math.min(g.tileIn, height - y), Math.min(g.tileIn, width - x))));
    }
    rows.push(row);
  }
  // Blend in diffusers' order and in place: a tile's own blended edges are what its lower and right neighbours blend with.
  rows.forEach((row, i) =>
    row.forEach((tile, j) => {
      if (i > 0) blendVertical(rows[i - 1]![j]!, tile, g.blend);
      if (j > 0) blendHorizontal(row[j - 1]!, tile, g.blend);
    }),
  );
  const outChannels = rows[0]![0]!.dims[1]!;
  const outHeight = rows.reduce((n, row) => n + Math.min(g.rowLimit, row[0]!.dims[2]!), 0);
  const outWidth = rows[0]!.reduce((n, tile) => n + Math.min(g.rowLimit, tile.dims[3]!), 0);
  const out = new Float32Array(outChannels * outHeight * outWidth);
  let oy = 0;
  for (const row of rows) {
    let ox = 0;
    const keepH = Math.min(g.rowLimit, row[0]!.dims[2]!);
    for (const tile of row) {
      const [, , th, tw] = tile.dims as [number, number, number, number];
      const keepW = Math.min(g.rowLimit, tw);
      for (let c = 0; c < outChannels; c++) {
        for (let r = 0; r < keepH; r++) {
          const from = (c * th + r) * tw;
          out.set(tile.data.subarray(from, from + keepW), (c * outHeight + oy + r) * outWidth + ox);
        }
      }
      ox += keepW;
    }
    oy += keepH;
  }
  return { data: out, dims: [1, outChannels, outHeight, outWidth] };
}

function crop(input: Nchw, channels: number, height: number, width: number, y: number, x: number, h: number, w: number): Nchw {
  const data = new Float32Array(channels * h * w);
  for (let c = 0; c < channels; c++) {
    for (let r = 0; r < h; r++) {
      const from = (c * height + y + r) * width + x;
      data.set(input.data.subarray(from, from + w), (c * h + r) * w);
    }
  }
  return { data, dims: [1, channels, h, w] };
}

/** diffusers' `blend_v`: the first `extent` rows of `b` fade in from the last rows of `a` (above it). */
export function blendVertical(a: Nchw, b: Nchw, extent: number): void {
  const [, channels, ah, aw] = a.dims as [number, number, number, number];
  const [, , bh, bw] = b.dims as [number, number, number, number];
  const e = Math.min(ah, bh, extent);
  const w = Math.min(aw, bw);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < e; y++) {
      const t = y / e;
      const ar = (c * ah + ah - e + y) * aw;
      const br = (c * bh + y) * bw;
      for (let x = 0; x < w; x++) b.data[br + x] = a.data[ar + x]! * (1 - t) + b.data[br + x]! * t;
    }
  }
}

/** diffusers' `blend_h`: the first `extent` columns of `b` fade in from the last columns of `a` (left of it). */
export function blendHorizontal(a: Nchw, b: Nchw, extent: number): void {
  const [, channels, ah, aw] = a.dims as [number, number, number, number];
  const [, , bh, bw] = b.dims as [number, number, number, number];
  const e = Math.min(aw, bw, extent);
  const h = Math.min(ah, bh);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < h; y++) {
      const ar = (c * ah + y) * aw;
      const br = (c * bh + y) * bw;
      for (let x = 0; x < e; x++) {
        const t = x / e;
        b.data[br + x] = a.data[ar + aw - e + x]! * (1 - t) + b.data[br + x]! * t;
      }
    }
  }
}
