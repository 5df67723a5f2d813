/**
 * Replaying recorded noise: the fixtures hold every random tensor diffusers
 * drew, in order; a pipeline that draws the same tensors in the same order
 * reproduces diffusers' numbers exactly. Any difference in order, label or
 * shape is a parity bug, so it fails loudly at the first wrong draw.
 */
import { StippleError } from '../errors';
import { shapeSize, type NoiseSource } from './noise';

/** One recorded draw: what it was for, its shape, and its values (row-major). */
export interface RecordedNoise {
  label: string;
  shape: readonly number[];
  data: Float32Array;
}

/** A draw that does not match the recording, or a recording that cannot be read. */
export class NoiseReplayError extends StippleError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_INPUT', message, options);
  }
}

/** A {@link NoiseSource} that hands out recorded tensors in order, checking label and shape of each draw. */
export class ReplayNoise implements NoiseSource {
  /** The recorded draws, in order. */
  readonly recording: readonly RecordedNoise[];
  private next = 0;

  constructor(recording: readonly RecordedNoise[]) {
    recording.forEach((r, i) => {
      if (r.data.length !== shapeSize(r.shape)) {
        throw new NoiseReplayError(
          `Recorded noise #${i} '${r.label}' has shape [${r.shape.join(', ')}] (${shapeSize(r.shape)} values) but holds ${r.data.length}.`,
        );
      }
    });
    this.recording = recording;
  }

  /**
   * The next recorded tensor (a copy). Throws {@link NoiseReplayError} when
   * the recording is used up, or when the next recorded draw has another
   * label or shape than asked for.
   */
  randn(shape: readonly number[], label: string): Float32Array {
    const at = this.next;
    const rec = this.recording[at];
    const asked = `'${label}' [${shape.join(', ')}]`;
    if (!rec) {
      throw new NoiseReplayError(
        `The pipeline drew noise ${asked}, but all ${this.recording.length} recorded draws are used up: it draws more often than the reference did.`,
      );
    }
    const recorded = `'${rec.label}' [${rec.shape.join(', ')}]`;
    if (rec.label !== label) {
      throw new NoiseReplayError(
        `Noise draw #${at}: the pipeline asked for ${asked} but the recording has ${recorded} there: the draw order differs from the reference.`,
      );
    }
    if (rec.shape.length !== shape.length || rec.shape.some((d, i) => d !== shape[i])) {
      throw new NoiseReplayError(`Noise draw #${at} '${label}': the pipeline asked for shape [${shape.join(', ')}] but the recording has [${rec.shape.join(', ')}].`);
    }
    this.next++;
    return new Float32Array(rec.data);
  }

  /** Number of recorded draws not used yet (0 at the end of a faithful replay). */
  remaining(): number {
    return this.recording.length - this.next;
  }

  /** Labels of the draws not used yet, in order (for "the pipeline drew too little" messages). */
  remainingLabels(): string[] {
    return this.recording.slice(this.next).map((r) => r.label);
  }
}

/**
 * A {@link ReplayNoise} of the noise recorded in a fixture `case.json`
 * (see {@link readFixtureNoise}).
 *
 * @example const noise = await loadFixtureNoise(caseJson, (f) => readFile(join(dir, f)));
 */
export async function loadFixtureNoise(caseJson: unknown, readFile: (name: string) => Promise<Uint8Array>): Promise<ReplayNoise> {
  return new ReplayNoise(await readFixtureNoise(caseJson, readFile));
}

/**
 * Reads the `noise[]` of a fixture `case.json` (`order`, `label`, `file`,
 * `shape`; files are raw little-endian float32) into recordings sorted by
 * `order`. `readFile` resolves a file name relative to the case folder.
 */
export async function readFixtureNoise(caseJson: unknown, readFile: (name: string) => Promise<Uint8Array>): Promise<RecordedNoise[]> {
  const list = (caseJson as { noise?: unknown } | null)?.noise;
  if (!Array.isArray(list)) throw new NoiseReplayError('case.json: expected a "noise" array of { order, label, file, shape }.');
  const entries = list.map((e: unknown, i) => {
    const { order, label, file, shape } = (e ?? {}) as Record<string, unknown>;
    if (
      typeof order !== 'number' ||
      typeof label !== 'string' ||
      typeof file !== 'string' ||
      !Array.isArray(shape) ||
      !shape.every((d) => Number.isInteger(d) && d >= 0)
    ) {
      throw new NoiseReplayError(`case.json: noise[${i}] must have a numeric order, a label, a file and an integer shape.`);
    }
    return { order, label, file, shape: shape as number[] };
  });
  entries.sort((a, b) => a.order - b.order);
  const out: RecordedNoise[] = [];
  for (const e of entries) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(e.file);
    } catch (err) {
      throw new NoiseReplayError(`Could not read the recorded noise file ${e.file} ('${e.label}').`, { cause: err });
    }
    const n = shapeSize(e.shape);
    if (bytes.byteLength !== n * 4) {
      throw new NoiseReplayError(`${e.file}: expected ${n * 4} bytes of float32 for shape [${e.shape.join(', ')}], found ${bytes.byteLength}.`);
    }
    out.push({ label: e.label, shape: e.shape, data: float32FromLittleEndian(bytes) });
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Raw little-endian float32 bytes as a Float32Array that owns its memory.
 * Always a copy: a Uint8Array from a file read is often a slice of a larger
 * pooled buffer at an offset that is not a multiple of 4, where a Float32Array
 * view would throw (or would alias memory the reader reuses).
 */
export function float32FromLittleEndian(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new NoiseReplayError(`Raw float32 data must be a multiple of 4 bytes (got ${bytes.byteLength}).`);
  const n = bytes.byteLength / 4;
  if (LITTLE_ENDIAN) return new Float32Array(bytes.slice().buffer, 0, n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
