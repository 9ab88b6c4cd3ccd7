/**
 * A small builder for ONNX graphs, encoded with onnx-proto (the protobufjs build of the
 * official onnx.proto). The importer writes thousands of initializer bytes and ~20 op
 * types with int, float, string and list attributes; the generated encoder covers the
 * whole schema and is already a dependency (models are decoded and extended with it
 * elsewhere), so it is used here instead of growing the hand-written encoder in
 * engine/inference/onnx-graph.ts, which stays the tiny encode-only core of segmentation.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;

/** ONNX TensorProto.DataType values used here. */
export const ElemType = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7 } as const;
export type ElemType = (typeof ElemType)[keyof typeof ElemType];

/** Attribute values: integers and integer lists unless wrapped with float()/floats(). */
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };
export const float = (v: number): { float: number } => ({ float: v });

export type Dim = number | string;

const OPSET = 17;
// IR 8 is read by every onnxruntime since 1.10 and is what onnx-proto's schema describes.
const IR_VERSION = 8;

function attribute(name: string, value: AttrValue): IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: ${value} is not an integer (wrap floats with float())`);
    return { name, type: T.INT, i: value };
  }
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.FLOATS, floats: value.floats };
}

function valueInfo(name: string, elemType: ElemType, dims: Dim[]): IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

export class OnnxGraphBuilder {
  private readonly nodes: INodeProto[] = [];
  private readonly initializers: ITensorProto[] = [];
  private readonly inputs: IValueInfoProto[] = [];
  private readonly outputs: IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private readonly opCounts = new Map<string, number>();
  private readonly scalars = new Map<number, string>();

  constructor(readonly name: string) {}

  /** A tensor name not used yet in this graph, derived from `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  input(name: string, elemType: ElemType, dims: Dim[]): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: ElemType, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** A constant tensor; returns its (unique) name. */
  constant(base: string, dims: number[], data: Float32Array | BigInt64Array | Int32Array | Uint8Array): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new Error(`constant ${base}: ${data.length} values for shape [${dims.join(',')}]`);
    const name = this.fresh(base);
    const dataType = data instanceof Float32Array ? ElemType.FLOAT : data instanceof BigInt64Array ? ElemType.INT64 : data instanceof Int32Array ? ElemType.INT32 : ElemType.UINT8;
    // raw_data is little-endian by the ONNX spec, as typed arrays are on every platform Node ships for.
    this.initializers.push({ name, dims, dataType, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() });
    return name;
  }

  floats(base: string, dims: number[], values: ArrayLike<number>): string {
    return this.constant(base, dims, Float32Array.from(values));
  }

  /** A float32 scalar constant, one initializer per distinct value. */
  scalar(value: number): string {
    let name = this.scalars.get(value);
    if (!name) {
      name = this.floats(`scalar_${String(value).replace(/\W/g, '_')}`, [], [value]);
      this.scalars.set(value, name);
    }
    return name;
  }

  int64s(base: string, values: number[]): string {
    return this.constant(base, [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  /** Adds a node; returns its output names (fresh names derived from `outputs`). */
  node(op: string, inputs: string[], outputs: string[] | number = 1, attrs: Record<string, AttrValue> = {}): string[] {
    const index = this.opCounts.get(op) ?? 0;
    this.opCounts.set(op, index + 1);
    const names = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => this.fresh(`${op.toLowerCase()}_${index}${outputs > 1 ? `_${i}` : ''}`)) : outputs.map((o) => this.fresh(o));
    this.nodes.push({ opType: op, name: `${op}_${index}`, input: inputs, output: names, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return names;
  }

  /** One-output node. */
  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputName?: string): string {
    return this.node(op, inputs, outputName ? [outputName] : 1, attrs)[0]!;
  }

  /** Op types and how often each occurs (for reports and tests). */
  opTypes(): Map<string, number> {
    return new Map(this.opCounts);
  }

  encode(docString = ''): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'atolye',
      docString,
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
