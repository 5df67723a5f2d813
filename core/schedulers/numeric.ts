/**
 * Small numeric helpers that reproduce the exact NumPy / PyTorch behaviour the
 * diffusers schedulers rely on. Timestep schedules must match diffusers value
 * for value (the UNet was trained on these integers), so the rounding mode,
 * the way `np.arange` / `np.linspace` accumulate, and float32 storage of the
 * tables all matter here.
 *
 * @internal
 */

/** Round to the nearest float32, as storing a value in a torch/NumPy float32 tensor does. */
export const f32 = Math.fround;

/**
 * `np.round` / `torch.round`: round half to even ("banker's rounding").
 * `Math.round` rounds halves up, which would give e.g. 813 instead of 812 for 812.5
 * (a real case: trailing spacing with 16 steps).
 */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const frac = x - Math.floor(x);
  const r = frac === 0.5 ? 2 * Math.round(x / 2) : Math.round(x);
  return r + 0; // turns -0 (Math.round(-0.3)) into 0: timesteps are compared with Object.is semantics in places

}

/**
 * `np.arange(start, stop, step)` for float arguments. NumPy computes the length as
 * `ceil((stop - start) / step)`, stores `start` and `start + step`, and fills the rest
 * with `start + i * ((start + step) - start)`; we do the same so that values sitting on
 * a rounding boundary come out identical.
 */
export function npArange(start: number, stop: number, step: number): number[] {
  const length = Math.ceil((stop - start) / step);
  if (!(length > 0)) return [];
  const out = new Array<number>(length);
  out[0] = start;
  if (length > 1) {
    const second = start + step;
    out[1] = second;
    const delta = second - start;
    for (let i = 2; i < length; i++) out[i] = start + i * delta;
  }
  return out;
}

/**
 * `np.linspace(start, stop, num, endpoint)` in float64, accumulated the way NumPy does
 * (`i * step + start`, last value forced to `stop` when `endpoint`).
 */
export function npLinspace(start: number, stop: number, num: number, endpoint = true): number[] {
  const div = endpoint ? num - 1 : num;
  const delta = stop - start;
  const out = new Array<number>(num);
  if (div > 0) {
    const step = delta / div;
    for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  } else {
    // NumPy: step is NaN, y = y * delta (only y[0] = 0 exists here).
    for (let i = 0; i < num; i++) out[i] = i * delta + start;
  }
  if (endpoint && num > 1) out[num - 1] = stop;
  return out;
}

/**
 * `torch.linspace(start, end, steps, dtype=torch.float32)` on CPU: the step and every
 * element are float32 operations, the first half counted from `start` and the second
 * half from `end` (PyTorch's symmetric formula).
 */
export function torchLinspaceF32(start: number, end: number, steps: number): Float64Array {
  const out = new Float64Array(steps);
  if (steps === 1) {
    out[0] = f32(start);
    return out;
  }
  const s = f32(start);
  const e = f32(end);
  const step = f32(f32(e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? f32(s + f32(step * i)) : f32(e - f32(step * (steps - i - 1)));
  }
  return out;
}

/**
 * `np.interp(x, xp = [0, 1, ..., fp.length - 1], fp)`: piecewise-linear interpolation on
 * integer abscissae, clamped to the end values outside the range.
 */
export function interpIntegerGrid(x: number, fp: ArrayLike<number>): number {
  const n = fp.length;
  if (n === 0) throw new RangeError('interpIntegerGrid: empty table');
  if (!(x > 0)) return fp[0]!;
  if (x >= n - 1) return fp[n - 1]!;
  const j = Math.floor(x);
  const lo = fp[j]!;
  const hi = fp[j + 1]!;
  const slope = hi - lo; // (fp[j+1] - fp[j]) / (xp[j+1] - xp[j]) with unit spacing
  return slope * (x - j) + lo;
}
