/**
 * TF.js graph model → ONNX, for the op types convolutional feature extractors converted
 * by tensorflowjs_converter use (MobileNet-style nets: fused convolutions and depthwise
 * convolutions with BiasAdd/Relu/Relu6, pools, means, element-wise arithmetic, matmul).
 *
 * TF graphs are NHWC; ONNX convolutions are NCHW. The importer transposes the input
 * once, keeps every rank-4 tensor in NCHW inside the graph (remapping the axes of
 * reductions, squeezes and concatenations) and transposes back only where a tensor
 * leaves the graph or meets an op that needs TF's layout (Reshape).
 *
 * Written here rather than taken from a library: the converters that exist (tf2onnx,
 * tfjs-to-tf) are Python tools, and running one at first use on a user's machine is not
 * an option; the subset needed is ~15 op types.
 */
import { ElemType, float, OnnxGraphBuilder, type Dim } from './onnx-builder.js';
import type { TfjsAttr, TfjsGraphModel, TfjsNode, TfjsWeight } from './tfjs-graph-model.js';

/** A converted tensor: its ONNX name, rank, and whether it holds a TF NHWC tensor as NCHW. */
export interface ImportedTensor {
  name: string;
  rank: number;
  nchw: boolean;
}

export interface TfjsImportOptions {
  /** TF tensors the graph must compute ("node" or "node:1"); the graph is pruned to what they need. */
  outputs: string[];
  /** The input's shape in TF's layout (NHWC); default: the placeholder's, with a symbolic batch. */
  inputShape?: Dim[];
  /** The ONNX input's name; default: the placeholder's. */
  inputName?: string;
}

export interface ImportedGraph {
  builder: OnnxGraphBuilder;
  /** The ONNX input (TF layout, float32). */
  input: { name: string; shape: Dim[] };
  /** Each requested TF tensor, as converted (rank-4 ones in NCHW). */
  tensors: Map<string, ImportedTensor>;
  /** TF op types converted, with counts. */
  tfOps: Map<string, number>;
}

export class UnsupportedTfjsGraph extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedTfjsGraph';
  }
}

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
/** NHWC axis → NCHW axis. */
const NCHW_AXIS = [0, 2, 3, 1];

const text = (a: TfjsAttr | undefined): string | undefined => (a?.s === undefined ? undefined : Buffer.from(a.s, 'base64').toString('utf8'));
const ints = (a: TfjsAttr | undefined): number[] => (a?.list?.i ?? []).map(Number);
const strings = (a: TfjsAttr | undefined): string[] => (a?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
const tensorKey = (input: string): string => (input.endsWith(':0') ? input.slice(0, -2) : input);

class Importer {
  readonly b: OnnxGraphBuilder;
  private readonly byName = new Map<string, TfjsNode>();
  private readonly done = new Map<string, ImportedTensor>();
  private readonly visiting = new Set<string>();
  readonly tfOps = new Map<string, number>();
  input: { name: string; shape: Dim[] } | null = null;

  constructor(
    private readonly model: TfjsGraphModel,
    private readonly options: TfjsImportOptions,
  ) {
    this.b = new OnnxGraphBuilder('tfjs_import');
    for (const n of model.nodes) this.byName.set(n.name, n);
  }

  /** The converted tensor for a TF input reference (memoised, depth-first). */
  tensor(ref: string): ImportedTensor {
    const key = tensorKey(ref);
    const hit = this.done.get(key);
    if (hit) return hit;
    const [nodeName, index] = key.includes(':') ? [key.slice(0, key.lastIndexOf(':')), Number(key.slice(key.lastIndexOf(':') + 1))] : [key, 0];
    if (index !== 0) throw new UnsupportedTfjsGraph(`${key}: only the first output of a node is supported`);
    const node = this.byName.get(nodeName);
    if (!node) throw new UnsupportedTfjsGraph(`the graph has no node named ${nodeName}`);
    if (this.visiting.has(nodeName)) throw new UnsupportedTfjsGraph(`${nodeName} is part of a cycle`);
    this.visiting.add(nodeName);
    const out = this.convert(node);
    this.visiting.delete(nodeName);
    this.tfOps.set(node.op, (this.tfOps.get(node.op) ?? 0) + 1);
    this.done.set(key, out);
    return out;
  }

  private weight(ref: string): TfjsWeight {
    const name = tensorKey(ref);
    const node = this.byName.get(name);
    const w = this.model.weights.get(name);
    if (!node || node.op !== 'Const' || !w) throw new UnsupportedTfjsGraph(`${name} must be a constant with weights`);
    this.tfOps.set('Const', (this.tfOps.get('Const') ?? 0) + 1);
    return w;
  }

  private isConst(ref: string): boolean {
    return this.byName.get(tensorKey(ref))?.op === 'Const';
  }

  private scalar(value: number): string {
    return this.b.scalar(value);
  }

  private toNchw(t: ImportedTensor): ImportedTensor {
    if (t.nchw || t.rank !== 4) return t;
    return { name: this.b.op('Transpose', [t.name], { perm: TO_NCHW }), rank: 4, nchw: true };
  }

  /** The tensor in TF's own layout. */
  toTfLayout(t: ImportedTensor): ImportedTensor {
    if (!t.nchw) return t;
    return { name: this.b.op('Transpose', [t.name], { perm: TO_NHWC }), rank: 4, nchw: false };
  }

  private dataInputs(node: TfjsNode): string[] {
    return (node.input ?? []).filter((i) => !i.startsWith('^'));
  }

  private convert(node: TfjsNode): ImportedTensor {
    const inputs = this.dataInputs(node);
    const attr = node.attr ?? {};
    switch (node.op) {
      case 'Placeholder':
        return this.placeholder(node);
      case 'Identity':
      case 'StopGradient': {
        const x = this.tensor(inputs[0]!);
        return { ...x, name: this.b.op('Identity', [x.name]) };
      }
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        return this.conv(node, inputs);
      case 'AvgPool':
      case 'MaxPool':
        return this.pool(node, inputs);
      case 'Mean':
      case 'Max':
      case 'Sum':
        return this.reduce(node, inputs);
      case 'Squeeze':
        return this.squeeze(node, inputs);
      case 'Reshape':
        return this.reshape(inputs);
      case 'MatMul':
      case '_FusedMatMul':
        return this.matmul(node, inputs);
      case 'ConcatV2':
        return this.concat(inputs, Number(attr.N?.i ?? inputs.length - 1));
      case 'Add':
      case 'AddV2':
      case 'BiasAdd':
      case 'Sub':
      case 'Mul':
      case 'RealDiv':
      case 'Maximum':
      case 'Minimum':
        return this.binary(node, inputs);
      case 'Relu':
      case 'Relu6':
      case 'Sigmoid':
      case 'Tanh':
      case 'Softmax':
        return this.unary(node.op, inputs);
      case 'Const':
        throw new UnsupportedTfjsGraph(`${node.name}: a constant cannot be a graph output`);
      default:
        throw new UnsupportedTfjsGraph(`${node.name}: op ${node.op} is not supported by the importer`);
    }
  }

  private placeholder(node: TfjsNode): ImportedTensor {
    if (this.input) throw new UnsupportedTfjsGraph(`a second input (${node.name}) is needed; only one is supported`);
    const dtype = node.attr?.dtype?.type;
    if (dtype && dtype !== 'DT_FLOAT') throw new UnsupportedTfjsGraph(`input ${node.name} is ${dtype}; only float inputs are supported`);
    const declared = (node.attr?.shape?.shape?.dim ?? []).map((d, i): Dim => {
      const size = Number(d.size ?? -1);
      return size >= 0 ? size : i === 0 ? 'batch' : `dim${i}`;
    });
    const shape = this.options.inputShape ?? declared;
    if (shape.length !== declared.length && declared.length) throw new UnsupportedTfjsGraph(`input shape has rank ${shape.length}, the graph's input ${declared.length}`);
    const name = this.b.input(this.options.inputName ?? node.name, ElemType.FLOAT, shape);
    this.input = { name, shape };
    const t: ImportedTensor = { name, rank: shape.length, nchw: false };
    return shape.length === 4 ? this.toNchw(t) : t;
  }

  private activation(x: string, fused: string[], where: string, extra: { alpha?: number } = {}): string {
    let out = x;
    for (const op of fused) {
      if (op === 'BiasAdd') continue;
      if (op === 'Relu') out = this.b.op('Relu', [out]);
      else if (op === 'Relu6') out = this.b.op('Clip', [out, this.scalar(0), this.scalar(6)]);
      else if (op === 'LeakyRelu') out = this.b.op('LeakyRelu', [out], { alpha: float(extra.alpha ?? 0.2) });
      else if (op === 'Sigmoid') out = this.b.op('Sigmoid', [out]);
      else throw new UnsupportedTfjsGraph(`${where}: fused op ${op} is not supported`);
    }
    return out;
  }

  private conv(node: TfjsNode, inputs: string[]): ImportedTensor {
    const attr = node.attr ?? {};
    const format = text(attr.data_format) ?? 'NHWC';
    if (format !== 'NHWC') throw new UnsupportedTfjsGraph(`${node.name}: data_format ${format} is not supported`);
    const fused = strings(attr.fused_ops);
    if (fused.some((f) => f.startsWith('FusedBatchNorm'))) throw new UnsupportedTfjsGraph(`${node.name}: fused batch norm is not supported`);
    const hasBias = fused[0] === 'BiasAdd';
    if (fused.length && !hasBias) throw new UnsupportedTfjsGraph(`${node.name}: fused ops ${fused.join('+')} without BiasAdd first`);
    const depthwise = node.op.includes('Depthwise');
    const x = this.toNchw(this.tensor(inputs[0]!));
    const w = this.weight(inputs[1]!);
    if (w.shape.length !== 4) throw new UnsupportedTfjsGraph(`${node.name}: filter of rank ${w.shape.length}`);
    const [kh, kw, cin, last] = w.shape as [number, number, number, number];
    const src = w.data;
    const cout = depthwise ? cin * last : last;
    const dst = new Float32Array(src.length);
    // TF filters are [kh, kw, in, out] (depthwise: [kh, kw, in, multiplier]); ONNX wants
    // [out, in/group, kh, kw], and a depthwise output channel is in·multiplier + m.
    for (let y = 0; y < kh; y++)
      for (let xx = 0; xx < kw; xx++)
        for (let i = 0; i < cin; i++)
          for (let o = 0; o < last; o++) {
            const from = ((y * kw + xx) * cin + i) * last + o;
            const to = depthwise ? ((i * last + o) * kh + y) * kw + xx : ((o * cin + i) * kh + y) * kw + xx;
            dst[to] = src[from]!;
          }
    const weightName = this.b.constant(`${node.name}/weights`, depthwise ? [cout, 1, kh, kw] : [cout, cin, kh, kw], dst);
    const convInputs = [x.name, weightName];
    if (hasBias) {
      const bias = this.weight(inputs[2]!);
      if (bias.data.length !== cout) throw new UnsupportedTfjsGraph(`${node.name}: bias has ${bias.data.length} values for ${cout} channels`);
      convInputs.push(this.b.constant(`${node.name}/bias`, [cout], Float32Array.from(bias.data)));
    }
    const strides = ints(attr.strides);
    const dilations = ints(attr.dilations);
    const convAttrs: Record<string, number | number[] | string> = {
      kernel_shape: [kh, kw],
      strides: strides.length === 4 ? [strides[1]!, strides[2]!] : [1, 1],
      dilations: dilations.length === 4 ? [dilations[1]!, dilations[2]!] : [1, 1],
      group: depthwise ? cin : 1,
      ...this.padding(node, attr),
    };
    const conv = this.b.op('Conv', convInputs, convAttrs);
    return { name: this.activation(conv, fused, node.name, { alpha: attr.leakyrelu_alpha?.f }), rank: 4, nchw: true };
  }

  private padding(node: TfjsNode, attr: Record<string, TfjsAttr>): Record<string, number[] | string> {
    const padding = text(attr.padding) ?? 'VALID';
    // TF's SAME puts the odd pixel of padding at the end, which is ONNX's SAME_UPPER.
    if (padding === 'SAME') return { auto_pad: 'SAME_UPPER' };
    if (padding === 'VALID') return { auto_pad: 'VALID' };
    if (padding === 'EXPLICIT') {
      const p = ints(attr.explicit_paddings); // NHWC pairs
      if (p.length !== 8) throw new UnsupportedTfjsGraph(`${node.name}: explicit paddings ${p.join(',')}`);
      return { pads: [p[2]!, p[4]!, p[3]!, p[5]!] };
    }
    throw new UnsupportedTfjsGraph(`${node.name}: padding ${padding} is not supported`);
  }

  private pool(node: TfjsNode, inputs: string[]): ImportedTensor {
    const attr = node.attr ?? {};
    if ((text(attr.data_format) ?? 'NHWC') !== 'NHWC') throw new UnsupportedTfjsGraph(`${node.name}: data_format is not NHWC`);
    const x = this.toNchw(this.tensor(inputs[0]!));
    const k = ints(attr.ksize);
    const s = ints(attr.strides);
    if (k[0] !== 1 || k[3] !== 1 || s[0] !== 1 || s[3] !== 1) throw new UnsupportedTfjsGraph(`${node.name}: pooling across batch or channels`);
    const op = node.op === 'AvgPool' ? 'AveragePool' : 'MaxPool';
    // TF's average pool divides by the pixels inside the image only (count_include_pad = 0, ONNX's default).
    const out = this.b.op(op, [x.name], { kernel_shape: [k[1]!, k[2]!], strides: [s[1]!, s[2]!], ...this.padding(node, attr) });
    return { name: out, rank: 4, nchw: true };
  }

  private axesOf(ref: string, rank: number): number[] {
    const w = this.weight(ref);
    return Array.from(w.data, (a) => (a < 0 ? a + rank : a));
  }

  private reduce(node: TfjsNode, inputs: string[]): ImportedTensor {
    const x = this.tensor(inputs[0]!);
    const axes = this.axesOf(inputs[1]!, x.rank);
    const keep = node.attr?.keep_dims?.b === true;
    const mapped = x.nchw ? axes.map((a) => NCHW_AXIS[a]!) : axes;
    const op = node.op === 'Mean' ? 'ReduceMean' : node.op === 'Max' ? 'ReduceMax' : 'ReduceSum';
    // ReduceSum takes its axes as an input from opset 13; the others as an attribute until opset 18.
    const out =
      op === 'ReduceSum'
        ? this.b.op(op, [x.name, this.b.int64s('axes', mapped)], { keepdims: keep ? 1 : 0 })
        : this.b.op(op, [x.name], { axes: mapped, keepdims: keep ? 1 : 0 });
    if (keep) return { name: out, rank: x.rank, nchw: x.nchw };
    // Dropping axes of an NCHW tensor: what remains is in TF order only if the channel axis is gone or last.
    const remaining = [...Array(x.rank).keys()].filter((a) => !axes.includes(a));
    if (x.nchw && !(remaining.length === 2 && remaining[0] === 0 && remaining[1] === 3) && remaining.length > 1) {
      throw new UnsupportedTfjsGraph(`${node.name}: reducing axes ${axes.join(',')} of an image tensor is not supported`);
    }
    return { name: out, rank: remaining.length, nchw: false };
  }

  private squeeze(node: TfjsNode, inputs: string[]): ImportedTensor {
    const x = this.tensor(inputs[0]!);
    const dims = ints(node.attr?.squeeze_dims).map((a) => (a < 0 ? a + x.rank : a));
    if (!dims.length) throw new UnsupportedTfjsGraph(`${node.name}: Squeeze without explicit dims`);
    const remaining = [...Array(x.rank).keys()].filter((a) => !dims.includes(a));
    if (x.nchw && remaining.length > 1 && !(remaining.length === 2 && remaining[1] === 3)) {
      const tf = this.toTfLayout(x);
      return { name: this.b.op('Squeeze', [tf.name, this.b.int64s('axes', dims)]), rank: remaining.length, nchw: false };
    }
    const mapped = x.nchw ? dims.map((a) => NCHW_AXIS[a]!) : dims;
    return { name: this.b.op('Squeeze', [x.name, this.b.int64s('axes', mapped)]), rank: remaining.length, nchw: false };
  }

  private reshape(inputs: string[]): ImportedTensor {
    const x = this.toTfLayout(this.tensor(inputs[0]!));
    const shape = Array.from(this.weight(inputs[1]!).data);
    const out = this.b.op('Reshape', [x.name, this.b.int64s('shape', shape)]);
    return { name: out, rank: shape.length, nchw: false };
  }

  private matmul(node: TfjsNode, inputs: string[]): ImportedTensor {
    const attr = node.attr ?? {};
    const fused = strings(attr.fused_ops);
    const a = this.toTfLayout(this.tensor(inputs[0]!));
    if (a.rank !== 2) throw new UnsupportedTfjsGraph(`${node.name}: MatMul of rank ${a.rank}`);
    let bName: string;
    if (this.isConst(inputs[1]!)) {
      const w = this.weight(inputs[1]!);
      bName = this.b.constant(`${node.name}/weights`, w.shape, Float32Array.from(w.data));
    } else bName = this.toTfLayout(this.tensor(inputs[1]!)).name;
    const gemmInputs = [a.name, bName];
    if (fused[0] === 'BiasAdd') {
      const bias = this.weight(inputs[2]!);
      gemmInputs.push(this.b.constant(`${node.name}/bias`, [bias.data.length], Float32Array.from(bias.data)));
    } else if (fused.length) throw new UnsupportedTfjsGraph(`${node.name}: fused ops ${fused.join('+')} without BiasAdd first`);
    const out = this.b.op('Gemm', gemmInputs, { transA: attr.transpose_a?.b ? 1 : 0, transB: attr.transpose_b?.b ? 1 : 0 });
    return { name: this.activation(out, fused, node.name), rank: 2, nchw: false };
  }

  private concat(inputs: string[], n: number): ImportedTensor {
    const parts = inputs.slice(0, n).map((i) => this.tensor(i));
    const rank = parts[0]!.rank;
    let axis = Number(this.weight(inputs[n]!).data[0]);
    if (axis < 0) axis += rank;
    const nchw = rank === 4 && parts.some((p) => p.nchw);
    const names = parts.map((p) => (nchw ? this.toNchw(p) : this.toTfLayout(p)).name);
    return { name: this.b.op('Concat', names, { axis: nchw ? NCHW_AXIS[axis]! : axis }), rank, nchw };
  }

  /** A constant operand in the layout of the tensor it meets (broadcasting as TF does). */
  private constOperand(ref: string, other: ImportedTensor | null): { name: string; rank: number } {
    const w = this.weight(ref);
    const data = Float32Array.from(w.data);
    if (other?.nchw && w.shape.length >= 1) {
      if (w.shape.length === 4) {
        const [n, h, wd, c] = w.shape as [number, number, number, number];
        const t = new Float32Array(data.length);
        for (let a = 0; a < n; a++) for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) for (let ch = 0; ch < c; ch++) t[((a * c + ch) * h + y) * wd + x] = data[((a * h + y) * wd + x) * c + ch]!;
        return { name: this.b.constant(tensorKey(ref), [n, c, h, wd], t), rank: 4 };
      }
      // Fewer dims broadcast from the right in TF, i.e. along channels last: move them to axis 1.
      if (w.shape.length === 1) return { name: this.b.constant(tensorKey(ref), [1, w.shape[0]!, 1, 1], data), rank: 4 };
      throw new UnsupportedTfjsGraph(`${ref}: a constant of shape [${w.shape.join(',')}] against an image tensor`);
    }
    return { name: this.b.constant(tensorKey(ref), w.shape, data), rank: w.shape.length };
  }

  private binary(node: TfjsNode, inputs: string[]): ImportedTensor {
    const op = { Add: 'Add', AddV2: 'Add', BiasAdd: 'Add', Sub: 'Sub', Mul: 'Mul', RealDiv: 'Div', Maximum: 'Max', Minimum: 'Min' }[node.op]!;
    const [r0, r1] = [inputs[0]!, inputs[1]!];
    let t0 = this.isConst(r0) ? null : this.tensor(r0);
    let t1 = this.isConst(r1) ? null : this.tensor(r1);
    if (!t0 && !t1) throw new UnsupportedTfjsGraph(`${node.name}: both operands are constants (fold them before importing)`);
    if (t0 && t1 && t0.nchw !== t1.nchw) {
      // Both operands in NCHW if either is.
      if (t0.rank === 4) t0 = this.toNchw(t0);
      if (t1.rank === 4) t1 = this.toNchw(t1);
      if (t0.nchw !== t1.nchw) throw new UnsupportedTfjsGraph(`${node.name}: operands of different layouts`);
    }
    const other = t0 ?? t1;
    const a = t0 ?? this.constOperand(r0, other);
    const c = t1 ?? this.constOperand(r1, other);
    const rank = Math.max(a.rank, c.rank);
    return { name: this.b.op(op, [a.name, c.name]), rank, nchw: rank === 4 && !!other?.nchw };
  }

  private unary(op: string, inputs: string[]): ImportedTensor {
    let x = this.tensor(inputs[0]!);
    if (op === 'Softmax') {
      x = this.toTfLayout(x);
      return { name: this.b.op('Softmax', [x.name], { axis: -1 }), rank: x.rank, nchw: false };
    }
    if (op === 'Relu6') return { ...x, name: this.b.op('Clip', [x.name, this.scalar(0), this.scalar(6)]) };
    return { ...x, name: this.b.op(op, [x.name]) };
  }
}

/**
 * Converts the part of a TF.js graph model that computes `options.outputs`. The result
 * is a graph builder with the input declared and no outputs yet: the caller decides
 * what leaves the graph (see tfjsToOnnx, or the embedder's pooling heads).
 */
export function importTfjsGraph(model: TfjsGraphModel, options: TfjsImportOptions): ImportedGraph {
  const importer = new Importer(model, options);
  const tensors = new Map<string, ImportedTensor>();
  for (const out of options.outputs) tensors.set(out, importer.tensor(out));
  if (!importer.input) throw new UnsupportedTfjsGraph('the requested outputs do not depend on the graph input');
  return { builder: importer.b, input: importer.input, tensors, tfOps: importer.tfOps };
}

/** Moves an imported tensor back into TF's layout (NHWC for rank 4) inside the graph. */
export function inTfLayout(graph: ImportedGraph, t: ImportedTensor): string {
  return t.nchw ? graph.builder.op('Transpose', [t.name], { perm: TO_NHWC }) : t.name;
}

/**
 * The whole conversion: an ONNX model whose outputs are the requested TF tensors in TF's
 * layout, named as in TF (":" and "/" kept, as ONNX allows any string).
 */
export function tfjsToOnnx(model: TfjsGraphModel, options: TfjsImportOptions): Uint8Array {
  const graph = importTfjsGraph(model, options);
  for (const [tfName, t] of graph.tensors) {
    const name = graph.builder.op('Identity', [inTfLayout(graph, t)], {}, tfName);
    graph.builder.output(name, ElemType.FLOAT, Array.from({ length: t.rank }, (_, i) => `${tfName}_d${i}`));
  }
  return graph.builder.encode('imported from a TF.js graph model');
}
