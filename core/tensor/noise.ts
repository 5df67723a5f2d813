/**
 * Where every random number of a denoising run comes from. Schedulers and
 * pipelines never call Math.random: they ask a NoiseSource, so a run can be
 * seeded (same seed, same image everywhere) or replay noise recorded by
 * diffusers (reference parity).
 */
export interface NoiseSource {
  /**
   * Standard-normal samples for a tensor of `shape` (row-major, float32).
   * `label` says what the draw is for (e.g. `initial_noise`,
   * `scheduler_step_noise[step=3]`), in the words of the fixture `case.json`
   * files; replaying sources check it, seeded ones ignore it.
   */
  randn(shape: readonly number[], label: string): Float32Array;
}

/** Number of elements of a row-major tensor shape. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
