/**
 * Whether an ONNX file's tensors fit the image-embedding task: the checks a downloaded
 * catalog embedder passes against its manifest before it is installed, and the guess made
 * for a user's own embedder (one image input; one output read as the vector).
 */
import type { TensorInfo } from '../../engine/inference/protocol.js';
import type { EmbedderIo } from './manifest.js';

type Io = { inputs: readonly TensorInfo[]; outputs: readonly TensorInfo[] };
type Pooling = EmbedderIo['outputs'][number]['pooling'];

/** A vector shorter than this is not an embedding (a one-channel mask pooled to a number, say). */
export const MIN_EMBEDDING_DIMENSION = 8;
/** The input size assumed when a model leaves it open (what most ImageNet-trained encoders read). */
const DEFAULT_SIZE = 224;

const fixed = (v: unknown): v is number => typeof v === 'number' && v > 0;
const names = (ts: readonly TensorInfo[]) => ts.map((t) => `${t.name} ${t.type ?? '?'} [${(t.shape ?? []).join(', ')}]`).join('; ') || 'none';

/** The rank an output must have for a pooling: a row per image, tokens per image, or a feature map. */
function rankFor(pooling: Pooling): number {
  return pooling === 'none' ? 2 : pooling === 'cls' || pooling === 'tokens' ? 3 : 4;
}

/** Why a file's tensors do not fit an embedder manifest, or null when they do (unknown shapes are not held against it). */
export function embedderMismatch(io: Io, spec: EmbedderIo): string | null {
  const input = spec.input.name === null ? io.inputs[0] : io.inputs.find((i) => i.name === spec.input.name);
  if (!input) return spec.input.name ? `no input named ${spec.input.name} (inputs: ${names(io.inputs)})` : 'the model has no input';
  const others = io.inputs.filter((i) => i !== input);
  if (others.length) return `it needs other inputs besides the image (${names(others)})`;
  if (input.type !== 'float32') return `the input ${input.name} is ${input.type ?? 'not a tensor'}, expected float32`;
  const shape = input.shape;
  if (shape) {
    if (shape.length !== 4) return `the input ${input.name} has rank ${shape.length}, expected 4`;
    const [w, h] = spec.input.size;
    const [c, hh, ww] = spec.input.layout === 'NCHW' ? [shape[1], shape[2], shape[3]] : [shape[3], shape[1], shape[2]];
    if (fixed(c) && c !== 3) return `the input ${input.name} is [${shape.join(', ')}]: ${c} channels where ${spec.input.layout} puts them, expected 3`;
    if ((fixed(hh) && hh !== h) || (fixed(ww) && ww !== w)) return `the input ${input.name} is [${shape.join(', ')}], the manifest feeds it ${w}×${h}`;
  }
  for (const o of spec.outputs) {
    const t = io.outputs.find((x) => x.name === o.name);
    if (!t) return `no output named ${o.name} (outputs: ${names(io.outputs)})`;
    if (t.type !== 'float32') return `the output ${o.name} is ${t.type ?? 'not a tensor'}, expected float32`;
    const want = rankFor(o.pooling);
    const s = t.shape;
    if (!s) continue;
    if (s.length !== want) return `the output ${o.name} has rank ${s.length}; ${o.pooling} pooling reads rank ${want}`;
    const d = want === 4 ? ((o.layout ?? 'NCHW') === 'NCHW' ? s[1] : s[3]) : s[want - 1];
    if (fixed(d) && d !== o.dimension) return `the output ${o.name} has ${d} values per image, the manifest says ${o.dimension}`;
  }
  return null;
}

export interface EmbedderFit {
  input: { name: string; size: [number, number]; layout: 'NCHW' | 'NHWC' };
  output: { name: string; pooling: Pooling; dimension: number };
}

/**
 * A user's own embedder: exactly one float32 image input of rank 4 with 3 channels (its
 * size, or 224 where it is open), and the first float32 output that is a vector per image
 * ([N, D]), else tokens ([N, T, D], the class token), else a feature map (mean over its
 * positions, in the input's layout), with a fixed length of at least MIN_EMBEDDING_DIMENSION.
 */
export function fitEmbedderFile(io: Io): EmbedderFit | { problem: string } {
  if (io.inputs.length !== 1) return { problem: `the model has ${io.inputs.length} inputs (${names(io.inputs)}); an embedder takes one image` };
  const input = io.inputs[0]!;
  const shape = input.shape ?? [];
  if (input.type !== 'float32' || shape.length !== 4) return { problem: `the input ${input.name} is ${input.type ?? '?'} [${shape.join(', ')}], expected a float32 [N, 3, H, W] or [N, H, W, 3]` };
  const layout = shape[1] === 3 ? 'NCHW' : shape[3] === 3 ? 'NHWC' : null;
  if (!layout) return { problem: `the input ${input.name} is [${shape.join(', ')}]: no axis of 3 colour channels after the batch or at the end` };
  const [h, w] = layout === 'NCHW' ? [shape[2], shape[3]] : [shape[1], shape[2]];
  const size: [number, number] = [fixed(w) ? w : DEFAULT_SIZE, fixed(h) ? h : DEFAULT_SIZE];
  const floats = io.outputs.filter((o) => o.type === 'float32' && o.shape);
  const pick = (rank: number, dimOf: (s: (number | string)[]) => unknown, pooling: Pooling) => {
    for (const o of floats) {
      const d = o.shape!.length === rank ? dimOf(o.shape!) : null;
      if (fixed(d) && d >= MIN_EMBEDDING_DIMENSION) return { name: o.name, pooling, dimension: d };
    }
    return null;
  };
  const output =
    pick(2, (s) => s[1], 'none') ??
    pick(3, (s) => s[2], 'cls') ??
    pick(4, (s) => (layout === 'NCHW' ? s[1] : s[3]), 'mean');
  if (!output) return { problem: `no output is a float vector per image of at least ${MIN_EMBEDDING_DIMENSION} values (outputs: ${names(io.outputs)})` };
  return { input: { name: input.name, size, layout }, output };
}
