/**
 * The panel's side of an edit in Figma, without DOM: read the selection into
 * core's image + mask, and put a result back. PNG decoding and encoding come
 * from a {@link PixelCodec} (the browser's in the panel, pngjs in Node tests).
 *
 * @example
 * ```ts
 * const session = new FigmaSession(bridge, browserCodec());
 * const input = await session.read({ targetPixels: nativePixels(editor.repo) });
 * const result = await editor.edit('inpaint', { image: input.image, mask: input.mask!, prompt, seed: 42 });
 * await session.write(input, result.images[0]!, { operation: 'inpaint', seed: result.meta.params.seed });
 * ```
 */
import { isEmpty, resizeRgba, type Mask, type RgbaImage } from '../../core/image';
import type { Operation } from '../../core/pipelines/request';
import { exportSize, fitWithin, FIGMA_MAX_IMAGE_SIDE } from './geometry';
import type { SourcePayload } from './messages';
import { FigmaRequestError, type PanelLink } from './panel-bridge';
import { maskFromLayers, toLocalFrame, type LocalFrame } from './pixels';

/** Decodes and encodes PNGs. */
export interface PixelCodec {
  decode(png: Uint8Array): Promise<RgbaImage>;
  encode(image: RgbaImage): Promise<Uint8Array>;
}

/** The selection, ready for core. */
export interface FigmaInput {
  /** The source in its own frame, at the export's resolution. */
  image: RgbaImage;
  /** The mask layers in the source's frame (1 = repaint), or null without a mask. */
  mask: Mask | null;
  source: { id: string; name: string; width: number; height: number; scale: number };
  /** Edits this selection allows. */
  operations: Operation[];
  notices: string[];
}

export interface WriteInfo {
  operation: Operation;
  seed: number | null;
  /** 1-based, when a run made several variants. */
  variant?: number;
  variants?: number;
}

export class FigmaSession {
  constructor(
    readonly link: PanelLink,
    readonly codec: PixelCodec,
  ) {}

  /**
   * Reads the current selection. Rejects with a {@link FigmaRequestError}
   * when the selection cannot be edited (nothing selected, several images,
   * a mask outside the image...), with the designer's words in `message`.
   */
  async read(options: { targetPixels?: number; scale?: number } = {}): Promise<FigmaInput> {
    const payload = await this.link.readSelection(options);
    return this.decode(payload);
  }

  /** Turns the exported PNGs into the source's image and mask. */
  async decode(payload: SourcePayload): Promise<FigmaInput> {
    const s = payload.source;
    const exported = await this.codec.decode(s.png);
    // The frame's pixel grid: the layer's size at the export's actual scale.
    const sx = exported.width / s.box.width;
    const sy = exported.height / s.box.height;
    const size = exportSize({ width: s.width * sx, height: s.height * sy }, 1);
    const frame: LocalFrame = { transform: s.transform, width: s.width, height: s.height, pixelWidth: size.width, pixelHeight: size.height };
    const image = toLocalFrame({ image: exported, box: s.box }, frame);
    let mask: Mask | null = null;
    if (payload.masks.length > 0) {
      const layers = await Promise.all(payload.masks.map(async (m) => ({ image: await this.codec.decode(m.png), box: m.box })));
      const built = maskFromLayers(layers, frame);
      if (built.coverage === 0 || isEmpty(built.mask)) {
        const names = payload.masks.map((m) => `“${m.name}”`).join(', ');
        const text = `The mask ${names} does not cover any of “${s.name}”. Draw it over the area to change.`;
        this.link.emit('notify', { message: text, error: true });
        throw new FigmaRequestError('mask-outside', text);
      }
      mask = built.mask;
    }
    return {
      image,
      mask,
      source: { id: s.id, name: s.name, width: s.width, height: s.height, scale: s.scale },
      operations: payload.operations,
      notices: payload.notices,
    };
  }

  /**
   * Adds `result` over the source as a new layer. A result over Figma's
   * 4096 px limit is scaled down to fit (the layer keeps the source's size)
   * and the returned notices say so.
   */
  async write(input: Pick<FigmaInput, 'source'>, result: RgbaImage, info: WriteInfo): Promise<{ nodeId: string; name: string; notices: string[] }> {
    const notices: string[] = [];
    let image = result;
    const fit = fitWithin(result.width, result.height, FIGMA_MAX_IMAGE_SIDE);
    if (fit.scaled) {
      image = resizeRgba(result, fit.width, fit.height, 'lanczos');
      const text = `The result (${result.width}×${result.height} px) was scaled down to ${fit.width}×${fit.height} px: Figma images are at most ${FIGMA_MAX_IMAGE_SIDE} px a side.`;
      notices.push(text);
      this.link.emit('notify', { message: `Result scaled down to ${fit.width}×${fit.height} px (Figma's limit is ${FIGMA_MAX_IMAGE_SIDE} px).` });
    }
    const png = await this.codec.encode(image);
    const written = await this.link.writeResult({
      sourceId: input.source.id,
      png,
      operation: info.operation,
      seed: info.seed,
      ...(info.variant !== undefined && { variant: info.variant }),
      ...(info.variants !== undefined && { variants: info.variants }),
    });
    return { nodeId: written.nodeId, name: written.name, notices: [...notices, ...written.notices] };
  }
}
