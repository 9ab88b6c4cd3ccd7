/**
 * Builds the small ONNX graphs that wrap a model: uint8 HWC pixels → normalised NCHW
 * float tensor before it, probability map → uint8 mask after it. Running these in
 * onnxruntime keeps per-pixel arithmetic out of JavaScript (and on the GPU when the
 * model is there), and the same tiny graph is what probes whether an execution
 * provider initialises at all.
 *
 * Written by hand rather than with a protobuf library because it needs ~10 message
 * types, encode only, and a dependency for that would outweigh the code.
 */

// Protobuf wire types.
const VARINT = 0;
const I32 = 5;
const LEN = 2;

/** ONNX TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT64: 7 } as const;

class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number): this {
    this.tag(field, VARINT);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, I32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, LEN);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const p of this.parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }
}

type Dim = number | string;
interface ValueInfo {
  name: string;
  elemType: number;
  /** null: any rank (the graph adapts to whatever the model emits). */
  shape: Dim[] | null;
}
type Attr = { name: string; int: number } | { name: string; ints: number[] } | { name: string; float: number } | { name: string; string: string };
interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Attr[];
}
interface Initializer {
  name: string;
  dims: number[];
  floats?: number[];
  int64s?: number[];
}

function valueInfo(w: Writer, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      const dims = v.shape;
      if (dims) tensor.message(2, (shape) => {
        for (const d of dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

function encodeModel(graph: { name: string; nodes: Node[]; initializers: Initializer[]; inputs: ValueInfo[]; outputs: ValueInfo[] }): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // ir_version 8: understood by every onnxruntime since 1.10
  w.string(2, 'atolye');
  w.message(7, (g) => {
    graph.nodes.forEach((n, i) =>
      g.message(1, (node) => {
        for (const input of n.inputs) node.string(1, input);
        for (const output of n.outputs) node.string(2, output);
        node.string(3, `${n.op.toLowerCase()}_${i}`);
        node.string(4, n.op);
        for (const a of n.attrs ?? []) {
          node.message(5, (attr) => {
            attr.string(1, a.name);
            if ('int' in a) attr.int(3, a.int).int(20, 2);
            else if ('float' in a) attr.float(2, a.float).int(20, 1);
            else if ('string' in a) attr.string(4, a.string).int(20, 3);
            else {
              for (const v of a.ints) attr.int(8, v);
              attr.int(20, 7);
            }
          });
        }
      }),
    );
    g.string(2, graph.name);
    for (const init of graph.initializers) {
      g.message(5, (t) => {
        for (const d of init.dims) t.int(1, d);
        if (init.floats) {
          t.int(2, DataType.FLOAT);
          t.string(8, init.name);
          t.bytes(9, new Uint8Array(Float32Array.from(init.floats).buffer));
        } else {
          t.int(2, DataType.INT64);
          t.string(8, init.name);
          t.bytes(9, new Uint8Array(BigInt64Array.from((init.int64s ?? []).map((v) => BigInt(v))).buffer));
        }
      });
    }
    for (const v of graph.inputs) g.message(11, (vi) => valueInfo(vi, v));
    for (const v of graph.outputs) g.message(12, (vi) => valueInfo(vi, v));
  });
  w.message(8, (o) => o.string(1, '').int(2, 17)); // default domain, opset 17
  return w.finish();
}

export interface PreprocessSpec {
  height: number;
  width: number;
  /**
   * How the bilinear resize maps output to input pixels: half_pixel (centres aligned,
   * as PyTorch trains) or asymmetric (x_in = x_out · in/out, as img.ly runs IS-Net).
   * A model's masks move with this choice on hard images, so it is part of its spec.
   */
  resize: 'half_pixel' | 'asymmetric';
  /** Colour order the model expects; pixels arrive as RGB. */
  colorOrder: 'RGB' | 'BGR';
  /** Per channel, in 0–255 pixel units, in the model's colour order: x' = (x − mean) / std. */
  mean: [number, number, number];
  std: [number, number, number];
  layout: 'NCHW' | 'NHWC';
}

/** Names used by the wrapper graphs. */
export const PRE_INPUT = 'pixels';
export const PRE_OUTPUT = 'tensor';
export const POST_INPUT = 'prediction';
export const POST_OUTPUT = 'mask';

/**
 * uint8 [1,h,w,3] RGB of any size → bilinear resize to the model's size (rounded to
 * 8-bit levels, like an 8-bit resampler) → float32 normalised tensor in the model's
 * layout and colour order.
 */
export function buildPreprocessModel(spec: PreprocessSpec): Uint8Array {
  const nodes: Node[] = [
    { op: 'Cast', inputs: [PRE_INPUT], outputs: ['as_float'], attrs: [{ name: 'to', int: DataType.FLOAT }] },
    {
      op: 'Resize',
      inputs: ['as_float', '', '', 'size'],
      outputs: ['resized'],
      attrs: [
        { name: 'mode', string: 'linear' },
        { name: 'coordinate_transformation_mode', string: spec.resize },
      ],
    },
    // Round half up, as an 8-bit resampler does (ONNX Round goes to even).
    { op: 'Add', inputs: ['resized', 'half'], outputs: ['biased'] },
    { op: 'Floor', inputs: ['biased'], outputs: ['levels'] },
  ];
  let current = 'levels';
  const initializers: Initializer[] = [
    { name: 'size', dims: [4], int64s: [1, spec.height, spec.width, 3] },
    { name: 'half', dims: [], floats: [0.5] },
    { name: 'mean', dims: [3], floats: spec.mean },
    { name: 'inv_std', dims: [3], floats: spec.std.map((s) => 1 / s) },
  ];
  if (spec.colorOrder === 'BGR') {
    initializers.push({ name: 'bgr', dims: [3], int64s: [2, 1, 0] });
    nodes.push({ op: 'Gather', inputs: [current, 'bgr'], outputs: ['reordered'], attrs: [{ name: 'axis', int: 3 }] });
    current = 'reordered';
  }
  nodes.push({ op: 'Sub', inputs: [current, 'mean'], outputs: ['centred'] });
  const last = spec.layout === 'NCHW' ? 'scaled' : PRE_OUTPUT;
  nodes.push({ op: 'Mul', inputs: ['centred', 'inv_std'], outputs: [last] });
  if (spec.layout === 'NCHW') nodes.push({ op: 'Transpose', inputs: ['scaled'], outputs: [PRE_OUTPUT], attrs: [{ name: 'perm', ints: [0, 3, 1, 2] }] });
  const outShape = spec.layout === 'NCHW' ? [1, 3, spec.height, spec.width] : [1, spec.height, spec.width, 3];
  return encodeModel({
    name: 'atolye_preprocess',
    nodes,
    initializers,
    inputs: [{ name: PRE_INPUT, elemType: DataType.UINT8, shape: [1, 'h', 'w', 3] }],
    outputs: [{ name: PRE_OUTPUT, elemType: DataType.FLOAT, shape: outShape }],
  });
}

export interface PostprocessSpec {
  /** The model emits logits (apply a sigmoid) or probabilities already. */
  activation: 'none' | 'sigmoid';
  /** Stretch the map to 0–1 by its own min and max (u2net-style outputs). */
  normalize: 'none' | 'minmax';
  /** Bilinear convention for resizing the mask back to the image (the model's, as on the way in). */
  resize: 'half_pixel' | 'asymmetric';
}

/** Its second input: the mask's wanted shape, int64 [rank] (the prediction's, with the image's height and width last). */
export const POST_SIZE = 'size';

/**
 * float32 prediction of any rank → 8-bit levels (truncated, as an 8-bit mask is
 * stored) → bilinear resize to `size` → rounded uint8 mask. Resizing after the
 * 8-bit step, with the model's own convention, is how the reference implementation
 * does it: on images the model is unsure about, masks near 50% flip with any change.
 */
export function buildPostprocessModel(spec: PostprocessSpec): Uint8Array {
  const nodes: Node[] = [];
  let current = POST_INPUT;
  if (spec.activation === 'sigmoid') {
    nodes.push({ op: 'Sigmoid', inputs: [current], outputs: ['activated'] });
    current = 'activated';
  }
  if (spec.normalize === 'minmax') {
    nodes.push(
      { op: 'ReduceMin', inputs: [current], outputs: ['lo'], attrs: [{ name: 'keepdims', int: 1 }] },
      { op: 'ReduceMax', inputs: [current], outputs: ['hi'], attrs: [{ name: 'keepdims', int: 1 }] },
      { op: 'Sub', inputs: [current, 'lo'], outputs: ['shifted'] },
      { op: 'Sub', inputs: ['hi', 'lo'], outputs: ['range'] },
      { op: 'Max', inputs: ['range', 'epsilon'], outputs: ['safe_range'] },
      { op: 'Div', inputs: ['shifted', 'safe_range'], outputs: ['stretched'] },
    );
    current = 'stretched';
  }
  nodes.push(
    { op: 'Mul', inputs: [current, 'scale'], outputs: ['scaled'] },
    { op: 'Clip', inputs: ['scaled', 'zero', 'top'], outputs: ['clipped'] },
    { op: 'Floor', inputs: ['clipped'], outputs: ['levels'] },
    {
      op: 'Resize',
      inputs: ['levels', '', '', POST_SIZE],
      outputs: ['resized'],
      attrs: [
        { name: 'mode', string: 'linear' },
        { name: 'coordinate_transformation_mode', string: spec.resize },
      ],
    },
    // Round half up (Round would go to even), then the exact cast.
    { op: 'Add', inputs: ['resized', 'half'], outputs: ['biased'] },
    { op: 'Floor', inputs: ['biased'], outputs: ['rounded'] },
    { op: 'Clip', inputs: ['rounded', 'zero', 'top'], outputs: ['bounded'] },
    { op: 'Cast', inputs: ['bounded'], outputs: [POST_OUTPUT], attrs: [{ name: 'to', int: DataType.UINT8 }] },
  );
  const scalar = (name: string, v: number): Initializer => ({ name, dims: [], floats: [v] });
  return encodeModel({
    name: 'atolye_postprocess',
    nodes,
    initializers: [scalar('scale', 255), scalar('half', 0.5), scalar('zero', 0), scalar('top', 255), ...(spec.normalize === 'minmax' ? [scalar('epsilon', 1e-6)] : [])],
    inputs: [
      { name: POST_INPUT, elemType: DataType.FLOAT, shape: null },
      { name: POST_SIZE, elemType: DataType.INT64, shape: ['rank'] },
    ],
    outputs: [{ name: POST_OUTPUT, elemType: DataType.UINT8, shape: null }],
  });
}
