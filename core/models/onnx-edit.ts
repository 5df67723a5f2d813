/**
 * Load-time editing of an ONNX graph: read a `ModelProto`'s nodes, replace
 * some, add small initializers, and write the model back.
 *
 * Why: some graphs need a rewrite to run on a given backend (e.g. attention
 * split into slices so it fits the wasm32 heap, see
 * `runtime/sliced-attention.ts`), and the repo's files must stay as published
 * (they are cached and hash-checked). Everything not edited is copied byte for
 * byte: weights, value infos, metadata and unchanged nodes keep their exact
 * encoding, so a rewrite costs one pass over the graph's framing and one copy
 * of the (small, weights-external) graph bytes.
 *
 * Browser-safe: no Node APIs in this file.
 */
import { fields, ProtoError, type ProtoField as Field } from './onnx-proto';

/** A node attribute, kept as its encoded `AttributeProto` (copied as is when the node is rewritten). */
export interface OnnxAttribute {
  readonly name: string;
  /** The encoded `AttributeProto` body. */
  readonly bytes: Uint8Array;
}

/** A graph node. Nodes read from a model keep their encoding in `raw` until replaced. */
export interface OnnxNode {
  readonly opType: string;
  /** Operator domain; `''` is the default `ai.onnx`. */
  readonly domain: string;
  readonly name: string;
  /** Input value names; `''` marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly OnnxAttribute[];
  /** The node's original `NodeProto` bytes; absent for new nodes. */
  readonly raw?: Uint8Array;
}

/** An int64 constant to add to the graph as an initializer. */
export interface Int64Initializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly values: readonly number[];
}

/** A model opened for editing: change `nodes`, add `initializers`, then {@link encodeModel}. */
export interface EditableModel {
  /** The graph's nodes in file order; replace the array (or its items) to edit. */
  nodes: OnnxNode[];
  /** Initializers to add (the model's own are kept as they are). */
  readonly addedInitializers: Int64Initializer[];
  /** `ai.onnx` opset version the model imports. */
  readonly opsetVersion: number | undefined;
  /** Names of the model's own initializers (constant inputs). */
  readonly initializerNames: ReadonlySet<string>;
  /** Scalar float constants (initializers of one element and `Constant` node values), by value name. */
  readonly scalarConstants: ReadonlyMap<string, number>;
  /** Names of the graph's outputs. */
  readonly outputNames: ReadonlySet<string>;
  /** Rewrites of the model's own initializers (encoded `TensorProto`s), by name: see {@link splitExternalData}. */
  readonly replacedInitializers: Map<string, Uint8Array>;
  /** Top-level and graph fields kept verbatim. */
  readonly bytes: Uint8Array;
  readonly graph: Field;
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();
const text = (buf: Uint8Array, f: Field): string => utf8Decoder.decode(buf.subarray(f.start, f.end));

/**
 * Opens an ONNX model for editing.
 *
 * @throws {ProtoError} when the bytes are not a well-formed ModelProto (the
 *   loader has already checked them with `inspectOnnxModel` by then).
 */
export function openModel(bytes: Uint8Array): EditableModel {
  let graph: Field | undefined;
  let opsetVersion: number | undefined;
  for (const f of fields(bytes, 0, bytes.length)) {
    if (f.no === 7 && f.wire === 2) graph = f;
    if (f.no === 8 && f.wire === 2) {
      let domain = '';
      let version: number | undefined;
      for (const op of fields(bytes, f.start, f.end)) {
        if (op.no === 1 && op.wire === 2) domain = text(bytes, op);
        if (op.no === 2 && op.wire === 0) version = op.value;
      }
      if (domain === '' || domain === 'ai.onnx') opsetVersion = version;
    }
  }
  if (!graph) throw new ProtoError('the file has no graph');
  const nodes: OnnxNode[] = [];
  const initializerNames = new Set<string>();
  const scalarConstants = new Map<string, number>();
  const outputNames = new Set<string>();
  for (const f of fields(bytes, graph.start, graph.end)) {
    if (f.wire !== 2) continue;
    if (f.no === 12) {
      for (const vf of fields(bytes, f.start, f.end)) if (vf.no === 1 && vf.wire === 2) outputNames.add(text(bytes, vf));
    } else if (f.no === 1) {
      const node = readNode(bytes, f);
      nodes.push(node);
      if (node.opType === 'Constant' && node.domain === '' && node.outputs[0]) {
        const value = node.attributes.find((a) => a.name === 'value');
        const scalar = value && tensorScalar(attributeTensor(value.bytes));
        if (scalar !== undefined) scalarConstants.set(node.outputs[0], scalar);
      }
    } else if (f.no === 5) {
      const t = bytes.subarray(f.start, f.end);
      const name = tensorName(t);
      initializerNames.add(name);
      const scalar = tensorScalar(t);
      if (scalar !== undefined) scalarConstants.set(name, scalar);
    }
  }
  return { nodes, addedInitializers: [], replacedInitializers: new Map(), opsetVersion, initializerNames, scalarConstants, outputNames, bytes, graph };
}

function readNode(buf: Uint8Array, f: Field): OnnxNode {
  let opType = '';
  let domain = '';
  let name = '';
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes: OnnxAttribute[] = [];
  for (const nf of fields(buf, f.start, f.end)) {
    if (nf.wire !== 2) continue;
    if (nf.no === 1) inputs.push(text(buf, nf));
    else if (nf.no === 2) outputs.push(text(buf, nf));
    else if (nf.no === 3) name = text(buf, nf);
    else if (nf.no === 4) opType = text(buf, nf);
    else if (nf.no === 7) domain = text(buf, nf);
    else if (nf.no === 5) {
      const body = buf.subarray(nf.start, nf.end);
      let attrName = '';
      for (const af of fields(body, 0, body.length)) if (af.no === 1 && af.wire === 2) attrName = text(body, af);
      attributes.push({ name: attrName, bytes: body });
    }
  }
  return { opType, domain: domain === 'ai.onnx' ? '' : domain, name, inputs, outputs, attributes, raw: buf.subarray(f.start, f.end) };
}

/** The `i` value of an INT attribute, if `node` has one called `name`. */
export function intAttribute(node: OnnxNode, name: string): number | undefined {
  const a = node.attributes.find((x) => x.name === name);
  if (!a) return undefined;
  for (const f of fields(a.bytes, 0, a.bytes.length)) if (f.no === 3 && f.wire === 0) return int64At(a.bytes, f);
  return undefined;
}

/**
 * A varint field as a signed int64, exactly. (The shared reader returns a
 * double, in which -1's ten-byte encoding, 2^64 - 1, rounds to 2^64 and wraps
 * to 0, and attributes like `axis: -1` are common.)
 */
function int64At(buf: Uint8Array, f: Field): number {
  let v = 0n;
  for (let pos = f.end - 1; pos >= f.start; pos--) v = (v << 7n) | BigInt(buf[pos]! & 0x7f);
  return Number(BigInt.asIntN(64, v));
}

/** The value of a TENSOR attribute holding one float32 (e.g. `ConstantOfShape`'s `value`), if `node` has one called `name`. */
export function scalarAttribute(node: OnnxNode, name: string): number | undefined {
  const a = node.attributes.find((x) => x.name === name);
  return a && tensorScalar(attributeTensor(a.bytes));
}

/**
 * Drops nodes whose outputs nothing reads (after a rewrite orphaned them),
 * repeatedly, so the runtime does not compute them. Graph outputs are kept.
 */
export function removeDeadNodes(model: EditableModel): number {
  const before = model.nodes.length;
  for (;;) {
    const used = new Set<string>(model.outputNames);
    for (const n of model.nodes) for (const i of n.inputs) used.add(i);
    const live = model.nodes.filter((n) => n.outputs.some((o) => o !== '' && used.has(o)));
    if (live.length === model.nodes.length) return before - live.length;
    model.nodes = live;
  }
}

/** An INT or INTS attribute, encoded. */
export function intsAttribute(name: string, values: number | readonly number[]): OnnxAttribute {
  const w = new Writer();
  w.string(1, name);
  if (typeof values === 'number') {
    w.varintField(3, values);
    w.varintField(20, 2); // AttributeType.INT
  } else {
    for (const v of values) w.varintField(8, v);
    w.varintField(20, 7); // AttributeType.INTS
  }
  return { name, bytes: w.finish() };
}

function attributeTensor(attr: Uint8Array): Uint8Array | undefined {
  for (const f of fields(attr, 0, attr.length)) if (f.no === 5 && f.wire === 2) return attr.subarray(f.start, f.end);
  return undefined;
}

function tensorName(t: Uint8Array): string {
  for (const f of fields(t, 0, t.length)) if (f.no === 8 && f.wire === 2) return text(t, f);
  return '';
}

/** The value of a one-element float32 tensor stored inline, else undefined. */
function tensorScalar(t: Uint8Array | undefined): number | undefined {
  if (!t) return undefined;
  let type = 0;
  let count = 1;
  let value: number | undefined;
  for (const f of fields(t, 0, t.length)) {
    if (f.no === 1 && f.wire === 0) count *= f.value;
    else if (f.no === 1 && f.wire === 2) return undefined; // packed dims: only rank <= 1 scalars are looked for
    else if (f.no === 2 && f.wire === 0) type = f.value;
    else if (f.no === 9 && f.wire === 2 && f.end - f.start === 4) value = new DataView(t.buffer, t.byteOffset + f.start, 4).getFloat32(0, true);
    else if (f.no === 4 && f.wire === 5) value = new DataView(t.buffer, t.byteOffset + f.start, 4).getFloat32(0, true);
    else if (f.no === 4 && f.wire === 2 && f.end - f.start === 4) value = new DataView(t.buffer, t.byteOffset + f.start, 4).getFloat32(0, true);
  }
  return type === 1 && count === 1 ? value : undefined;
}

/** Writes the edited model: original fields verbatim, the graph's nodes from `model.nodes`, added initializers last. */
export function encodeModel(model: EditableModel): Uint8Array {
  const { bytes, graph } = model;
  const g = new Writer();
  let nodesWritten = false;
  for (const f of fields(bytes, graph.start, graph.end)) {
    if (f.no === 1 && f.wire === 2) {
      // All nodes go where the first one was; the rest of the graph keeps its order.
      if (!nodesWritten) for (const node of model.nodes) g.message(1, node.raw ?? encodeNode(node));
      nodesWritten = true;
      continue;
    }
    const replacement = f.no === 5 && f.wire === 2 ? model.replacedInitializers.get(tensorName(bytes.subarray(f.start, f.end))) : undefined;
    if (replacement) g.message(5, replacement);
    else g.raw(bytes.subarray(f.tagStart, f.end));
  }
  if (!nodesWritten) for (const node of model.nodes) g.message(1, node.raw ?? encodeNode(node));
  for (const t of model.addedInitializers) g.message(5, encodeInt64Tensor(t));
  const graphBytes = g.finish();

  const m = new Writer();
  for (const f of fields(bytes, 0, bytes.length)) {
    if (f.no === 7 && f.wire === 2) m.message(7, graphBytes);
    else m.raw(bytes.subarray(f.tagStart, f.end));
  }
  return m.finish();
}

function encodeNode(node: OnnxNode): Uint8Array {
  const w = new Writer();
  for (const i of node.inputs) w.string(1, i);
  for (const o of node.outputs) w.string(2, o);
  if (node.name) w.string(3, node.name);
  w.string(4, node.opType);
  for (const a of node.attributes) w.message(5, a.bytes);
  if (node.domain) w.string(7, node.domain);
  return w.finish();
}

function encodeInt64Tensor(t: Int64Initializer): Uint8Array {
  const w = new Writer();
  for (const d of t.dims) w.varintField(1, d);
  w.varintField(2, 7); // TensorProto.DataType.INT64
  const packed = new Writer();
  for (const v of t.values) packed.varint(v);
  w.message(7, packed.finish());
  w.string(8, t.name);
  return w.finish();
}

/** Protobuf writer: collects parts (views of the source are not copied until {@link finish}). */
class Writer {
  readonly #parts: Uint8Array[] = [];
  #scratch: number[] = [];

  varint(n: number): void {
    // Two's complement for negative int64 values (10 bytes), as protobuf does.
    let v = n < 0 ? BigInt.asUintN(64, BigInt(n)) : BigInt(n);
    while (v >= 0x80n) {
      this.#scratch.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#scratch.push(Number(v));
  }
  #flush(): void {
    if (this.#scratch.length === 0) return;
    this.#parts.push(Uint8Array.from(this.#scratch));
    this.#scratch = [];
  }
  varintField(no: number, value: number): void {
    this.varint(no * 8);
    this.varint(value);
  }
  message(no: number, body: Uint8Array): void {
    this.varint(no * 8 + 2);
    this.varint(body.length);
    this.raw(body);
  }
  string(no: number, s: string): void {
    this.message(no, utf8Encoder.encode(s));
  }
  raw(bytes: Uint8Array): void {
    this.#flush();
    this.#parts.push(bytes);
  }
  finish(): Uint8Array {
    this.#flush();
    const out = new Uint8Array(this.#parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** One piece of an external-data file after {@link splitExternalData}: bytes `[start, end)` of the original, stored as `location`. */
export interface ExternalDataPart {
  readonly location: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Points the initializers stored in external-data file `location` at
 * several smaller pieces of it (`<location>.part0`, `.part1`, ...), each at
 * most `maxPartBytes` (unless one tensor is larger), cut between tensors.
 *
 * Why: Chromium limits one ArrayBuffer to about 2 GB, and ONNX Runtime Web
 * reads each external-data file into one; a full-size SD 1.5 UNet keeps
 * 3.44 GB in `model.onnx_data`. The pieces are byte ranges of the original
 * file (e.g. `Blob.slice` of a cached file), so nothing is copied or stored twice.
 *
 * @returns the edited model and the pieces, or `undefined` when the file needs no splitting.
 */
export function splitExternalData(
  model: Uint8Array,
  location: string,
  maxPartBytes: number,
): { model: Uint8Array; parts: ExternalDataPart[] } | undefined {
  const m = openModel(model);
  const tensors: { name: string; body: Uint8Array; offset: number; length: number }[] = [];
  for (const f of fields(m.bytes, m.graph.start, m.graph.end)) {
    if (f.no !== 5 || f.wire !== 2) continue;
    const body = m.bytes.subarray(f.start, f.end);
    const ext = externalData(body);
    if (ext.get('location') === location) tensors.push({ name: tensorName(body), body, offset: Number(ext.get('offset') ?? 0), length: Number(ext.get('length') ?? NaN) });
  }
  if (tensors.some((t) => !Number.isFinite(t.length))) return undefined; // lengths are needed to cut between tensors
  tensors.sort((a, b) => a.offset - b.offset);
  const end = tensors.reduce((n, t) => Math.max(n, t.offset + t.length), 0);
  if (end <= maxPartBytes) return undefined;
  const parts: { location: string; start: number; end: number }[] = [];
  for (const t of tensors) {
    let part = parts[parts.length - 1];
    if (!part || t.offset + t.length - part.start > maxPartBytes) {
      part = { location: `${location}.part${parts.length}`, start: t.offset, end: t.offset };
      parts.push(part);
    }
    part.end = t.offset + t.length;
    m.replacedInitializers.set(t.name, withExternalData(t.body, part.location, t.offset - part.start));
  }
  return { model: encodeModel(m), parts };
}

function externalData(tensor: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of fields(tensor, 0, tensor.length)) {
    if (f.no !== 13 || f.wire !== 2) continue;
    let key = '';
    let value = '';
    for (const kv of fields(tensor, f.start, f.end)) {
      if (kv.no === 1 && kv.wire === 2) key = text(tensor, kv);
      if (kv.no === 2 && kv.wire === 2) value = text(tensor, kv);
    }
    out.set(key, value);
  }
  return out;
}

/** `tensor` with its external-data `location` and `offset` replaced (other fields kept). */
function withExternalData(tensor: Uint8Array, location: string, offset: number): Uint8Array {
  const w = new Writer();
  const entry = (key: string, value: string): void => {
    const kv = new Writer();
    kv.string(1, key);
    kv.string(2, value);
    w.message(13, kv.finish());
  };
  let offsetWritten = false;
  for (const f of fields(tensor, 0, tensor.length)) {
    if (f.no !== 13 || f.wire !== 2) {
      w.raw(tensor.subarray(f.tagStart, f.end));
      continue;
    }
    const key = externalData(tensor.subarray(f.tagStart, f.end)).keys().next().value;
    const value = key === 'location' ? location : key === 'offset' ? String(offset) : undefined;
    if (value === undefined) w.raw(tensor.subarray(f.tagStart, f.end));
    else entry(key!, value);
    offsetWritten ||= key === 'offset';
  }
  if (!offsetWritten && offset !== 0) entry('offset', String(offset));
  return w.finish();
}
