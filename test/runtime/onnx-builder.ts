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
  inputs: string[];
  outputs: string[];
}

export interface TinyValue {
  name: string;
  elemType: number;
  /** `undefined`: no shape declared at all. */
  dims: (number | string)[] | undefined;
}

/** A ModelProto (IR 8, opset 17) with the given nodes, inputs and outputs. */
export function tinyModel(nodes: TinyNode[], inputs: TinyValue[], outputs: TinyValue[]): Uint8Array {
  const graph = bytes(
    7,
    ...nodes.map((n) => bytes(1, ...n.inputs.map((i) => str(1, i)), ...n.outputs.map((o) => str(2, o)), str(4, n.op))),
    str(2, 'tiny'),
    ...inputs.map((v) => valueInfo(11, v)),
    ...outputs.map((v) => valueInfo(12, v)),
  );
  return concat([int(1, 8), graph, bytes(8, str(1, ''), int(2, 17))]);
}
