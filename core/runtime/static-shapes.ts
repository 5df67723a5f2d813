/**
 * Graphs with static shapes. Web-oriented exports (WebNN, ONNX Runtime Web
 * demos) pin every dimension, typically batch 1, 64x64 latents and 77 tokens,
 * and ONNX Runtime rejects any other shape ("Got invalid dimensions for
 * input"). The adapters read the pinned dims from the session metadata and
 * run a larger batch as consecutive calls of the pinned size: each batch item
 * is computed independently, so the numbers equal the batched call's.
 */
import { StippleError } from '../errors';
import type { IoInfo, ModelSession } from './session';

/**
 * The dimension `axis` of a graph input when the model file fixes it to a
 * number. The file's declaration wins over the session metadata, which also
 * reports dims pinned at creation (`freeDimensionOverrides`) as numbers.
 */
export function fixedDim(session: ModelSession, info: IoInfo | undefined, axis: number): number | undefined {
  if (!info) return undefined;
  const declared = session.graph ? session.graph.inputs.find((i) => i.name === info.name)?.shape : info.shape;
  const d = declared?.[axis];
  return typeof d === 'number' && d > 0 ? d : undefined;
}

/**
 * Runs `run` on consecutive slices of `sliceSize` batch items and
 * concatenates the outputs in batch order.
 *
 * @throws {StippleError} `INVALID_INPUT` when `batch` is not a multiple of `sliceSize`.
 */
export async function runInSlices(
  file: string,
  batch: number,
  sliceSize: number,
  run: (start: number, count: number) => Promise<Float32Array>,
): Promise<Float32Array> {
  if (batch % sliceSize !== 0) {
    throw new StippleError('INVALID_INPUT', `${file}: the graph takes batches of exactly ${sliceSize}; a batch of ${batch} cannot be split into them.`);
  }
  const parts: Float32Array[] = [];
  for (let start = 0; start < batch; start += sliceSize) parts.push(await run(start, sliceSize));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Items `start .. start + count` of a batch stored back to back in `data` (a copy). */
export function batchSlice(data: Float32Array, batch: number, start: number, count: number): Float32Array {
  const per = data.length / batch;
  return data.slice(start * per, (start + count) * per);
}
