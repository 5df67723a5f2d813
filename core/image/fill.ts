/**
 * Classical hole filling for "masked content: fill": the masked area starts
 * from colours propagated inward from its border instead of the original
 * content, so the model does not redraw what the user wants removed.
 *
 * Telea, "An Image Inpainting Technique Based on the Fast Marching Method"
 * (J. Graphics Tools 9(1), 2004), the INPAINT_TELEA of OpenCV: the hole is
 * filled in order of distance from its border (fast marching on the eikonal
 * equation |grad T| = 1), each pixel from the known pixels within `radius`,
 * weighted by direction (along the distance gradient), distance and level-set
 * closeness, extrapolated along the known pixels' colour gradient.
 */
import { assertMask, assertRgba, assertSameSize, type Mask, type RgbaImage } from './types';

const KNOWN = 0;
const BAND = 1;
const INSIDE = 2;
const FAR = 1e6;

/**
 * Fills every pixel with mask coverage `>= 0.5` from its surroundings
 * (all four channels). Pixels outside the hole are returned byte for byte.
 * A mask that covers the whole image leaves nothing to propagate: the image
 * is returned unchanged.
 *
 * @param radius neighbourhood (px) each hole pixel is estimated from; OpenCV
 *   users typically pass 3-5.
 */
export function fillHoleTelea(img: RgbaImage, mask: Mask, radius = 5): RgbaImage {
  assertRgba(img);
  assertMask(mask);
  assertSameSize(img, mask);
  if (!(Number.isFinite(radius) && radius >= 1)) throw new RangeError(`fillHoleTelea: radius must be at least 1 (got ${radius}).`);
  const { width: W, height: H } = img;
  const n = W * H;
  const flags = new Uint8Array(n);
  const T = new Float64Array(n);
  const color = new Float64Array(n * 4);
  for (let i = 0; i < n * 4; i++) color[i] = img.data[i]!;
  let holes = 0;
  for (let i = 0; i < n; i++) {
    if (mask.data[i]! >= 0.5) {
      flags[i] = INSIDE;
      T[i] = FAR;
      holes++;
    }
  }
  const out = new Uint8ClampedArray(img.data);
  if (holes === 0 || holes === n) return { width: W, height: H, data: out };

  // The narrow band starts as the known pixels that touch the hole.
  const heap = new MinHeap(Math.min(n, holes * 4 + 16));
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (flags[i] !== KNOWN) continue;
      const touches =
        (x > 0 && flags[i - 1] === INSIDE) ||
        (x + 1 < W && flags[i + 1] === INSIDE) ||
        (y > 0 && flags[i - W] === INSIDE) ||
        (y + 1 < H && flags[i + W] === INSIDE);
      if (touches) {
        flags[i] = BAND;
        heap.push(i, 0);
      }
    }
  }

  const flagAt = (x: number, y: number): number => (x < 0 || y < 0 || x >= W || y >= H ? INSIDE : flags[y * W + x]!);
  // OpenCV's FastMarching_solve: upwind solution of |grad T| = 1 from two neighbours.
  const solve = (x1: number, y1: number, x2: number, y2: number): number => {
    const f1 = flagAt(x1, y1) !== INSIDE;
    const f2 = flagAt(x2, y2) !== INSIDE;
    const a = f1 ? T[y1 * W + x1]! : FAR;
    const b = f2 ? T[y2 * W + x2]! : FAR;
    if (f1 && f2) {
      const d = a - b;
      return Math.abs(d) >= 1 ? 1 + Math.min(a, b) : (a + b + Math.sqrt(2 - d * d)) * 0.5;
    }
    if (f1) return 1 + a;
    if (f2) return 1 + b;
    return 1 + Math.min(a, b);
  };
  // One-sided or central difference of T along an axis, over non-hole neighbours only (OpenCV's gradT).
  const gradT = (x: number, y: number, dx: number, dy: number): number => {
    const i = y * W + x;
    const fwd = flagAt(x + dx, y + dy) !== INSIDE;
    const bwd = flagAt(x - dx, y - dy) !== INSIDE;
    const step = dy * W + dx;
    if (fwd && bwd) return (T[i + step]! - T[i - step]!) * 0.5;
    if (fwd) return T[i + step]! - T[i]!;
    if (bwd) return T[i]! - T[i - step]!;
    return 0;
  };

  const r = Math.floor(radius);
  const r2 = radius * radius;
  const acc = new Float64Array(4);
  const inpaint = (x: number, y: number): void => {
    const p = y * W + x;
    const gx = gradT(x, y, 1, 0);
    const gy = gradT(x, y, 0, 1);
    const gLen = Math.sqrt(gx * gx + gy * gy);
    acc.fill(0);
    let wsum = 0;
    for (let qy = Math.max(0, y - r); qy <= Math.min(H - 1, y + r); qy++) {
      for (let qx = Math.max(0, x - r); qx <= Math.min(W - 1, x + r); qx++) {
        const q = qy * W + qx;
        if (flags[q] === INSIDE) continue;
        const rx = x - qx;
        const ry = y - qy;
        const d2 = rx * rx + ry * ry;
        if (d2 === 0 || d2 > r2) continue;
        const dist = Math.sqrt(d2);
        // Paper's weights: direction (cosine to the normal), distance, level-set closeness.
        let dir = gLen > 0 ? Math.abs(rx * gx + ry * gy) / (dist * gLen) : 1;
        if (dir <= 0.01) dir = 1e-6;
        const w = (dir / d2) / (1 + Math.abs(T[q]! - T[p]!));
        // Colour gradient at q over non-hole neighbours (central, one-sided or none), per axis.
        const right = qx + 1 < W && flags[q + 1] !== INSIDE;
        const left = qx > 0 && flags[q - 1] !== INSIDE;
        const down = qy + 1 < H && flags[q + W] !== INSIDE;
        const up = qy > 0 && flags[q - W] !== INSIDE;
        const xa = right ? q + 1 : q;
        const xb = left ? q - 1 : q;
        const xs = right && left ? 0.5 : right || left ? 1 : 0;
        const ya = down ? q + W : q;
        const yb = up ? q - W : q;
        const ys = down && up ? 0.5 : down || up ? 1 : 0;
        for (let c = 0; c < 4; c++) {
          const dIx = (color[xa * 4 + c]! - color[xb * 4 + c]!) * xs;
          const dIy = (color[ya * 4 + c]! - color[yb * 4 + c]!) * ys;
          // First-order extrapolation from q to p along the colour gradient.
          acc[c] = acc[c]! + w * (color[q * 4 + c]! + dIx * rx + dIy * ry);
        }
        wsum += w;
      }
    }
    if (wsum > 0) {
      for (let c = 0; c < 4; c++) {
        const v = acc[c]! / wsum;
        color[p * 4 + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  };

  const NB = [
    [-1, 0],
    [1, 0],
    [0, -1],
    [0, 1],
  ] as const;
  while (heap.size > 0) {
    const p = heap.pop();
    flags[p] = KNOWN;
    const px = p % W;
    const py = (p - px) / W;
    for (const [dx, dy] of NB) {
      const x = px + dx;
      const y = py + dy;
      if (x < 0 || y < 0 || x >= W || y >= H) continue;
      const q = y * W + x;
      if (flags[q] !== INSIDE) continue;
      T[q] = Math.min(solve(x - 1, y, x, y - 1), solve(x + 1, y, x, y - 1), solve(x - 1, y, x, y + 1), solve(x + 1, y, x, y + 1));
      inpaint(x, y);
      flags[q] = BAND;
      heap.push(q, T[q]!);
    }
  }

  for (let i = 0; i < n; i++) {
    if (mask.data[i]! >= 0.5) {
      for (let c = 0; c < 4; c++) out[i * 4 + c] = Math.round(color[i * 4 + c]!);
    }
  }
  return { width: W, height: H, data: out };
}

/** Binary min-heap of pixel indices keyed by arrival time T; ties pop in insertion order, so runs are reproducible. */
class MinHeap {
  private idx: Int32Array;
  private key: Float64Array;
  private seq: Float64Array;
  private counter = 0;
  size = 0;

  constructor(capacity: number) {
    this.idx = new Int32Array(Math.max(16, capacity));
    this.key = new Float64Array(this.idx.length);
    this.seq = new Float64Array(this.idx.length);
  }

  push(i: number, k: number): void {
    if (this.size === this.idx.length) this.grow();
    let pos = this.size++;
    const s = this.counter++;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (!this.less(k, s, this.key[parent]!, this.seq[parent]!)) break;
      this.idx[pos] = this.idx[parent]!;
      this.key[pos] = this.key[parent]!;
      this.seq[pos] = this.seq[parent]!;
      pos = parent;
    }
    this.idx[pos] = i;
    this.key[pos] = k;
    this.seq[pos] = s;
  }

  pop(): number {
    const top = this.idx[0]!;
    const last = --this.size;
    const i = this.idx[last]!;
    const k = this.key[last]!;
    const s = this.seq[last]!;
    let pos = 0;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= last) break;
      if (child + 1 < last && this.less(this.key[child + 1]!, this.seq[child + 1]!, this.key[child]!, this.seq[child]!)) child++;
      if (!this.less(this.key[child]!, this.seq[child]!, k, s)) break;
      this.idx[pos] = this.idx[child]!;
      this.key[pos] = this.key[child]!;
      this.seq[pos] = this.seq[child]!;
      pos = child;
    }
    this.idx[pos] = i;
    this.key[pos] = k;
    this.seq[pos] = s;
    return top;
  }

  private less(k1: number, s1: number, k2: number, s2: number): boolean {
    return k1 < k2 || (k1 === k2 && s1 < s2);
  }

  private grow(): void {
    const cap = this.idx.length * 2;
    const idx = new Int32Array(cap);
    const key = new Float64Array(cap);
    const seq = new Float64Array(cap);
    idx.set(this.idx);
    key.set(this.key);
    seq.set(this.seq);
    this.idx = idx;
    this.key = key;
    this.seq = seq;
  }
}
