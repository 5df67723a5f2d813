/**
 * Soft mask edges: Gaussian blur of the coverage. A feathered mask hides the
 * seam where generated pixels meet the original ones, the first complaint
 * about every inpainting tool.
 *
 * Borders are mirrored without repeating the edge pixel (OpenCV's default
 * BORDER_REFLECT_101, which A1111's `cv2.GaussianBlur` uses), so a mask that
 * runs off the image edge keeps full coverage there.
 */
import { assertMask, type Mask } from './types';

/**
 * Kernels up to this radius are applied exactly; wider ones as three box
 * blurs, which cost the same at any radius and differ from the true Gaussian
 * by about 1-2 % of the step height.
 */
const MAX_EXACT_RADIUS = 12;

/**
 * Feathers the mask's edge over about `px` pixels on each side: a Gaussian
 * blur with sigma = px / 2 (95 % of the transition lies within +-px of the
 * original edge). 0 returns a copy.
 *
 * A1111's "mask blur" of N is {@link blurMask} with sigma N, i.e.
 * `featherMask(mask, 2 * N)`.
 */
export function featherMask(mask: Mask, px: number): Mask {
  if (!(Number.isFinite(px) && px >= 0)) throw new RangeError(`featherMask: px must be 0 or more (got ${px}).`);
  return blurMask(mask, px / 2);
}

/**
 * Gaussian blur of the coverage with standard deviation `sigma` px, like
 * A1111's mask blur: kernel radius `round(2.5 sigma)` (its
 * `2 * int(2.5 * blur + 0.5) + 1` kernel size), applied separably. Radii
 * above 12 px use three successive box blurs of matched variance
 * (Kovesi 2010, "Fast almost-Gaussian filtering"): linear time at any sigma.
 * Sigma is clamped to the mask's larger side, so cost never grows past that.
 */
export function blurMask(mask: Mask, sigma: number): Mask {
  assertMask(mask);
  if (!(Number.isFinite(sigma) && sigma >= 0)) throw new RangeError(`blurMask: sigma must be 0 or more (got ${sigma}).`);
  const { width, height } = mask;
  // A blur wider than the image is already nearly flat across it; without the
  // clamp the border padding grows with sigma and a typo like 1e9 never ends.
  sigma = Math.min(sigma, Math.max(width, height));
  const radius = Math.floor(2.5 * sigma + 0.5);
  if (radius < 1) return { width, height, data: new Float32Array(mask.data) };
  let buf: Float32Array = new Float32Array(mask.data);
  if (radius <= MAX_EXACT_RADIUS) {
    const kernel = gaussianKernel(sigma, radius);
    buf = convolveRows(buf, width, height, kernel);
    buf = convolveColumns(buf, width, height, kernel);
  } else {
    for (const r of boxRadiiForGaussian(sigma, 3)) {
      buf = boxRows(buf, width, height, r);
      buf = boxColumns(buf, width, height, r);
    }
  }
  for (let i = 0; i < buf.length; i++) {
    const v = buf[i]!;
    buf[i] = v > 0 ? (v < 1 ? v : 1) : 0;
  }
  return { width, height, data: buf };
}

/** Normalised samples of exp(-x^2 / 2 sigma^2) at -radius..radius (as OpenCV's getGaussianKernel). */
function gaussianKernel(sigma: number, radius: number): Float64Array {
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / sum;
  return k;
}

/**
 * Radii of `n` box filters whose successive application has the variance of
 * a Gaussian of `sigma` (widths `wl` or `wl + 2`, both odd).
 */
function boxRadiiForGaussian(sigma: number, n: number): number[] {
  const wIdeal = Math.sqrt((12 * sigma * sigma) / n + 1);
  let wl = Math.floor(wIdeal);
  if (wl % 2 === 0) wl--;
  const wu = wl + 2;
  const mIdeal = (12 * sigma * sigma - n * wl * wl - 4 * n * wl - 3 * n) / (-4 * wl - 4);
  const m = Math.round(mIdeal);
  const radii: number[] = [];
  for (let i = 0; i < n; i++) radii.push(((i < m ? wl : wu) - 1) / 2);
  return radii;
}

/** Index `i` mirrored into [0, n) without repeating the edge sample (BORDER_REFLECT_101). */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

/** `line` with `pad` mirrored samples on each side, into `out` (length n + 2 pad). */
function padLine(src: Float32Array, start: number, n: number, pad: number, out: Float64Array): void {
  for (let i = -pad; i < n + pad; i++) out[i + pad] = src[start + (i >= 0 && i < n ? i : reflect101(i, n))]!;
}

/** Every row convolved with `kernel` (odd length). */
function convolveRows(src: Float32Array, width: number, height: number, kernel: Float64Array): Float32Array {
  const r = (kernel.length - 1) >> 1;
  const out = new Float32Array(src.length);
  const line = new Float64Array(width + 2 * r);
  for (let y = 0; y < height; y++) {
    padLine(src, y * width, width, r, line);
    const o = y * width;
    for (let x = 0; x < width; x++) {
      // Symmetric kernel: pair the taps, half the multiplies.
      const c = x + r;
      let acc = kernel[r]! * line[c]!;
      for (let k = 1; k <= r; k++) acc += kernel[r + k]! * (line[c - k]! + line[c + k]!);
      out[o + x] = acc;
    }
  }
  return out;
}

/** Every column convolved with `kernel`, walking whole rows so memory is read in order. */
function convolveColumns(src: Float32Array, width: number, height: number, kernel: Float64Array): Float32Array {
  const r = (kernel.length - 1) >> 1;
  const out = new Float32Array(src.length);
  const acc = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    const w0 = kernel[r]!;
    const s0 = y * width;
    for (let x = 0; x < width; x++) acc[x] = w0 * src[s0 + x]!;
    for (let k = 1; k <= r; k++) {
      const w = kernel[r + k]!;
      const a = reflect101(y - k, height) * width;
      const b = reflect101(y + k, height) * width;
      for (let x = 0; x < width; x++) acc[x] = acc[x]! + w * (src[a + x]! + src[b + x]!);
    }
    out.set(acc, y * width);
  }
  return out;
}

/** Every row replaced by its running mean over [x - r, x + r] (O(width) at any r). */
function boxRows(src: Float32Array, width: number, height: number, r: number): Float32Array {
  const out = new Float32Array(src.length);
  const line = new Float64Array(width + 2 * r + 2);
  const norm = 1 / (2 * r + 1);
  for (let y = 0; y < height; y++) {
    padLine(src, y * width, width, r + 1, line); // line[x + r + 1] = sample x
    let sum = 0;
    for (let k = 0; k <= 2 * r; k++) sum += line[k + 1]!; // window of x = 0
    const o = y * width;
    for (let x = 0; x < width; x++) {
      out[o + x] = sum * norm;
      sum += line[x + 2 * r + 2]! - line[x + 1]!;
    }
  }
  return out;
}

/** Every column replaced by its running mean over [y - r, y + r], as running sums of whole rows. */
function boxColumns(src: Float32Array, width: number, height: number, r: number): Float32Array {
  const out = new Float32Array(src.length);
  const sum = new Float64Array(width);
  const norm = 1 / (2 * r + 1);
  for (let k = -r; k <= r; k++) {
    const s = reflect101(k, height) * width;
    for (let x = 0; x < width; x++) sum[x] = sum[x]! + src[s + x]!;
  }
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) out[o + x] = sum[x]! * norm;
    const add = reflect101(y + r + 1, height) * width;
    const sub = reflect101(y - r, height) * width;
    for (let x = 0; x < width; x++) sum[x] = sum[x]! + src[add + x]! - src[sub + x]!;
  }
  return out;
}
