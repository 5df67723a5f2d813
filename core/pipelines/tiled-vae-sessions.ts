/**
 * The VAE sessions of an edit, run tile by tile (`vae-tiling.ts`) when the
 * editor chose tiles: the same `encode` / `decode` calls every pipeline
 * already makes, so no pipeline knows whether its VAE is tiled.
 */
import { VaeDecoderSession, VaeEncoderSession, type FloatTensor, type VaeEncoderOutput } from '../runtime';
import type { Components } from './model-run';
import { needsTiles, tiledDecode, tiledEncode, type VaeTiling } from './vae-tiling';

/** A decoder that decodes latents larger than one tile in tiles. Shares (does not own) `inner`'s session. */
class TiledVaeDecoder extends VaeDecoderSession {
  constructor(
    inner: VaeDecoderSession,
    private readonly tiling: VaeTiling,
    private readonly f: number,
  ) {
    super(inner.session);
  }

  override async decode(latents: Float32Array, dims: readonly number[]): Promise<FloatTensor> {
    const whole = (t: { data: Float32Array; dims: readonly number[] }) => super.decode(t.data, t.dims);
    if (!needsTiles(dims[3]! * this.f, dims[2]! * this.f, this.tiling)) return whole({ data: latents, dims });
    const out = await tiledDecode(whole, { data: latents, dims }, this.f, this.tiling);
    return { data: out.data, dims: [...out.dims] };
  }

  override async release(): Promise<void> {}
}

/** An encoder that encodes images larger than one tile in tiles, blending mean and logvar (or the sample) as diffusers blends its moments. */
class TiledVaeEncoder extends VaeEncoderSession {
  constructor(
    inner: VaeEncoderSession,
    private readonly tiling: VaeTiling,
    private readonly f: number,
  ) {
    super(inner.session);
  }

  override async encode(pixels: Float32Array, dims: readonly number[]): Promise<VaeEncoderOutput> {
    if (!needsTiles(dims[3]!, dims[2]!, this.tiling)) return super.encode(pixels, dims);
    let kind = 'parameters' as VaeEncoderOutput['kind'];
    const tile = async (t: { data: Float32Array; dims: readonly number[] }) => {
      const out = await super.encode(t.data, t.dims);
      kind = out.kind;
      if (out.kind === 'sample') return { data: out.sample, dims: out.dims };
      const [, c, h, w] = out.dims as [number, number, number, number];
      const data = new Float32Array(2 * c * h * w);
      data.set(out.mean);
      data.set(out.logvar, c * h * w);
      return { data, dims: [1, 2 * c, h, w] };
    };
    const out = await tiledEncode(tile, { data: pixels, dims }, this.f, this.tiling);
    const [, c, h, w] = out.dims as [number, number, number, number];
    if (kind === 'sample') return { kind, sample: out.data, dims: [...out.dims] };
    const half = (c / 2) * h * w;
    return { kind, mean: out.data.slice(0, half), logvar: out.data.slice(half), dims: [1, c / 2, h, w] };
  }

  override async release(): Promise<void> {}
}

/** `components` with their VAE encoder and decoder run in tiles. */
export function tiledVae(components: Components, tiling: VaeTiling, vaeScaleFactor: number): Components {
  return {
    ...components,
    vaeEncoder: async () => new TiledVaeEncoder(await components.vaeEncoder(), tiling, vaeScaleFactor),
    vaeDecoder: async () => new TiledVaeDecoder(await components.vaeDecoder(), tiling, vaeScaleFactor),
  };
}
