/**
 * A trained head as the engine runs it: the weights read back from the exported head
 * ONNX file (the file in the blob store is the one truth: what is downloaded is what
 * extraction and matching compute), applied in plain JS to a parent embedder's vector.
 *
 * Why not an onnxruntime session: the head is one or two small matrix products per image
 * (2,728 × 512 for the offline default: ~1.4 M multiply-adds, about a millisecond), and
 * its input is the parent's finished vector (which joins a colour histogram computed
 * outside ONNX), so running it here needs no session, no worker round trip and no second
 * copy of the weights in native memory. test/features/training/head-model.test.ts checks
 * it against onnxruntime on the same file.
 */
import onnxProto from 'onnx-proto';
import type { HeadWeights } from './head.js';

const { onnx } = onnxProto;
const PREFIX = 'trained_head/';

function floatsOf(t: onnxProto.onnx.ITensorProto): Float32Array {
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) throw new Error(`head tensor ${t.name} is not float32`);
  if (t.rawData && t.rawData.length) {
    const copy = new Uint8Array(t.rawData.length);
    copy.set(t.rawData);
    return new Float32Array(copy.buffer);
  }
  return Float32Array.from(t.floatData ?? []);
}

/** The head's weights from a head ONNX made by buildHeadModel; throws for any other file. */
export function readHeadModel(bytes: Uint8Array): HeadWeights {
  const model = onnx.ModelProto.decode(bytes);
  const tensors = new Map<string, onnxProto.onnx.ITensorProto>();
  for (const t of model.graph?.initializer ?? []) if (t.name?.startsWith(PREFIX)) tensors.set(t.name.slice(PREFIX.length), t);
  const kernel = tensors.get('kernel');
  const bias = tensors.get('bias');
  if (!kernel || !bias || kernel.dims?.length !== 2) throw new Error('not a trained head model (no trained_head/kernel and bias)');
  const hk = tensors.get('hidden_kernel');
  const hb = tensors.get('hidden_bias');
  const fanIn = Number(kernel.dims[0]);
  const projectionDim = Number(kernel.dims[1]);
  const hidden = hk && hb ? { dim: Number(hk.dims![1]), kernel: floatsOf(hk), bias: floatsOf(hb) } : undefined;
  const weights: HeadWeights = { inputDim: hidden ? Number(hk!.dims![0]) : fanIn, projectionDim, kernel: floatsOf(kernel), bias: floatsOf(bias), ...(hidden ? { hidden } : {}) };
  if (weights.kernel.length !== fanIn * projectionDim || weights.bias.length !== projectionDim) throw new Error('trained head tensors do not fit together');
  return weights;
}

/** x·kernel + bias for one row (kernel row-major [in, out]), in float64 sums. */
function affine(x: Float32Array, kernel: Float32Array, bias: Float32Array, out: number, relu: boolean): Float32Array {
  const acc = Float64Array.from(bias);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    const base = i * out;
    for (let j = 0; j < out; j++) acc[j]! += xi * kernel[base + j]!;
  }
  const y = new Float32Array(out);
  for (let j = 0; j < out; j++) y[j] = relu ? Math.max(0, acc[j]!) : acc[j]!;
  return y;
}

/** The head's embedding of one parent vector, L2-normalised (the same 1e-12 floor as the ONNX graph). */
export function applyHead(weights: HeadWeights, parentVector: Float32Array): Float32Array {
  if (parentVector.length !== weights.inputDim) throw new Error(`the head takes ${weights.inputDim} features, got ${parentVector.length}`);
  const h = weights.hidden ? affine(parentVector, weights.hidden.kernel, weights.hidden.bias, weights.hidden.dim, true) : parentVector;
  const y = affine(h, weights.kernel, weights.bias, weights.projectionDim, false);
  let s = 0;
  for (let j = 0; j < y.length; j++) s += y[j]! * y[j]!;
  const k = 1 / Math.max(Math.sqrt(s), 1e-12);
  for (let j = 0; j < y.length; j++) y[j]! *= k;
  return y;
}
