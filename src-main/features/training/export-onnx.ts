/**
 * The trained head as ONNX: projection (MatMul + Add, after a MatMul + Add + Relu layer
 * when the head has a hidden layer) and L2 normalisation, either as
 * a graph of its own (input: the embedder's feature vector) or appended to the
 * embedder's backbone graph to make one model file. The ArcFace class weights are not
 * exported: retrieval needs only the embedding.
 *
 * Built with onnx-proto (protobufjs' ONNX schema) because appending means decoding a
 * whole third-party ModelProto and writing it back unchanged but for our nodes, which
 * the hand-written encode-only writer in engine/inference/onnx-graph.ts cannot do.
 * Only ops whose semantics have not changed since opset 9 are used (no Reduce*, whose
 * `axes` moved from attribute to input in opset 18), so the head fits any backbone opset.
 */
import onnxProto from 'onnx-proto';
import type { HeadWeights } from './head.js';

const { onnx } = onnxProto;
type IModelProto = onnxProto.onnx.IModelProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;

export const HEAD_INPUT = 'features';
export const HEAD_OUTPUT = 'embedding';
/** The L2 norm's floor, the same as the TF.js head's (and F.normalize's). */
const NORM_EPSILON = 1e-12;
const HEAD_OPSET = 13;
const MIN_BACKBONE_OPSET = 9;
const PREFIX = 'trained_head/';

function floatTensor(name: string, dims: number[], values: Float32Array): ITensorProto {
  // Copy into a fresh buffer: raw_data is little-endian float32, which Float32Array is on every platform Node runs on.
  const bytes = new Uint8Array(values.byteLength);
  bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes };
}

function floatValueInfo(name: string, dims: (number | string)[]): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function checkHead(head: HeadWeights): void {
  const fanIn = head.hidden ? head.hidden.dim : head.inputDim;
  if (head.hidden && (head.hidden.kernel.length !== head.inputDim * head.hidden.dim || head.hidden.bias.length !== head.hidden.dim)) throw new Error(`head hidden layer does not match ${head.inputDim}×${head.hidden.dim}`);
  if (head.kernel.length !== fanIn * head.projectionDim) throw new Error(`head kernel has ${head.kernel.length} values, expected ${fanIn}×${head.projectionDim}`);
  if (head.bias.length !== head.projectionDim) throw new Error(`head bias has ${head.bias.length} values, expected ${head.projectionDim}`);
  const arrays = [head.kernel, head.bias, ...(head.hidden ? [head.hidden.kernel, head.hidden.bias] : [])];
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) throw new Error('head weights contain a non-finite value');
}

/** The head's nodes and initializers, reading `input` [N, inputDim] and writing `output` [N, projectionDim]. */
function headNodes(head: HeadWeights, input: string, output: string): { nodes: INodeProto[]; initializers: ITensorProto[] } {
  checkHead(head);
  const n = (s: string) => PREFIX + s;
  const fanIn = head.hidden ? head.hidden.dim : head.inputDim;
  const initializers = [
    ...(head.hidden ? [floatTensor(n('hidden_kernel'), [head.inputDim, head.hidden.dim], head.hidden.kernel), floatTensor(n('hidden_bias'), [head.hidden.dim], head.hidden.bias)] : []),
    floatTensor(n('kernel'), [fanIn, head.projectionDim], head.kernel),
    floatTensor(n('bias'), [head.projectionDim], head.bias),
    floatTensor(n('ones'), [head.projectionDim, 1], new Float32Array(head.projectionDim).fill(1)),
    floatTensor(n('epsilon'), [1], Float32Array.of(NORM_EPSILON)),
  ];
  const node = (opType: string, inputs: string[], out: string): INodeProto => ({ opType, input: inputs, output: [out], name: out === output ? n('normalise') : out });
  const hiddenNodes = head.hidden
    ? [node('MatMul', [input, n('hidden_kernel')], n('hidden_projected')), node('Add', [n('hidden_projected'), n('hidden_bias')], n('hidden_biased')), node('Relu', [n('hidden_biased')], n('hidden'))]
    : [];
  const nodes = [
    ...hiddenNodes,
    node('MatMul', [head.hidden ? n('hidden') : input, n('kernel')], n('projected')),
    node('Add', [n('projected'), n('bias')], n('biased')),
    node('Mul', [n('biased'), n('biased')], n('squared')),
    // Row sums of squares as a product with a ones column: opset-independent, unlike ReduceSumSquare.
    node('MatMul', [n('squared'), n('ones')], n('sum_squares')),
    node('Sqrt', [n('sum_squares')], n('norm')),
    node('Max', [n('norm'), n('epsilon')], n('safe_norm')),
    node('Div', [n('biased'), n('safe_norm')], output),
  ];
  return { nodes, initializers };
}

/** A stand-alone ONNX model: `features` [batch, inputDim] → `embedding` [batch, projectionDim], L2-normalised. */
export function buildHeadModel(head: HeadWeights): Uint8Array {
  const { nodes, initializers } = headNodes(head, HEAD_INPUT, HEAD_OUTPUT);
  const model: IModelProto = {
    irVersion: 7,
    producerName: 'atolye-training',
    opsetImport: [{ domain: '', version: HEAD_OPSET }],
    graph: {
      name: 'trained_head',
      node: nodes,
      initializer: initializers,
      input: [floatValueInfo(HEAD_INPUT, ['batch', head.inputDim])],
      output: [floatValueInfo(HEAD_OUTPUT, ['batch', head.projectionDim])],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

function allTensorNames(graph: onnxProto.onnx.IGraphProto): Set<string> {
  const names = new Set<string>();
  for (const n of graph.node ?? []) for (const t of [...(n.input ?? []), ...(n.output ?? [])]) names.add(t);
  for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) if (v.name) names.add(v.name);
  for (const t of graph.initializer ?? []) if (t.name) names.add(t.name);
  return names;
}

/** Names a node reads, including outer-scope names used inside its subgraphs (If/Loop/Scan bodies). */
function namesRead(node: INodeProto): string[] {
  const names = [...(node.input ?? [])];
  for (const a of node.attribute ?? []) {
    for (const g of [a.g, ...(a.graphs ?? [])]) {
      if (!g) continue;
      for (const inner of g.node ?? []) names.push(...namesRead(inner));
    }
  }
  return names;
}

/**
 * Drops the backbone nodes and weights that no longer feed the output (its classifier,
 * say), so the embedder does not compute them. Nodes are topologically sorted in ONNX,
 * so one pass from the end finds everything the output depends on.
 */
function pruneTo(graph: onnxProto.onnx.IGraphProto, output: string): void {
  const needed = new Set([output]);
  const kept: INodeProto[] = [];
  for (const node of [...(graph.node ?? [])].reverse()) {
    if (!(node.output ?? []).some((o) => needed.has(o))) continue;
    kept.push(node);
    for (const name of namesRead(node)) needed.add(name);
  }
  graph.node = kept.reverse();
  graph.initializer = (graph.initializer ?? []).filter((t) => t.name && needed.has(t.name));
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => v.name && needed.has(v.name));
}

export interface AppendOptions {
  /** The backbone output holding the feature vector; required when the backbone has several. */
  backboneOutput?: string;
  /** Name of the combined model's output (default `embedding`). */
  outputName?: string;
}

/**
 * One embedder file: `backbone`'s graph with the head appended after `backboneOutput`
 * (flattened to [N, inputDim] first), whose output becomes the model's only output.
 * The backbone's other outputs, and the nodes only they needed, are dropped. Throws when
 * the feature width does not match.
 */
export function appendHeadToBackbone(backbone: Uint8Array, head: HeadWeights, opts: AppendOptions = {}): Uint8Array {
  const model = onnx.ModelProto.decode(backbone);
  const graph = model.graph;
  if (!graph) throw new Error('the backbone model has no graph');
  const outputs = graph.output ?? [];
  const chosen = opts.backboneOutput ?? (outputs.length === 1 ? outputs[0]!.name : undefined);
  if (!chosen) throw new Error(`the backbone has ${outputs.length} outputs (${outputs.map((o) => o.name).join(', ')}); say which holds the features`);
  const feature = outputs.find((o) => o.name === chosen);
  if (!feature) throw new Error(`the backbone has no output named ${chosen}`);
  const dims = feature.type?.tensorType?.shape?.dim ?? [];
  const staticWidth = dims.slice(1).reduce<number | null>((acc, d) => (acc === null || d.dimValue == null || Number(d.dimValue) === 0 ? null : acc * Number(d.dimValue)), 1);
  if (dims.length >= 2 && staticWidth !== null && staticWidth !== head.inputDim) throw new Error(`the backbone output ${chosen} has ${staticWidth} features per row; the head expects ${head.inputDim}`);
  const opset = (model.opsetImport ?? []).find((o) => !o.domain)?.version;
  if (opset != null && Number(opset) < MIN_BACKBONE_OPSET) throw new Error(`the backbone uses opset ${opset}; the head needs ${MIN_BACKBONE_OPSET} or later`);

  const outputName = opts.outputName ?? HEAD_OUTPUT;
  const taken = allTensorNames(graph);
  for (const name of taken) if (name.startsWith(PREFIX)) throw new Error(`the backbone already has a tensor named ${name}: a head was appended to it before`);
  if (taken.has(outputName)) throw new Error(`the backbone already has a tensor named ${outputName}; choose another outputName`);

  const flat = `${PREFIX}flat_features`;
  const { nodes, initializers } = headNodes(head, flat, outputName);
  graph.node = [...(graph.node ?? []), { opType: 'Flatten', input: [chosen], output: [flat], name: flat, attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }, ...nodes];
  graph.initializer = [...(graph.initializer ?? []), ...initializers];
  const batch = dims[0]?.dimValue != null && Number(dims[0].dimValue) > 0 ? Number(dims[0].dimValue) : (dims[0]?.dimParam ?? 'batch');
  graph.output = [floatValueInfo(outputName, [batch, head.projectionDim])];
  pruneTo(graph, outputName);
  model.producerName = model.producerName ? `${model.producerName} + atolye-training` : 'atolye-training';
  return onnx.ModelProto.encode(model).finish();
}
