/**
 * The part of Figma's Plugin API that Stipple's main code uses, and nothing
 * more. Member types come from `@figma/plugin-typings` (imported as a module,
 * so Figma's globals such as `figma` and its `fetch` never leak into the rest
 * of the project's type-check).
 *
 * Two checks keep this honest:
 * - `plugins/figma/code.ts` passes the real global `figma: PluginAPI` where a
 *   {@link FigmaApi} is expected, so every member here must exist in Figma with
 *   a compatible type;
 * - the test double (`test/figma/fake-figma.ts`) `implements FigmaApi`, so it
 *   offers exactly this surface with these signatures.
 *
 * Node shapes are deliberately loose (most members optional): a
 * `SceneNode` is a union of ~30 node types and the main code narrows at run
 * time (`'fills' in node`, `node.type`), as a plugin must.
 */
import type {
  ExportSettingsImage,
  Image,
  MessageEventHandler,
  NotificationHandler,
  NotificationOptions,
  Paint,
  Rect,
  ShowUIOptions,
  Transform,
  UIPostMessageOptions,
} from '@figma/plugin-typings/plugin-api-standalone';

export type { ExportSettingsImage, Image, ImagePaint, Paint, Rect, Transform } from '@figma/plugin-typings/plugin-api-standalone';

/** What every node has (documents, pages and scene nodes). */
export interface FigmaBaseNode {
  readonly id: string;
  readonly type: string;
  name: string;
  /** True once the node was deleted (a stale reference). */
  readonly removed: boolean;
  readonly parent: FigmaParentNode | null;
}

/** A node with children: the document, a page, a frame, a group, an instance, a boolean operation... */
export interface FigmaParentNode extends FigmaBaseNode {
  readonly children: ReadonlyArray<FigmaBaseNode>;
  insertChild(index: number, child: FigmaBaseNode): void;
  /** Frames only: auto layout moves children unless they are positioned absolutely. */
  readonly layoutMode?: string;
  /** Pages and documents have none. */
  readonly absoluteTransform?: Transform;
}

/** A layer on the canvas. */
export interface FigmaSceneNode extends FigmaBaseNode {
  readonly visible: boolean;
  readonly width: number;
  readonly height: number;
  /** Position, rotation and flips relative to the page (unit axes; size is `width` x `height`). */
  readonly absoluteTransform: Transform;
  /** Relative to the containing frame or page (groups and boolean operations are skipped). */
  readonly relativeTransform: Transform;
  /** Axis-aligned box of the node's geometry on the page (no strokes or effects); null for some invisible nodes. */
  readonly absoluteBoundingBox: Rect | null;
  /** Axis-aligned box of what is drawn, strokes and effects included; null when nothing is drawn. */
  readonly absoluteRenderBounds?: Rect | null;
  /** Degrees, -180..180. */
  readonly rotation?: number;
  /** `figma.mixed` (a symbol) on text with mixed fills. */
  readonly fills?: ReadonlyArray<Paint> | symbol;
  readonly children?: ReadonlyArray<FigmaSceneNode>;
  readonly layoutMode?: string;
  exportAsync?(settings: ExportSettingsImage): Promise<Uint8Array>;
}

/** The node a result is written to. */
export interface FigmaRectangleNode extends FigmaSceneNode {
  relativeTransform: Transform;
  fills: ReadonlyArray<Paint> | symbol;
  layoutPositioning: 'AUTO' | 'ABSOLUTE';
  resize(width: number, height: number): void;
  remove(): void;
}

export interface FigmaPageNode extends FigmaParentNode {
  /** The page's selection; assigning it selects nodes (not an undoable change). */
  selection: ReadonlyArray<FigmaSceneNode>;
}

/** The UI channel: messages to and from the plugin's iframe. */
export interface FigmaUiApi {
  postMessage(pluginMessage: unknown, options?: UIPostMessageOptions): void;
  /** Called with each message from the UI and where it came from (`props.origin`). */
  onmessage: MessageEventHandler | undefined;
}

/** What a `documentchange` event says about a deleted node. */
export interface FigmaRemovedNode {
  readonly removed: true;
  readonly type: string;
  readonly id: string;
}

/**
 * One entry of a `documentchange` event (Figma's `DocumentChange`): node
 * changes (`CREATE`, `DELETE`, `PROPERTY_CHANGE`) carry the node; style
 * changes (`STYLE_*`) carry none.
 */
export interface FigmaDocumentChange {
  readonly type: string;
  readonly id: string;
  readonly node?: FigmaSceneNode | FigmaRemovedNode;
}

/** Figma's `DocumentChangeEvent`: changes batched since the last event. */
export interface FigmaDocumentChangeEvent {
  readonly documentChanges: ReadonlyArray<FigmaDocumentChange>;
}

/** The subset of `PluginAPI` the main code uses. */
export interface FigmaApi {
  readonly currentPage: FigmaPageNode;
  readonly ui: FigmaUiApi;
  /** The only way to look a node up under `documentAccess: "dynamic-page"`. */
  getNodeByIdAsync(id: string): Promise<FigmaBaseNode | null>;
  getImageByHash(hash: string): Image | null;
  /** PNG, JPEG or GIF bytes, at most 4096 px a side; throws otherwise. */
  createImage(data: Uint8Array): Image;
  createRectangle(): FigmaRectangleNode;
  notify(message: string, options?: NotificationOptions): NotificationHandler;
  showUI(html: string, options?: ShowUIOptions): void;
  /** Closes the current undo step: everything changed since the last call is undone together. */
  commitUndo(): void;
  on(type: 'selectionchange', callback: () => void): void;
  /** Under `documentAccess: "dynamic-page"` Figma throws unless {@link loadAllPagesAsync} finished first. */
  on(type: 'documentchange', callback: (event: FigmaDocumentChangeEvent) => void): void;
  off(type: 'documentchange', callback: (event: FigmaDocumentChangeEvent) => void): void;
  /** Loads every page: required before listening to `documentchange` under `documentAccess: "dynamic-page"`. */
  loadAllPagesAsync(): Promise<void>;
}
