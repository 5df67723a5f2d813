/**
 * The denoising loop with everything on the GPU (WebGPU backend): text
 * embeddings, latents, UNet outputs, guidance, the scheduler step and the
 * mask blend. Per step the CPU only computes a handful of coefficients (by
 * tracing the real scheduler, `core/schedulers/linear.ts`), uploads the
 * step's noise when the scheduler draws any, and submits three small kernels
 * around the UNet run. Nothing is read back until the final latents, except
 * the previews a caller asks for (one download each).
 *
 * Same inputs, same noise, same order of draws as the CPU loop in
 * `denoise.ts`; the two differ only by float32 rounding.
 */
import { CancelledError, RuntimeError, throwIfCancelled } from '../errors';
import { asGpuError } from '../gpu/errors';
import type { GpuContext } from '../gpu/context';
import { mapAsyncCalls } from '../gpu/instrument';
import { yieldToEventLoop } from '../jobs/yield';
import type { GpuBuffer } from '../gpu/webgpu';
import { latentsToPreview } from '../image';
import { LinearStepTracer, linearStepSupport } from '../schedulers/linear';
import type { DenoiseSpec, StepTimings } from './denoise';
import { StepProgress } from './step-progress';

/**
 * Steps a scheduler may look back (PNDM keeps 4 model outputs, DPM-Solver
 * order 3 keeps 3): numbered tensors older than this are freed. A scheduler
 * that reaches further fails loudly (see {@link denoiseOnDevice}), never silently.
 */
const HISTORY_STEPS = 6;

/**
 * Steps submitted ahead of the GPU. WebGPU submission returns at once, so an
 * unthrottled loop queues the whole run in a blink: progress would lie and a
 * cancel could not stop work already queued. Two keeps the GPU fed while the
 * CPU prepares the next step. Waiting uses `onSubmittedWorkDone`: a fence,
 * no data comes back.
 */
const STEPS_IN_FLIGHT = 2;

/** Why `spec` cannot run on the GPU loop, or `undefined` when it can. */
export function deviceLoopBlocker(spec: DenoiseSpec): string | undefined {
  if (spec.afterStep) return 'the edit changes the latents on the CPU after each step';
  if (!spec.guideWeights || spec.guideWeights.length !== spec.chunks) return 'the guidance has no GPU form';
  const pinned = spec.unet.fixedBatch;
  if (pinned !== undefined && pinned !== spec.chunks * spec.dims[0]) return `the UNet graph is pinned to batch ${pinned}`;
  const support = linearStepSupport(spec.scheduler);
  if (!support.ok) return support.reason;
  const io = spec.unet.ioTypes;
  for (const [what, type] of Object.entries(io)) {
    if (type !== undefined && type !== 'float32') return `the UNet's ${what} is ${type} (the GPU loop handles float32 I/O)`;
  }
  return undefined;
}

/** Runs {@link DenoiseSpec} on the GPU; see the module notes. */
export async function denoiseOnDevice(spec: DenoiseSpec, gpu: GpuContext): Promise<{ latents: Float32Array; timings: StepTimings }> {
  const { unet, scheduler, timesteps, dims, chunks, extra, blend } = spec;
  const [batch, channels, h, w] = dims;
  const plane = h * w;
  const n = batch * channels * plane;
  const items = chunks * batch;
  const extraChannels = extra?.channels ?? 0;
  const unetDims = [items, channels + extraChannels, h, w];
  const weights = spec.guideWeights!;
  const scope = gpu.scope();
  const tracer = new LinearStepTracer(scheduler, 4 * timesteps.length + 8);
  /** Numbered tensors of the trace -> their buffers, and the step each was made in. */
  const tensors = new Map<number, { buffer: GpuBuffer; step: number }>();
  const timings: StepTimings = { unetMs: [], stepMs: [] };
  const readbacksPerStep: number[] = [];
  const mapsPerStep: number[] = [];
  try {
    gpu.checkAlive();
    const fixed = await gpu.allocating(() => ({
      ehs: scope.upload(spec.encoderHiddenStates, 'stipple-text-embeddings'),
      // The assemble kernel always binds an extra buffer; without conditioning it is never read.
      extra: extra ? scope.upload(extra.data, 'stipple-conditioning') : scope.buffer(4, 'stipple-no-conditioning'),
      unetInput: scope.buffer(unetDims.reduce((a, b) => a * b, 1), 'stipple-unet-input'),
      blend: blend && {
        mask: scope.upload(blend.mask, 'stipple-blend-mask'),
        image: scope.upload(blend.image, 'stipple-blend-image'),
        noise: scope.upload(blend.noise, 'stipple-blend-noise'),
      },
      latents: scope.upload(spec.latents, 'stipple-latents'),
    }));
    const ehsTensor = gpu.tensor(fixed.ehs, spec.ehsDims);
    const inputTensor = gpu.tensor(fixed.unetInput, unetDims);
    const take = (index: number): GpuBuffer => {
      const t = tensors.get(index);
      if (!t) {
        throw new RuntimeError(
          `The ${scheduler.name} scheduler refers to a tensor from more than ${HISTORY_STEPS} steps ago, which the GPU loop has freed.`,
        );
      }
      return t.buffer;
    };

    let sample = tracer.newTensor();
    tensors.set(sample, { buffer: fixed.latents, step: -1 });
    const inFlight: Promise<void>[] = [];
    const started = performance.now();
    // Up to STEPS_IN_FLIGHT steps return before the GPU ran them: their times are not measured.
    const progress = new StepProgress(timesteps, spec.onProgress, { started, settleSteps: STEPS_IN_FLIGHT });
    for (let i = 0; i < timesteps.length; i++) {
      if (spec.signal || spec.onProgress) await yieldToEventLoop();
      throwIfCancelled(spec.signal);
      gpu.checkAlive();
      const readbacksBefore = gpu.counters().readbacks;
      const mapsBefore = mapAsyncCalls();
      const stepStart = performance.now();
      const t = timesteps[i]!;

      gpu.kernels.assemble(
        fixed.unetInput,
        take(sample),
        fixed.extra,
        { items, batch, latentChannels: channels, extraChannels, plane },
        tracer.scaleFactor(t),
      );
      const unetStart = performance.now();
      const out = scope.adopt(await unet.predictOnDevice(inputTensor, t, ehsTensor));
      const unetMs = performance.now() - unetStart;
      // ORT keeps outputs on the GPU when the session asked for 'gpu-buffer'
      // (the runtime does that for WebGPU UNets); should it ever hand back a
      // CPU tensor, upload it rather than fail.
      const outBuffer =
        out.location === 'gpu-buffer' ? (out.gpuBuffer as unknown as GpuBuffer) : scope.upload(out.data as Float32Array, 'stipple-unet-output');

      const modelOutput = tracer.newTensor();
      const eps = scope.buffer(n, 'stipple-eps');
      tensors.set(modelOutput, { buffer: eps, step: i });
      gpu.kernels.lincomb(
        eps,
        weights.map((coeff, c) => ({ buffer: outBuffer, coeff, offset: c * n })),
        n,
      );
      scope.disposeTensor(out);

      const terms = tracer.step(modelOutput, t, sample, dims, spec.noise, (index, values) => {
        tensors.set(index, { buffer: scope.upload(values, 'stipple-step-noise'), step: i });
      });
      let next = scope.buffer(n, 'stipple-latents');
      gpu.kernels.lincomb(
        next,
        terms.map(({ index, coeff }) => ({ buffer: take(index), coeff })),
        n,
      );
      if (fixed.blend) {
        const last = i === timesteps.length - 1;
        const [a, b] = last ? [1, 0] : tracer.addNoiseCoefficients(timesteps[i + 1]!);
        const blended = scope.buffer(n, 'stipple-latents');
        gpu.kernels.blend(blended, next, fixed.blend.image, fixed.blend.noise, fixed.blend.mask, a, b, n, plane);
        scope.release(next);
        next = blended;
      }
      sample = tracer.newTensor();
      tensors.set(sample, { buffer: next, step: i });
      for (const [index, t] of tensors) {
        if (index !== sample && t.step < i - HISTORY_STEPS + 1) {
          scope.release(t.buffer);
          tensors.delete(index);
        }
      }

      inFlight.push(gpu.device.queue.onSubmittedWorkDone());
      if (inFlight.length > STEPS_IN_FLIGHT) await inFlight.shift();

      const now = performance.now();
      timings.unetMs.push(unetMs);
      timings.stepMs.push(now - stepStart);
      const step = progress.evaluated(i, now);
      const every = spec.previewEvery ?? 0;
      if (spec.onProgress && every > 0 && step > 0 && (step % every === 0 || step === progress.total)) {
        const latents = await gpu.readback(next, n);
        const images = [];
        for (let b = 0; b < batch; b++) images.push(latentsToPreview(latents, dims, b));
        spec.onProgress({ type: 'preview', step, total: progress.total, images });
      }
      readbacksPerStep.push(gpu.counters().readbacks - readbacksBefore);
      const mapsAfter = mapAsyncCalls();
      if (mapsBefore !== undefined && mapsAfter !== undefined) mapsPerStep.push(mapsAfter - mapsBefore);
    }
    throwIfCancelled(spec.signal);
    const latents = await gpu.readback(take(sample), n);
    timings.loop = {
      where: 'gpu',
      readbacksPerStep,
      ...(mapsPerStep.length > 0 ? { mapsPerStep } : {}),
      totalMs: performance.now() - started,
    };
    return { latents, timings };
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    throw asGpuError(error, gpu.lost) ?? error;
  } finally {
    scope.dispose();
  }
}
