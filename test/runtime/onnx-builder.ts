/**
 * Writes tiny ONNX models by hand (protobuf wire format), for graphs the
 * fixtures do not cover (e.g. float16 I/O). Not a test file itself.
 */
type Part = Uint8Array | number[];

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function concat(parts: Part[]): Uint8Array {
  const len = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const enc = new TextEncoder();
const int = (no: number, v: number): number[] => [...varint(no * 8), ...varint(v)];
const bytes = (no: number, ...parts: Part[]): Uint8Array => {
  const body = concat(parts);
  return concat([varint(no * 8 + 2), varint(body.length), body]);
};
const str = (no: number, s: string): Uint8Array => bytes(no, enc.encode(s));

/** ONNX elem types. */
export const FLOAT = 1;
export const FLOAT16 = 10;
export const INT64 = 7;

/** ValueInfoProto with a tensor type; dims are numbers or symbolic names. */
function valueInfo(field: number, { name, elemType, dims }: TinyValue): Uint8Array {
  const shape = dims && bytes(2, ...dims.map((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d))));
  return bytes(field, str(1, name), bytes(2, bytes(1, int(1, elemType), ...(shape ? [shape] : []))));
}

export interface TinyNode {
  op: string;
  /** `''` for an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes?: TinyAttribute[];
}

/** A node attribute: a list of ints (INTS) or a string (STRING). */
export type TinyAttribute = { name: string; ints: number[] } | { name: string; s: string };

/** A float32 constant (graph initializer). */
export interface TinyInitializer {
  name: string;
  dims: number[];
  data: Float32Array;
}

function attribute(a: TinyAttribute): Uint8Array {
  // AttributeProto: name 1, s 4, ints 8, type 20 (STRING 3, INTS 7).
  return 'ints' in a
    ? bytes(5, str(1, a.name), ...a.ints.map((v) => int(8, v)), int(20, 7))
    : bytes(5, str(1, a.name), str(4, a.s), int(20, 3));
}

function initializer(t: TinyInitializer): Uint8Array {
  // TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian float32).
  const raw = new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
  return bytes(5, ...t.dims.map((d) => int(1, d)), int(2, FLOAT), str(8, t.name), bytes(9, raw));
}

export interface TinyValue {
  name: string;
  elemType: number;
  /** `undefined`: no shape declared at all. */
  dims: (number | string)[] | undefined;
}

/** A ModelProto (IR 8, opset 17) with the given nodes, inputs and outputs. */
export function tinyModel(
  nodes: TinyNode[],
  inputs: TinyValue[],
  outputs: TinyValue[],
  initializers: TinyInitializer[] = [],
): Uint8Array {
  const graph = bytes(
    7,
    ...nodes.map((n) =>
      bytes(1, ...n.inputs.map((i) => str(1, i)), ...n.outputs.map((o) => str(2, o)), str(4, n.op), ...(n.attributes ?? []).map(attribute)),
    ),
    str(2, 'tiny'),
    ...initializers.map(initializer),
    ...inputs.map((v) => valueInfo(11, v)),
    ...outputs.map((v) => valueInfo(12, v)),
  );
  return concat([int(1, 8), graph, bytes(8, str(1, ''), int(2, 17))]);
}
