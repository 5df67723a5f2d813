/**
 * Float tensors: where the noise comes from (seeded or replayed) and the
 * small reshuffles pipelines need. Browser-safe.
 */
export type { NoiseSource } from './noise';
export { shapeSize } from './noise';
export { MAX_SEED, SeededNoise, seedFromAny } from './random';
export type { RecordedNoise } from './replay';
export { float32FromLittleEndian, loadFixtureNoise, NoiseReplayError, readFixtureNoise, ReplayNoise } from './replay';
export { detLog, normalQuantile } from './det-math';
export { splitMix64, Xoshiro128StarStar } from './prng';
export { add, concatBatch, concatChannels, lerp, repeatBatch, scale, sliceBatch } from './ops';
