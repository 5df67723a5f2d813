/**
 * The scripts Stipple sends to Photopea, and the escaping that keeps user
 * text (prompts, layer names) from becoming code.
 *
 * Photopea runs scripts against a Photoshop-like document model
 * (photopea.com/learn/scripts: "Photopea provides an interface similar to
 * Adobe's scripting interface", extended with `Document.saveToOE(format)`,
 * `App.open(url, as, asSmart)` and `app.echoToOE(string)`), and its engine
 * lacks many ES2015+ features, so every script here is ES5: `var`,
 * `function`, no arrows, template literals, classes or `let`/`const`
 * (test/photopea/script.test.ts parses each one and rejects ES2015 syntax).
 *
 * Results come back through `app.echoToOE` as strings that start with
 * {@link ECHO_PREFIX}, so anything else Photopea sends (pings, the echoes of
 * other plugins' scripts) is told apart and ignored.
 *
 * What the scripts rely on, and where it was checked:
 * - photopea.com/api/live: scripts as strings, `saveToOE` sends an
 *   ArrayBuffer then "done", `echoToOE` sends a string;
 * - photopea.com/learn/scripts: `App.open(url, as, asSmart)` "Set asSmart to
 *   true to paste an image into a current document as a smart object. `as`
 *   is ignored"; `Document.saveToOE("png")`;
 * - existing Photopea plugins (huchenlei/stable-diffusion-ps-pea,
 *   yankooliveira/sd-webui-photopea-embed): `selection.bounds` is null
 *   without a selection and its items are read with `.value`;
 *   `artLayers.add()`, `selection.invert()/fill(SolidColor)`,
 *   `layer.remove()`, `activeLayer` assignment, `layer.parent.typename`,
 *   `layer.move(target, ElementPlacement.*)`, and "deselect first,
 *   otherwise we are going to translate the selected area";
 * - assumed from Photoshop's DOM, used only when present (`"x" in obj`):
 *   `Document.suspendHistory(label, code)`, `Document.channels.add()`,
 *   `Selection.store/load`. Without them the scripts still work: more
 *   history steps, and the selection is dropped when a layer is placed.
 */

/** Start of every string Stipple's scripts echo back. */
export const ECHO_PREFIX = '\u0001stipple:';

/** Start of the message of errors Stipple's scripts throw on purpose (see {@link scriptFailure}). */
const FAIL_PREFIX = '\u0001';

/** Name of the temporary layer the selection is drawn into. */
export const TEMP_MASK_LAYER = 'Stipple selection (temporary)';

/**
 * `value` as a JavaScript string literal that evaluates to exactly `value`,
 * whatever it holds: quotes, backslashes, newlines, U+2028/U+2029 (line
 * terminators in ES5 string literals), `</script>` and `<!--` (`<` is
 * written `\u003c`). Lone surrogates are escaped by `JSON.stringify`.
 *
 * @example jsString('a "fox"\n') // '"a \\"fox\\"\\n"'
 */
export function jsString(value: string): string {
  if (typeof value !== 'string') throw new TypeError(`jsString takes a string (got ${typeof value}).`);
  return JSON.stringify(value)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
    .replace(/</g, '\\u003c');
}

/** `value` as a JavaScript number literal; throws for anything but a finite number. */
export function jsNumber(value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`jsNumber takes a finite number (got ${String(value)}).`);
  return Object.is(value, -0) ? '0' : String(value);
}

/**
 * Helpers every script starts with (ES5). `stpNum` accepts numbers and
 * Photoshop-style UnitValues (`{ value }`): Photopea's `selection.bounds` and
 * `layer.bounds` are read through `.value` by existing Photopea plugins
 * (e.g. huchenlei/stable-diffusion-ps-pea), document sizes are plain numbers.
 */
const PRELUDE = `var STP = ${jsString(ECHO_PREFIX)};
function stpEcho(kind, value) { app.echoToOE(STP + kind + ":" + JSON.stringify(value)); }
function stpNum(v) {
  if (typeof v === "number") return v;
  if (v !== null && typeof v === "object" && typeof v.value === "number") return v.value;
  return Number(v);
}
function stpRect(b) {
  if (!b) return null;
  var l = stpNum(b[0]), t = stpNum(b[1]);
  return { x: l, y: t, width: stpNum(b[2]) - l, height: stpNum(b[3]) - t };
}
function stpFail(code) { throw new Error(${jsString(FAIL_PREFIX)} + code); }
function stpDoc() { if (app.documents.length === 0) stpFail("NO_DOCUMENT"); return app.activeDocument; }
function stpEach(parent, fn) {
  var ls = parent.layers;
  for (var i = 0; i < ls.length; i++) { fn(ls[i]); if (ls[i].typename === "LayerSet") stpEach(ls[i], fn); }
}
function stpCount(d) { var n = 0; stpEach(d, function () { n++; }); return n; }
function stpError(e) {
  var m = e !== null && typeof e === "object" && "message" in e ? String(e.message) : String(e);
  app.echoToOE(STP + "error:" + JSON.stringify(m));
}
`;

/**
 * A complete script: the prelude, then `body` guarded so any error is
 * echoed (the reply then still ends with Photopea's "done").
 *
 * With `history`, the body runs through `Document.suspendHistory(label,
 * code)` when the document has it (Photoshop's way to make a script one
 * undo step), so the user undoes Stipple's work in one step. The code
 * string carries its own prelude: it may be evaluated in another scope.
 * Without `suspendHistory`, the body runs as is.
 */
function script(body: string, history?: string): string {
  const guarded = `try {\n${body}\n} catch (stpE) { stpError(stpE); }\n`;
  if (history === undefined) return PRELUDE + guarded;
  return (
    PRELUDE +
    `try {
var stpH = stpDoc();
if ("suspendHistory" in stpH) { stpH.suspendHistory(${jsString(history)}, ${jsString(PRELUDE + guarded)}); }
else {
${body}
}
} catch (stpE) { stpError(stpE); }
`
  );
}

/** What {@link infoScript} reports. */
export interface DocumentInfo {
  width: number;
  height: number;
  /** Bounds of the selection in document px (may reach outside the document), or null without one. */
  selection: { x: number; y: number; width: number; height: number } | null;
  /** Layers and groups, nested ones included. */
  layers: number;
  activeLayer: string | null;
  name: string;
}

/** Echoes `info`: {@link DocumentInfo}, or null when no document is open. */
export function infoScript(): string {
  return script(`if (app.documents.length === 0) { stpEcho("info", null); }
else {
  var d = app.activeDocument;
  var a = d.activeLayer;
  stpEcho("info", { width: stpNum(d.width), height: stpNum(d.height), selection: stpRect(d.selection.bounds),
    layers: stpCount(d), activeLayer: a ? String(a.name) : null, name: String(d.name) });
}`);
}

/**
 * Echoes `revision`: a cheap fingerprint of the active document (no pixels),
 * or null when none is open. Live mode polls it and reads pixels only when it
 * changed. `history` (count and name of the current history state) changes on
 * every stroke where Photopea's model has `historyStates`; without it, size,
 * selection, layers and the active layer still do. The states Stipple's own
 * reads leave (`Stipple: read …`, e.g. the selection export's temporary
 * layer) are not counted: otherwise every read would change the revision and
 * live mode would read and run forever.
 */
/** How the history states of Stipple's reads begin (see the `script` labels below). */
const READ_STATE_PREFIX = 'Stipple: read';

export function revisionScript(): string {
  return script(`if (app.documents.length === 0) { stpEcho("revision", null); }
else {
  var d = app.activeDocument;
  var h = null;
  try {
    var hs = d.historyStates, n = 0, last = "", at = String(d.activeHistoryState.name);
    for (var i = 0; i < hs.length; i++) { var nm = String(hs[i].name); if (nm.indexOf(${jsString(READ_STATE_PREFIX)}) !== 0) { n++; last = nm; } }
    h = n + ":" + (at.indexOf(${jsString(READ_STATE_PREFIX)}) === 0 ? last : at);
  } catch (stpNoHistory) { h = null; }
  var a = d.activeLayer;
  stpEcho("revision", { history: h, width: stpNum(d.width), height: stpNum(d.height), selection: stpRect(d.selection.bounds),
    layers: stpCount(d), activeLayer: a ? String(a.name) : null, name: String(d.name) });
}`);
}

/** Sends the whole document, as shown, as one PNG. */
export function exportDocumentScript(): string {
  return script(`stpDoc().saveToOE("png");`);
}

/**
 * Sends the active layer alone as a PNG (document-sized): every other layer
 * is hidden for the export, then every visibility is put back as it was.
 */
export function exportActiveLayerScript(): string {
  return script(
    `var d = stpDoc();
var a = d.activeLayer;
var all = [], vis = [], keep = [];
stpEach(d, function (l) { all.push(l); vis.push(l.visible); });
for (var p = a; p && p.typename !== "Document"; p = p.parent) keep.push(p);
try {
  for (var i = 0; i < all.length; i++) {
    var k = false;
    for (var j = 0; j < keep.length; j++) if (keep[j] === all[i]) k = true;
    if (all[i].visible !== k) all[i].visible = k;
  }
  d.saveToOE("png");
} finally {
  for (var r = 0; r < all.length; r++) if (all[r].visible !== vis[r]) all[r].visible = vis[r];
}`,
    'Stipple: read layer',
  );
}

/**
 * Sends the selection as a PNG mask (the temporary-layer trick): a new
 * layer at the top of the document is filled black outside the selection
 * and white inside (feathered edges blend), every other top-level layer is
 * hidden, the document is exported, and then everything is put back: the
 * visibilities, the selection (inverted twice), the active layer, and the
 * temporary layer is deleted. `finally` restores even when a step fails.
 *
 * Coverage = luminance x alpha of the PNG (see `maskFromSelectionPng`).
 * Fails with NO_SELECTION when nothing is selected.
 */
export function exportSelectionMaskScript(): string {
  return script(
    `var d = stpDoc();
if (!d.selection.bounds) stpFail("NO_SELECTION");
var prev = d.activeLayer;
var top = [], vis = [];
for (var i = 0; i < d.layers.length; i++) { top.push(d.layers[i]); vis.push(d.layers[i].visible); }
var tmp = null, inverted = false;
try {
  tmp = d.artLayers.add();
  tmp.name = ${jsString(TEMP_MASK_LAYER)};
  if (tmp.parent.typename !== "Document") tmp.move(d.layers[0], ElementPlacement.PLACEBEFORE);
  var black = new SolidColor(); black.rgb.red = 0; black.rgb.green = 0; black.rgb.blue = 0;
  var white = new SolidColor(); white.rgb.red = 255; white.rgb.green = 255; white.rgb.blue = 255;
  d.selection.invert(); inverted = true;
  d.selection.fill(black);
  d.selection.invert(); inverted = false;
  d.selection.fill(white);
  for (var h = 0; h < top.length; h++) if (top[h].visible) top[h].visible = false;
  d.saveToOE("png");
} finally {
  if (inverted) d.selection.invert();
  for (var r = 0; r < top.length; r++) if (top[r].visible !== vis[r]) top[r].visible = vis[r];
  if (tmp) tmp.remove();
  if (prev) d.activeLayer = prev;
}`,
    'Stipple: read selection',
  );
}

/**
 * Starts adding `dataUrl` (a PNG) as a new layer: `app.open(url, null,
 * true)` pastes an image into the current document as a smart object
 * (photopea.com/learn/scripts). Loading goes on after Photopea's "done", so
 * the caller polls with {@link placeLayerScript}. Echoes `open`:
 * `{ layers }`, the layer count before.
 */
export function openLayerScript(dataUrl: string): string {
  if (!/^data:image\/png;base64,[A-Za-z0-9+/]*={0,2}$/.test(dataUrl)) {
    throw new TypeError('openLayerScript takes a PNG data URL (data:image/png;base64,...).');
  }
  return script(`var d = stpDoc();
stpEcho("open", { layers: stpCount(d) });
app.open(${jsString(dataUrl)}, null, true);`);
}

/** Where and how to place the layer {@link openLayerScript} started. */
export interface PlaceLayer {
  /** Layer count before `app.open`: the new layer exists once the count is above it. */
  before: number;
  /** Top-left corner the layer moves to, document px. */
  x: number;
  y: number;
  /** Size of the image sent: the new layer's bounds must match it (nothing else is ever moved). */
  width: number;
  height: number;
  name: string;
  /**
   * The selection as a rectangle (document px), to select again where
   * channels are not scriptable; only for a selection that is exactly this
   * rectangle (see reselect.ts). Without it such a selection is dropped.
   */
  reselect?: { x: number; y: number; width: number; height: number } | null;
}

/** A rectangle as `Selection.select`'s corner points, as script source (`null` without one). */
function reselectPoints(r: PlaceLayer['reselect']): string {
  if (!r) return 'null';
  const [x0, y0, x1, y1] = [r.x, r.y, r.x + r.width, r.y + r.height].map(jsNumber);
  return `[[${x0}, ${y0}], [${x1}, ${y0}], [${x1}, ${y1}], [${x0}, ${y1}]]`;
}

/**
 * Polls for the layer {@link openLayerScript} adds and, once it exists,
 * moves it to (x, y) and names it, as one history step where Photopea
 * allows it. Echoes `place`: `{ loaded: false }` while it is still loading;
 * `{ loaded: true, bounds, selectionKept }` once placed.
 *
 * The new layer is the active one (Photopea activates what it pastes); it
 * is moved only when its size is the size of the image sent, so no
 * existing layer is ever moved by mistake. A selection would make
 * `translate` move only the selected pixels (as stable-diffusion-ps-pea
 * notes), so it is stored in a temporary channel, dropped for the move and
 * loaded back; where channels are not scriptable, a rectangular selection
 * (`reselect`) is selected again and any other is dropped
 * (`selectionKept: false`).
 */
export function placeLayerScript(p: PlaceLayer): string {
  const body = `var l = d.activeLayer;
var lb = stpRect(l.bounds);
if (l.typename !== "ArtLayer" || !lb || lb.width !== ${jsNumber(p.width)} || lb.height !== ${jsNumber(p.height)}) stpFail("NEW_LAYER_NOT_FOUND");
var kept = true, ch = null, rect = null;
if (d.selection.bounds) {
  if ("channels" in d && "store" in d.selection) { ch = d.channels.add(); d.selection.store(ch); }
  else if (${p.reselect ? 'true' : 'false'} && "select" in d.selection) { rect = ${reselectPoints(p.reselect)}; }
  else { kept = false; }
  d.selection.deselect();
}
try {
  l.translate(${jsNumber(p.x)} - lb.x, ${jsNumber(p.y)} - lb.y);
  l.name = ${jsString(p.name)};
} finally {
  if (ch) { d.selection.load(ch); ch.remove(); }
  else if (rect) { d.selection.select(rect); }
}
stpEcho("place", { loaded: true, bounds: stpRect(l.bounds), selectionKept: kept });`;
  return script(`var d = stpDoc();
if (stpCount(d) <= ${jsNumber(p.before)}) { stpEcho("place", { loaded: false }); }
else if ("suspendHistory" in d) { d.suspendHistory(${jsString('Stipple: ' + p.name)}, ${jsString(PRELUDE + 'try {\nvar d = stpDoc();\n' + body + '\n} catch (stpE) { stpError(stpE); }\n')}); }
else {
${body}
}`);
}

/** The values a script echoed, by kind, in order; strings without {@link ECHO_PREFIX} are ignored. */
export function parseEchoes(strings: readonly string[]): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const s of strings) {
    if (typeof s !== 'string' || !s.startsWith(ECHO_PREFIX)) continue;
    const rest = s.slice(ECHO_PREFIX.length);
    const colon = rest.indexOf(':');
    if (colon < 1) continue;
    let value: unknown;
    try {
      value = JSON.parse(rest.slice(colon + 1));
    } catch {
      continue;
    }
    const kind = rest.slice(0, colon);
    const list = out.get(kind) ?? [];
    list.push(value);
    out.set(kind, list);
  }
  return out;
}

/**
 * The failure a script echoed, if any: `code` for the ones Stipple's
 * scripts raise on purpose (NO_DOCUMENT, NO_SELECTION, NEW_LAYER_NOT_FOUND),
 * else null with Photopea's own message.
 */
export function scriptFailure(echoes: Map<string, unknown[]>): { code: string | null; message: string } | null {
  const e = echoes.get('error')?.[0];
  if (e === undefined) return null;
  const message = String(e);
  if (message.startsWith(FAIL_PREFIX)) return { code: message.slice(FAIL_PREFIX.length), message };
  return { code: null, message };
}
