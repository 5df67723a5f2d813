/**
 * Bit-reproducible math for seeded noise.
 *
 * ECMAScript requires + - * / and `Math.sqrt` to be correctly rounded, but
 * lets `Math.log`, `Math.exp`, `Math.cos`... be "implementation-approximated":
 * V8 and SpiderMonkey ship fdlibm ports, JavaScriptCore calls the OS libm, and
 * they can disagree in the last bit. A seed must give the same image in every
 * browser, so the normal sampler uses only the operations below, built from
 * correctly rounded primitives.
 */

// Exponent/mantissa access through an explicit little-endian view: the same on every platform.
const view = new DataView(new ArrayBuffer(8));

const LN2_HI = 6.93147180369123816490e-1; // 3fe62e42 fee00000
const LN2_LO = 1.90821492927058770002e-10; // 3dea39ef 35793c76
const TWO54 = 1.80143985094819840000e16; // 43500000 00000000
const LG1 = 6.666666666666735130e-1; // 3FE55555 55555593
const LG2 = 3.999999999940941908e-1; // 3FD99999 9997FA04
const LG3 = 2.857142874366239149e-1; // 3FD24924 94229359
const LG4 = 2.222219843214978396e-1; // 3FCC71C5 1D8E78AF
const LG5 = 1.818357216161805012e-1; // 3FC74664 96CB03DE
const LG6 = 1.531383769920937332e-1; // 3FC39A09 D078C69F
const LG7 = 1.479819860511658591e-1; // 3FC2F112 DF3E5244

/**
 * Natural logarithm, a line-by-line port of fdlibm's `__ieee754_log`
 * (e_log.c, error < 1 ulp) using only correctly rounded operations, hence
 * bit-identical on every engine. (V8's `Math.log` is the same fdlibm code,
 * so in Node/Chrome the two agree bit for bit.)
 */
export function detLog(x: number): number {
  view.setFloat64(0, x, true);
  let hx = view.getInt32(4, true);
  const lx = view.getUint32(0, true);
  let k = 0;
  if (hx < 0x00100000) {
    // x < 2^-1022: zero, negative or subnormal.
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54; // scale a subnormal up
    view.setFloat64(0, x, true);
    hx = view.getInt32(4, true);
  }
  if (hx >= 0x7ff00000) return x + x; // Infinity or NaN
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  view.setInt32(4, hx | (i ^ 0x3ff00000), true); // normalize x or x/2 into [sqrt(2)/2, sqrt(2))
  x = view.getFloat64(0, true);
  k += i >> 20;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    // |f| < 2^-20
    if (f === 0) return k === 0 ? 0 : k * LN2_HI + k * LN2_LO;
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k === 0) return f - R;
    return k * LN2_HI - (R - k * LN2_LO - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  let ii = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  ii |= j;
  const R = t2 + t1;
  if (ii > 0) {
    const hfsq = 0.5 * f * f;
    if (k === 0) return f - (hfsq - s * (hfsq + R));
    return k * LN2_HI - (hfsq - (s * (hfsq + R) + k * LN2_LO) - f);
  }
  if (k === 0) return f - s * (f - R);
  return k * LN2_HI - (s * (f - R) - k * LN2_LO - f);
}

/**
 * The standard normal quantile Phi^-1(p) for p in (0, 1): Wichura's AS241
 * (PPND16, Applied Statistics 37(3), 1988), relative error about 1e-16, the
 * algorithm of R's `qnorm` and Python's `statistics.NormalDist.inv_cdf`.
 * Rational functions plus `sqrt` and {@link detLog} (tails only): bit-identical
 * on every engine. Returns -Infinity / Infinity at 0 / 1 and NaN outside.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    const num =
      (((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r + 6.7265770927008700853e4) * r +
        4.5921953931549871457e4) * r +
        1.3731693765509461125e4) * r +
        1.9715909503065514427e3) * r +
        1.3314166789178437745e2) * r +
        3.3871328727963666080) *
      q;
    const den =
      ((((((5.2264952788528545610e3 * r + 2.8729085735721942674e4) * r + 3.930789580009271061e4) * r +
        2.1213794301586595867e4) * r +
        5.3941960214247511077e3) * r +
        6.8718700749205790830e2) * r +
        4.2313330701600911252e1) * r +
      1.0;
    return num / den;
  }
  let r = q <= 0 ? p : 1.0 - p;
  r = Math.sqrt(-detLog(r));
  let num: number;
  let den: number;
  if (r <= 5.0) {
    r -= 1.6;
    num =
      ((((((7.7454501427834140764e-4 * r + 2.27238449892691845833e-2) * r + 2.4178072517745061177e-1) * r +
        1.27045825245236838258) * r +
        3.64784832476320460504) * r +
        5.7694972214606914055) * r +
        4.6303378461565452959) * r +
      1.42343711074968357734;
    den =
      ((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 1.51986665636164571966e-2) * r +
        1.4810397642748007459e-1) * r +
        6.8976733498510000455e-1) * r +
        1.6763848301838038494) * r +
        2.05319162663775882187) * r +
      1.0;
  } else {
    r -= 5.0;
    num =
      ((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 1.2426609473880784386e-3) * r +
        2.6532189526576123093e-2) * r +
        2.9656057182850489123e-1) * r +
        1.7848265399172913358) * r +
        5.4637849111641143699) * r +
      6.6579046435011037772;
    den =
      ((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
        7.868691311456132591e-4) * r +
        1.48753612908506148525e-2) * r +
        1.3692988092273580531e-1) * r +
        5.9983220655588793769e-1) * r +
      1.0;
  }
  const x = num / den;
  return q < 0 ? -x : x;
}
