/**
 * Recorded noise (e.g. diffusers' draws in a fixture `case.json`) is made
 * for one latent size. Checked against the working size before any model
 * runs, so a mismatch is reported up front and names both sizes, instead of
 * failing at the first draw after the encoders have run.
 */
import { InvalidInputError } from '../image';
import type { NoiseSource } from '../tensor/noise';
import type { RecordedNoise } from '../tensor/replay';

/**
 * @throws {InvalidInputError} when a recorded latent-shaped draw (`[B, C, h, w]`)
 *   is not `h x w` = the working size / the VAE factor.
 */
export function checkRecordedNoiseSize(noise: NoiseSource | undefined, width: number, height: number, vaeScaleFactor: number): void {
  const recording = (noise as { recording?: readonly RecordedNoise[] } | undefined)?.recording;
  if (!recording) return;
  const h = height / vaeScaleFactor;
  const w = width / vaeScaleFactor;
  const wrong = recording.find((r) => r.shape.length === 4 && (r.shape[2] !== h || r.shape[3] !== w));
  if (!wrong) return;
  const [, , rh, rw] = wrong.shape as [number, number, number, number];
  throw new InvalidInputError(
    `The recorded noise is for ${rw * vaeScaleFactor}x${rh * vaeScaleFactor} px (latents ${rw}x${rh}, draw '${wrong.label}' ` +
      `[${wrong.shape.join(', ')}]) but this edit runs at ${width}x${height} px (latents ${w}x${h}). ` +
      `Run at the recording's size (width ${rw * vaeScaleFactor}, height ${rh * vaeScaleFactor}) or record noise for this size.`,
  );
}
