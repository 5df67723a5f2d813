/**
 * Stipple's main code: runs in Figma's plugin sandbox (no DOM, no network,
 * no image decoder, no ONNX Runtime). It shows the panel, answers it, reads
 * the selection's pixels with `exportAsync`, and writes results back as new
 * layers. Inference and pixel work happen in the panel.
 *
 * Guarantees:
 * - messages are accepted only from the panel's origin (`props.origin`), and
 *   only in the shapes of `messages.ts`; anything else gets a notice and is
 *   ignored;
 * - reading never changes the document;
 * - a result is one new rectangle exactly over the source (same size,
 *   position and rotation, same parent, just above it), named after the edit
 *   and its seed, selected, and committed as one undo step. The source is
 *   never touched. A write that fails part-way removes what it created.
 */
import type { FigmaApi, FigmaBaseNode, FigmaParentNode, FigmaSceneNode, ImagePaint, Transform } from './api';
import { chooseExportScale, FIGMA_MAX_IMAGE_SIDE, pngSize, relativeTransformIn } from './geometry';
import {
  Channel,
  parsePanelMessage,
  PROTOCOL_VERSION,
  resultName,
  type FailureCode,
  type MainToPanel,
  type Message,
  type PanelToMain,
  type SourcePayload,
} from './messages';
import { analyzeSelection, drawnBox, imageFill, summarize } from './selection';
import { watchSelection } from './live-watch';
import { errorMessage } from '../../core/errors';

export interface StippleMainOptions {
  /** The panel's origin (scheme, host, port): the only sender the main code listens to. */
  panelOrigin: string;
  /** The UI's HTML: the bootstrap that sends the plugin iframe to the panel (the manifest's `ui`, i.e. `__html__`). */
  html: string;
  /** Panel size in px (default 380 x 680). */
  width?: number;
  height?: number;
}

/** The running main code. */
export interface StippleMain {
  /** Resolves once every message received so far has been handled (for tests). */
  settled(): Promise<void>;
}

/** Figma truncates notifications at 100 characters. */
const NOTIFY_MAX = 100;

/** Starts the plugin: shows the panel and handles its messages until the plugin closes. */
export function startStipple(figma: FigmaApi, options: StippleMainOptions): StippleMain {
  const origin = options.panelOrigin;
  const channel = new Channel<PanelToMain, MainToPanel>((msg) => figma.ui.postMessage(msg, { origin }));
  let panelReady = false;
  let work: Promise<void> = Promise.resolve();
  const queue = (task: () => Promise<void>): void => {
    work = work.then(task).catch((error: unknown) => {
      // Handlers report their own failures; this only catches bugs.
      console.error('Stipple:', error);
    });
  };

  const notify = (text: string, error = false): void => {
    figma.notify(text.length > NOTIFY_MAX ? `${text.slice(0, NOTIFY_MAX - 1)}…` : text, error ? { error: true } : undefined);
  };
  const fail = (requestId: number | null, code: FailureCode, text: string): void => {
    notify(text, true);
    channel.emit('failed', { requestId, code, message: text });
  };
  const selectionSummary = () => summarize(analyzeSelection(figma.currentPage.selection));

  figma.showUI(options.html, { width: options.width ?? 380, height: options.height ?? 680, title: 'Stipple', themeColors: true });

  figma.ui.onmessage = (raw: unknown, props: { origin: string }) => {
    if (props?.origin !== origin) {
      notify(`Stipple ignored a message from an unknown page (${String(props?.origin).slice(0, 40)}).`, true);
      return;
    }
    const msg = parsePanelMessage(raw);
    if (!msg) {
      notify('Stipple ignored a message it does not understand: reload the plugin.', true);
      return;
    }
    handle(msg);
  };

  figma.on('selectionchange', () => {
    if (panelReady) channel.emit('selection', selectionSummary());
  });
  const watch = watchSelection(figma, (revision) => channel.emit('changed', { revision }));

  function handle(msg: Message<PanelToMain>): void {
    switch (msg.type) {
      case 'ready':
        panelReady = true;
        if (msg.payload.version !== PROTOCOL_VERSION) {
          notify('The Stipple panel and plugin are different versions: reinstall the plugin.', true);
        }
        channel.emit('hello', { version: PROTOCOL_VERSION, selection: selectionSummary() });
        return;
      case 'notify':
        notify(msg.payload.message, msg.payload.error === true);
        return;
      case 'live':
        if (!msg.payload.on) watch.stop();
        else {
          queue(async () => {
            try {
              await watch.start();
            } catch (error) {
              fail(null, 'live-unavailable', `Live mode cannot follow the document: ${errorMessage(error)}`);
            }
          });
        }
        return;
      case 'read-selection': {
        const req = msg.payload;
        queue(async () => {
          const result = await readSelection(req);
          if ('code' in result) fail(req.requestId, result.code, result.message);
          else channel.emit('source', result);
        });
        return;
      }
      case 'write-result': {
        const req = msg.payload;
        queue(async () => {
          const result = await writeResult(req);
          if ('code' in result) fail(req.requestId, result.code, result.message);
          else {
            notify(`Added “${result.name}”.`);
            channel.emit('written', result);
          }
        });
        return;
      }
    }
  }

  type Failure = { code: FailureCode; message: string };

  async function readSelection(req: PanelToMain['read-selection']): Promise<SourcePayload | Failure> {
    const a = analyzeSelection(figma.currentPage.selection);
    if (!a.ok) return { code: a.problem, message: a.message };
    const src = a.source;
    const box = src.absoluteBoundingBox!;
    const s = chooseExportScale({
      width: src.width,
      height: src.height,
      box,
      scale: req.scale,
      targetPixels: req.targetPixels,
      density: await imageDensity(src),
    });
    const notices: string[] = [];
    if (s.limited) {
      notices.push(`“${src.name}” was read at ${round(s.scale)}× instead of ${round(s.wanted)}×: Figma exports at most ${FIGMA_MAX_IMAGE_SIDE} px a side.`);
    }
    let png: Uint8Array;
    try {
      // Absolute bounds: exactly the layer's box (a rotated layer's bounding box), strokes and shadows outside it left out.
      png = await src.exportAsync!({ format: 'PNG', useAbsoluteBounds: true, constraint: { type: 'SCALE', value: s.scale } });
    } catch (error) {
      return { code: 'export-failed', message: `Figma could not export “${src.name}”: ${errorMessage(error)}` };
    }
    const masks: SourcePayload['masks'] = [];
    for (const m of a.masks) {
      const mbox = drawnBox(m)!;
      const ms = Math.min(s.scale, Math.floor((FIGMA_MAX_IMAGE_SIDE / Math.max(mbox.width, mbox.height, 1e-9)) * 1000) / 1000);
      try {
        // Render bounds (the default): a pencil stroke's full width is part of the mask.
        const bytes = await m.exportAsync!({ format: 'PNG', constraint: { type: 'SCALE', value: Math.max(ms, 0.001) } });
        masks.push({ id: m.id, name: m.name, box: { ...mbox }, png: bytes });
      } catch (error) {
        return { code: 'export-failed', message: `Figma could not export the mask “${m.name}”: ${errorMessage(error)}` };
      }
    }
    const t = src.absoluteTransform;
    return {
      requestId: req.requestId,
      source: {
        id: src.id,
        name: src.name,
        width: src.width,
        height: src.height,
        transform: [[...t[0]], [...t[1]]],
        box: { x: box.x, y: box.y, width: box.width, height: box.height },
        png,
        scale: s.scale,
      },
      masks,
      operations: a.operations,
      notices,
    };
  }

  /** Pixels per Figma px of the image file in an image layer (so reading keeps its resolution), when it is simple to tell. */
  async function imageDensity(node: FigmaSceneNode): Promise<number | undefined> {
    const fill = imageFill(node);
    if (!fill || (fill.scaleMode !== 'FILL' && fill.scaleMode !== 'FIT')) return undefined;
    try {
      const size = await figma.getImageByHash(fill.hash)?.getSizeAsync();
      if (!size) return undefined;
      const fx = size.width / node.width;
      const fy = size.height / node.height;
      return fill.scaleMode === 'FILL' ? Math.max(fx, fy) : Math.min(fx, fy);
    } catch {
      return undefined;
    }
  }

  async function writeResult(req: PanelToMain['write-result']): Promise<MainToPanel['written'] | Failure> {
    const found = await figma.getNodeByIdAsync(req.sourceId);
    if (!found || found.removed || !isSceneNode(found)) {
      return { code: 'source-gone', message: 'The image that was edited is no longer in the document, so the result was not added.' };
    }
    const source = found;
    const size = pngSize(req.png);
    if (!size) return { code: 'bad-image', message: 'The result is not a PNG image, so it was not added.' };
    if (size.width > FIGMA_MAX_IMAGE_SIDE || size.height > FIGMA_MAX_IMAGE_SIDE) {
      return {
        code: 'too-large',
        message: `The result is ${size.width}×${size.height} px; Figma takes images of at most ${FIGMA_MAX_IMAGE_SIDE} px a side.`,
      };
    }
    const name = resultName(req.operation, req.seed, req.variant, req.variants);
    const place = placement(source);
    // Everything below is synchronous: one undo step, nothing half-done.
    let hash: string;
    try {
      hash = figma.createImage(req.png).hash;
    } catch (error) {
      return { code: 'bad-image', message: `Figma refused the result image: ${errorMessage(error)}` };
    }
    const rect = figma.createRectangle();
    try {
      rect.name = name;
      rect.resize(source.width, source.height);
      const fill: ImagePaint = { type: 'IMAGE', imageHash: hash, scaleMode: 'FILL' };
      rect.fills = [fill];
      place.parent.insertChild(place.index, rect);
      if (place.parent.layoutMode !== undefined && place.parent.layoutMode !== 'NONE') rect.layoutPositioning = 'ABSOLUTE';
      rect.relativeTransform = place.transform;
    } catch (error) {
      try {
        rect.remove();
      } catch {
        // already gone
      }
      return { code: 'write-failed', message: `Stipple could not add the result: ${errorMessage(error)}` };
    }
    figma.currentPage.selection = [rect];
    figma.commitUndo();
    const notices: string[] = [];
    if (place.parent.id !== source.parent?.id) notices.push(`The result was put next to “${place.anchorName}”, because “${source.name}” is inside it.`);
    return { requestId: req.requestId, nodeId: rect.id, name, notices };
  }

  return { settled: () => work };
}

/** Where a result goes: the source's parent, just above it, at its transform; out of instances and boolean operations, which cannot take a new child. */
export function placement(source: FigmaSceneNode): { parent: FigmaParentNode; index: number; transform: Transform; anchorName: string } {
  let anchor: FigmaBaseNode = source;
  for (let p = source.parent; p; p = p.parent) if (p.type === 'INSTANCE') anchor = p;
  while (anchor.parent && (anchor.parent.type === 'BOOLEAN_OPERATION' || anchor.parent.type === 'COMPONENT_SET')) anchor = anchor.parent;
  const parent = anchor.parent;
  if (!parent) throw new Error(`“${source.name}” is not on a page.`);
  const index = parent.children.findIndex((c) => c.id === anchor.id) + 1;
  const transform: Transform =
    anchor === source
      ? [[...source.relativeTransform[0]], [...source.relativeTransform[1]]]
      : relativeTransformIn(containerTransform(parent), source.absoluteTransform);
  return { parent, index, transform, anchorName: anchor.name };
}

/** The page transform of the frame (or page: null) that a child of `parent` is positioned in; groups and boolean operations are skipped, as Figma does. */
function containerTransform(parent: FigmaParentNode): Transform | null {
  for (let c: FigmaParentNode | null = parent; c; c = c.parent) {
    if (c.type === 'GROUP' || c.type === 'BOOLEAN_OPERATION') continue;
    return c.type === 'PAGE' || c.type === 'DOCUMENT' ? null : (c.absoluteTransform ?? null);
  }
  return null;
}

function isSceneNode(node: FigmaBaseNode): node is FigmaSceneNode {
  return node.type !== 'PAGE' && node.type !== 'DOCUMENT' && 'absoluteTransform' in node && 'width' in node;
}

function round(x: number): string {
  return String(Math.round(x * 100) / 100);
}
