/**
 * TAESD, the tiny autoencoder (madebyollin/taesd), as a fast stand-in for the
 * full VAE in live runs: about 1/50 of the VAE's compute, slightly softer images.
 *
 * Its halves differ from Stable Diffusion's VAE in two ways (see the `taesd`
 * preset notes): pixels are in [0, 1] instead of [-1, 1], and its latents are
 * already in the UNet's latent space (latent scale 1, no 0.18215). The two
 * session classes here adapt the pixel range, so pipelines use them exactly
 * like the VAE sessions with a scaling factor of 1.
 *
 * I/O, as the ONNX export in the `taesd` preset (deinferno/taesd-onnx) has it:
 * encoder `sample` float32 `[1, 3, H, W]` in [0, 1] -> `latent_sample`
 * `[1, 4, H/8, W/8]`; decoder `latent_sample` `[1, 4, h, w]` -> `sample`
 * `[1, 3, 8h, 8w]` in [0, 1].
 */
import { findComponent, makeComponent, type ModelComponent, type RepoSource } from '../models';
import { VaeDecoderSession, VaeEncoderSession, type FloatTensor, type StippleRuntime, type VaeEncoderOutput } from '../runtime';

/** The two halves of a TAESD export, not yet loaded. */
export interface TaesdModel {
  readonly source: RepoSource;
  readonly encoder: ModelComponent;
  readonly decoder: ModelComponent;
}

/**
 * Finds `vae_encoder/model.onnx` and `vae_decoder/model.onnx` in a source
 * (a folder, a URL, or `await openModelSource('taesd')` for the preset).
 *
 * @throws {ModelFormatError} naming the half that is missing.
 */
export async function loadTaesd(source: RepoSource): Promise<TaesdModel> {
  const [encoder, decoder] = await Promise.all(
    (['vae_encoder', 'vae_decoder'] as const).map(async (name) => {
      const found = await findComponent(source, name);
      return makeComponent(source, name, found.externalDataPaths, undefined, {});
    }),
  );
  return { source, encoder: encoder!, decoder: decoder! };
}

/** Creates the session of one TAESD half on a runtime. */
export async function createTaesdSession(
  runtime: StippleRuntime,
  model: TaesdModel,
  which: 'encoder' | 'decoder',
): Promise<TaesdEncoderSession | TaesdDecoderSession> {
  const session = await runtime.createSession(model[which]);
  try {
    return which === 'encoder' ? new TaesdEncoderSession(session) : new TaesdDecoderSession(session);
  } catch (error) {
    await session.release();
    throw error;
  }
}

/** TAESD encoder behind the VAE encoder's API: pixels in [-1, 1] in, latents (scale 1) out. */
export class TaesdEncoderSession extends VaeEncoderSession {
  override async encode(pixels: Float32Array, dims: readonly number[]): Promise<VaeEncoderOutput> {
    const unit = new Float32Array(pixels.length);
    for (let i = 0; i < unit.length; i++) unit[i] = (pixels[i]! + 1) / 2;
    const out = await super.encode(unit, dims);
    const latents = out.kind === 'sample' ? out.sample : out.mean;
    // TAESD is deterministic: report it as a posterior with (almost) no
    // spread. The pipeline then still draws its posterior noise, so the seeded
    // noise stream is consumed exactly as with the full VAE, and a live result
    // and its full-VAE "Keep" start from the same initial noise.
    // exp(0.5 * -30) = 3e-7: far below what float32 latents of ~1 resolve.
    return { kind: 'parameters', mean: latents, logvar: new Float32Array(latents.length).fill(-30), dims: out.dims };
  }
}

/** TAESD decoder behind the VAE decoder's API: latents (scale 1) in, pixels in [-1, 1] out. */
export class TaesdDecoderSession extends VaeDecoderSession {
  override async decode(latents: Float32Array, dims: readonly number[]): Promise<FloatTensor> {
    const out = await super.decode(latents, dims);
    const data = out.data;
    for (let i = 0; i < data.length; i++) data[i] = data[i]! * 2 - 1;
    return out;
  }
}

/** TAESD sessions created on first use and kept, as an editor keeps its components. */
export interface LazyTaesd {
  vaeEncoder(): Promise<TaesdEncoderSession>;
  vaeDecoder(): Promise<TaesdDecoderSession>;
  release(): Promise<void>;
}

export function lazyTaesd(runtime: StippleRuntime, model: TaesdModel): LazyTaesd {
  const made = new Map<'encoder' | 'decoder', Promise<TaesdEncoderSession | TaesdDecoderSession>>();
  const get = (which: 'encoder' | 'decoder'): Promise<TaesdEncoderSession | TaesdDecoderSession> => {
    let session = made.get(which);
    if (!session) {
      session = createTaesdSession(runtime, model, which);
      made.set(which, session);
      // A failed creation is retried on the next run rather than cached.
      session.catch(() => {
        if (made.get(which) === session) made.delete(which);
      });
    }
    return session;
  };
  return {
    vaeEncoder: () => get('encoder') as Promise<TaesdEncoderSession>,
    vaeDecoder: () => get('decoder') as Promise<TaesdDecoderSession>,
    async release() {
      const all = [...made.values()];
      made.clear();
      await Promise.all(all.map((p) => p.then((s) => s.release()).catch(() => undefined)));
    },
  };
}
