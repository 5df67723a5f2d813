/**
 * Sliced attention: a load-time rewrite of an ONNX graph's attention so that
 * the `[batch x heads, queries, keys]` score matrix never exists whole.
 *
 * Why: in ONNX Runtime's wasm32 build every instance has one 4 GiB heap. The
 * SD 1.5 UNet's weights take 3.44 GB of it, and at 64x64 latents one
 * self-attention score matrix is 8 heads x 4096 x 4096 floats = 512 MB per
 * image (exports from `torch.onnx` add a zero bias of the same size, and the
 * softmax writes another): a 512 px step cannot run. Splitting the queries
 * into slices and running scores -> softmax -> values per slice computes the
 * same numbers (every query row of attention is independent; diffusers'
 * `enable_attention_slicing` does the same in PyTorch) with only one slice's
 * scores alive at a time. Only standard ONNX ops are used (Shape, Gather,
 * Slice, MatMul, Softmax, Concat), so the rewritten graph runs on every
 * backend.
 *
 * The pattern rewritten is the one `torch.onnx` exports for
 * `scaled_dot_product_attention` and diffusers' attention processors:
 *
 * ```
 * MatMul(Q, Kt) -> [Mul|Div by a scalar] -> [Add of an all-zero bias] -> Softmax(axis -1) -> [Cast] -> MatMul(., V)
 * ```
 *
 * A zero bias (`ConstantOfShape(0)`, possibly times a scalar) is dropped
 * (adding +0 changes no value); any other bias leaves that attention as it is.
 *
 * Browser-safe: no Node APIs in this file.
 */
import {
  encodeModel,
  intAttribute,
  intsAttribute,
  openModel,
  removeDeadNodes,
  scalarAttribute,
  type EditableModel,
  type OnnxNode,
} from '../models/onnx-edit';

/** What {@link sliceAttention} did. */
export interface SlicedAttention {
  /** The rewritten model (the input bytes when nothing was rewritten). */
  readonly model: Uint8Array;
  /** Attention blocks rewritten. */
  readonly rewritten: number;
  /** Softmax nodes left as they were (pattern not recognised). */
  readonly skipped: number;
  /** Query slices per attention. */
  readonly slices: number;
}

/** Largest int64, as Slice's "to the end". */
const TO_END = Number.MAX_SAFE_INTEGER;

/**
 * Rewrites every recognised attention in `model` (ONNX bytes) to run in
 * `slices` query slices. The numbers computed are the same; peak memory of
 * one attention drops to about `1 / slices` of the full score matrix.
 *
 * @param slices query slices per attention (>= 2). The slice length is
 *   `ceil(queries / slices)`, computed in the graph, so one rewritten model
 *   serves every image size.
 */
export function sliceAttention(model: Uint8Array, slices: number): SlicedAttention {
  if (!Number.isInteger(slices) || slices < 2) throw new RangeError(`slices must be an integer >= 2 (got ${slices})`);
  const m = openModel(model);
  // Softmax's axis means "the last axis" only from opset 13 (before, it flattened to 2-D).
  if ((m.opsetVersion ?? 0) < 13) return { model, rewritten: 0, skipped: 0, slices };
  const producer = new Map<string, OnnxNode>();
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of m.nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  const only = (value: string): OnnxNode | undefined => {
    const c = consumers.get(value);
    return c?.length === 1 && !m.outputNames.has(value) ? c[0] : undefined;
  };
  const constant = new Const(m);
  const replaced = new Map<OnnxNode, OnnxNode[]>();
  const removed = new Set<OnnxNode>();
  let rewritten = 0;
  let skipped = 0;
  for (const softmax of m.nodes) {
    if (softmax.opType !== 'Softmax' || softmax.domain !== '') continue;
    const match = matchAttention(m, softmax, producer, only);
    if (!match) {
      skipped++;
      continue;
    }
    const { chain } = match;
    for (const n of chain) removed.add(n);
    replaced.set(match.values, slicedNodes(match, softmax, slices, constant, rewritten));
    rewritten++;
  }
  if (rewritten === 0) return { model, rewritten, skipped, slices };
  m.nodes = m.nodes.flatMap((n) => replaced.get(n) ?? (removed.has(n) ? [] : [n]));
  removeDeadNodes(m);
  return { model: encodeModel(m), rewritten, skipped, slices };
}

interface AttentionMatch {
  /** `MatMul(Q, Kt)`. */
  scores: OnnxNode;
  /** Row-wise ops between the two MatMuls, kept per slice (scale, Softmax, Cast), with the input the scores flow through. */
  rowOps: { node: OnnxNode; dataAt: number }[];
  /** `MatMul(P, V)`. */
  values: OnnxNode;
  /** Every node the sliced version replaces. */
  chain: OnnxNode[];
}

function matchAttention(
  m: EditableModel,
  softmax: OnnxNode,
  producer: ReadonlyMap<string, OnnxNode>,
  only: (value: string) => OnnxNode | undefined,
): AttentionMatch | undefined {
  const axis = intAttribute(softmax, 'axis') ?? -1;
  if (axis !== -1) return undefined;
  const before: { node: OnnxNode; dataAt: number }[] = [];
  let cursor = softmax.inputs[0] ?? '';
  let scores: OnnxNode | undefined;
  for (let hops = 0; hops < 4 && !scores; hops++) {
    const p = producer.get(cursor);
    if (!p || p.domain !== '' || only(cursor) === undefined) return undefined;
    if (p.opType === 'MatMul') scores = p;
    else if ((p.opType === 'Mul' || p.opType === 'Div') && m.scalarConstants.has(p.inputs[1] ?? '')) {
      before.unshift({ node: p, dataAt: 0 });
      cursor = p.inputs[0] ?? '';
    } else if (p.opType === 'Mul' && m.scalarConstants.has(p.inputs[0] ?? '')) {
      before.unshift({ node: p, dataAt: 1 });
      cursor = p.inputs[1] ?? '';
    } else if (p.opType === 'Add') {
      const zeroAt = p.inputs.findIndex((i) => isZero(m, producer, i));
      if (zeroAt < 0) return undefined;
      before.unshift({ node: p, dataAt: 1 - zeroAt }); // dropped below: x + 0 == x
      cursor = p.inputs[1 - zeroAt] ?? '';
    } else return undefined;
  }
  if (!scores) return undefined;
  const after: OnnxNode[] = [];
  let value = softmax.outputs[0] ?? '';
  let values: OnnxNode | undefined;
  for (let hops = 0; hops < 3 && !values; hops++) {
    const c = only(value);
    if (!c || c.domain !== '') return undefined;
    if (c.opType === 'MatMul' && c.inputs[0] === value) values = c;
    else if (c.opType === 'Cast') {
      after.push(c);
      value = c.outputs[0] ?? '';
    } else return undefined;
  }
  if (!values) return undefined;
  const rowOps = [...before.filter((b) => b.node.opType !== 'Add'), ...[softmax, ...after].map((node) => ({ node, dataAt: 0 }))];
  return { scores, rowOps, values, chain: [scores, ...before.map((b) => b.node), softmax, ...after, values] };
}

/** True when `value` is all zeros: `ConstantOfShape(0)`, or that times a finite scalar. */
function isZero(m: EditableModel, producer: ReadonlyMap<string, OnnxNode>, value: string): boolean {
  const p = producer.get(value);
  if (!p || p.domain !== '') return false;
  if (p.opType === 'ConstantOfShape') return (scalarAttribute(p, 'value') ?? (p.attributes.length === 0 ? 0 : NaN)) === 0;
  if (p.opType !== 'Mul') return false;
  const [a = '', b = ''] = p.inputs;
  const finite = (v: string): boolean => Number.isFinite(m.scalarConstants.get(v));
  return (isZero(m, producer, a) && finite(b)) || (isZero(m, producer, b) && finite(a));
}

/** Shared int64 `[1]` initializers, one per value. */
class Const {
  readonly #model: EditableModel;
  readonly #made = new Set<number>();
  constructor(model: EditableModel) {
    this.#model = model;
  }
  of(value: number): string {
    const name = `stipple.sliced_attention.i64_${value < 0 ? `minus${-value}` : value}`;
    if (!this.#made.has(value)) {
      this.#made.add(value);
      this.#model.addedInitializers.push({ name, dims: [1], values: [value] });
    }
    return name;
  }
}

/** The nodes that compute `match` in `slices` query slices and concatenate the results under the original output name. */
function slicedNodes(match: AttentionMatch, softmax: OnnxNode, slices: number, constant: Const, index: number): OnnxNode[] {
  const base = `${softmax.name || `attention_${index}`}/stipple_sliced`;
  const node = (opType: string, name: string, inputs: string[], outputs: string[], attributes = [] as OnnxNode['attributes']): OnnxNode => ({
    opType,
    domain: '',
    name: `${base}/${name}`,
    inputs,
    outputs,
    attributes,
  });
  const [q = '', kt = ''] = match.scores.inputs;
  const v = match.values.inputs[1] ?? '';
  const out: OnnxNode[] = [
    node('Shape', 'Shape', [q], [`${base}/shape`]),
    node('Gather', 'Queries', [`${base}/shape`, constant.of(-2)], [`${base}/queries`], [intsAttribute('axis', 0)]),
    node('Add', 'Round', [`${base}/queries`, constant.of(slices - 1)], [`${base}/rounded`]),
    node('Div', 'Length', [`${base}/rounded`, constant.of(slices)], [`${base}/length`]),
  ];
  const bound = (i: number): string => (i === 0 ? constant.of(0) : i === slices ? constant.of(TO_END) : `${base}/start_${i}`);
  for (let i = 1; i < slices; i++) out.push(node('Mul', `Start_${i}`, [`${base}/length`, constant.of(i)], [bound(i)]));
  const parts: string[] = [];
  for (let i = 0; i < slices; i++) {
    const s = `${base}/${i}`;
    out.push(node('Slice', `Slice_${i}`, [q, bound(i), bound(i + 1), constant.of(-2)], [`${s}/q`]));
    out.push(node('MatMul', `Scores_${i}`, [`${s}/q`, kt], [`${s}/scores`]));
    let x = `${s}/scores`;
    for (const [k, { node: op, dataAt }] of match.rowOps.entries()) {
      const y = `${s}/${op.opType}_${k}`;
      out.push(node(op.opType, `${op.opType}_${i}_${k}`, op.inputs.map((inp, at) => (at === dataAt ? x : inp)), [y], op.attributes));
      x = y;
    }
    out.push(node('MatMul', `Values_${i}`, [x, v], [`${s}/out`]));
    parts.push(`${s}/out`);
  }
  out.push(node('Concat', 'Concat', parts, [match.values.outputs[0] ?? ''], [intsAttribute('axis', -2)]));
  return out;
}
