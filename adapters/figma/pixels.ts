/**
 * Panel-side pixel work on what the main code exported: turning the source's
 * export (an axis-aligned box on the page, rotated content and all) into an
 * image in the layer's own frame, and turning mask layers into a coverage
 * mask in that same frame. No DOM: decoding PNGs is the caller's job.
 */
import type { Mask, RgbaImage } from '../../core/image';
import type { Rect, Transform } from './api';
import { apply, isTranslation } from './geometry';

/** An exported layer: its pixels and the page box they cover. */
export interface ExportedLayer {
  image: RgbaImage;
  box: Rect;
}

/** The layer's own frame: its size in Figma px, where it sits on the page, and the pixel grid wanted. */
export interface LocalFrame {
  /** The layer's `absoluteTransform`. */
  transform: Transform;
  /** The layer's size in Figma px. */
  width: number;
  height: number;
  /** Pixel size of the frame's image. */
  pixelWidth: number;
  pixelHeight: number;
}

/** Calls `fn(i, u, v)` for each pixel `i` of the frame, with (u, v) the point it samples in `layer`'s pixels (centres at +0.5). */
function eachSample(frame: LocalFrame, layer: ExportedLayer, fn: (i: number, u: number, v: number) => void): void {
  const { transform: t, width, height, pixelWidth: w, pixelHeight: h } = frame;
  const sx = layer.image.width / layer.box.width;
  const sy = layer.image.height / layer.box.height;
  for (let y = 0; y < h; y++) {
    const ly = ((y + 0.5) * height) / h;
    for (let x = 0; x < w; x++) {
      const [ax, ay] = apply(t, ((x + 0.5) * width) / w, ly);
      fn(y * w + x, (ax - layer.box.x) * sx, (ay - layer.box.y) * sy);
    }
  }
}

/** True when the layer's pixels already are the frame's grid (an unrotated layer exported at the frame's size). */
function sameGrid(frame: LocalFrame, layer: ExportedLayer): boolean {
  const eps = 1e-6;
  return (
    isTranslation(frame.transform) &&
    layer.image.width === frame.pixelWidth &&
    layer.image.height === frame.pixelHeight &&
    Math.abs(layer.box.x - frame.transform[0][2]) < eps &&
    Math.abs(layer.box.y - frame.transform[1][2]) < eps &&
    Math.abs(layer.box.width - frame.width) < eps &&
    Math.abs(layer.box.height - frame.height) < eps
  );
}

/**
 * The source as the model should see it: the layer's pixels in its own
 * (unrotated) frame. An unrotated layer's export is copied as it is; a
 * rotated or flipped one is resampled (bilinear, premultiplied alpha) out of
 * its export's bounding box, so the result can be placed with the layer's
 * own rotation.
 */
export function toLocalFrame(layer: ExportedLayer, frame: LocalFrame): RgbaImage {
  const { pixelWidth: w, pixelHeight: h } = frame;
  if (sameGrid(frame, layer)) return { width: w, height: h, data: new Uint8ClampedArray(layer.image.data) };
  const out = new Uint8ClampedArray(w * h * 4);
  const src = layer.image;
  const px = [0, 0, 0, 0];
  eachSample(frame, layer, (i, u, v) => {
    bilinear(src, u - 0.5, v - 0.5, px);
    const a = px[3]!;
    const o = i * 4;
    if (a > 0) {
      out[o] = px[0]! / a;
      out[o + 1] = px[1]! / a;
      out[o + 2] = px[2]! / a;
      out[o + 3] = a;
    }
  });
  return { width: w, height: h, data: out };
}

/** Premultiplied bilinear sample at pixel coordinates (x, y) (centres at integers); outside the image is transparent. */
function bilinear(img: RgbaImage, x: number, y: number, out: number[]): void {
  out[0] = out[1] = out[2] = out[3] = 0;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const { width, height, data } = img;
  for (let j = 0; j < 2; j++) {
    const yy = y0 + j;
    if (yy < 0 || yy >= height) continue;
    const wy = j === 0 ? 1 - fy : fy;
    for (let k = 0; k < 2; k++) {
      const xx = x0 + k;
      if (xx < 0 || xx >= width) continue;
      const wgt = wy * (k === 0 ? 1 - fx : fx);
      if (wgt === 0) continue;
      const p = (yy * width + xx) * 4;
      const a = data[p + 3]! * wgt;
      out[0]! += data[p]! * a;
      out[1]! += data[p + 1]! * a;
      out[2]! += data[p + 2]! * a;
      out[3]! += a;
    }
  }
  // Colour channels hold colour x alpha; the caller divides by alpha.
}

/** Alpha at pixel coordinates (x, y) (centres at integers), bilinear; 0 outside. */
function alphaAt(img: RgbaImage, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  let a = 0;
  for (let j = 0; j < 2; j++) {
    const yy = y0 + j;
    if (yy < 0 || yy >= img.height) continue;
    for (let k = 0; k < 2; k++) {
      const xx = x0 + k;
      if (xx < 0 || xx >= img.width) continue;
      a += img.data[(yy * img.width + xx) * 4 + 3]! * (j === 0 ? 1 - fy : fy) * (k === 0 ? 1 - fx : fx);
    }
  }
  return a;
}

/** A mask built from mask layers, and how much of the frame it covers. */
export interface LayerMask {
  /** 1 = repaint, 0 = keep: hard-edged (feathering is the edit's `maskBlur`). */
  mask: Mask;
  /** Share of the frame's pixels covered, in [0, 1]. */
  coverage: number;
  /** The alpha level (0-255) the layers were thresholded at. */
  threshold: number;
}

/**
 * The mask in the source's frame: the mask layers' alpha, placed where they
 * sit on the page (any rotation of either), merged (max), and thresholded at
 * half the strongest alpha inside the frame. Half of the strongest rather
 * than half of opaque, so a mask shape drawn at 40 % opacity (to see the
 * image through it) still counts in full, and anti-aliased edges split evenly.
 */
export function maskFromLayers(layers: readonly ExportedLayer[], frame: LocalFrame): LayerMask {
  const { pixelWidth: w, pixelHeight: h } = frame;
  const alpha = new Float32Array(w * h);
  for (const layer of layers) {
    eachSample(frame, layer, (i, u, v) => {
      const a = alphaAt(layer.image, u - 0.5, v - 0.5);
      if (a > alpha[i]!) alpha[i] = a;
    });
  }
  let max = 0;
  for (let i = 0; i < alpha.length; i++) if (alpha[i]! > max) max = alpha[i]!;
  const threshold = max / 2;
  const data = new Float32Array(w * h);
  let covered = 0;
  if (max >= 1) {
    for (let i = 0; i < alpha.length; i++) {
      if (alpha[i]! >= threshold) {
        data[i] = 1;
        covered++;
      }
    }
  }
  return { mask: { width: w, height: h, data }, coverage: covered / (w * h), threshold };
}
