/**
 * The built-in embedders' trainable tail, for training's backbone fine-tuning: the last
 * layers of MobileNetV2-1.4 that make the embedding's `final` part. The final 1×1
 * convolution (`Conv_1`: 448 → 1792 channels, batch norm folded into its bias by the TF
 * converter, then ReLU6) and, one deeper, block 16's 1×1 projection (1344 → 448, linear).
 *
 * A fine-tuning run needs three things from here:
 * - the tail's input for an image (the map that feeds its deepest unlocked layer, NHWC,
 *   one row of channels per spatial position), computed in-process from the same graph
 *   and the same image preparation as the embedder's own vectors
 *   (`loadOfflineTailMapsInProcess`);
 * - the layers' initial weights and where their output sits in the embedding vector
 *   (`readOfflineTail`), so that the rest of the vector (blocks 12 and 15, the colour
 *   histogram) can be taken from the cached parent vector unchanged;
 * - an embedder with the trained weights put back (`buildFineTunedOfflineEmbedder`): the
 *   same graph build as the built-in's, so the app serves exactly what was trained.
 *
 * Deeper than block 16's projection the next layer is a 3×3 depthwise convolution whose
 * input (1344 channels before its own expansion) would again triple what is held per
 * image; on this CPU one layer already costs ~15× the frozen head's epoch, for no measured gain.
 */
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { prepareEmbeddingPixels } from './embedding-image.js';
import { toModelRef } from './embedder-spec.js';
import type { EmbedderHandle } from './image-embedder.js';
import { buildOfflineEmbedderModel, mobilenetBlock, MOBILENET_FINAL, nsfwjsModelDir, OFFLINE_EMBEDDERS, offlineEmbedderSpec, offlineNetworkDimension, offlineVariant } from './offline-embedder.js';
import { readNsfwjsModel, type TfjsGraphModel } from './tfjs-graph-model.js';
import { tfjsToOnnx } from './tfjs-to-onnx.js';

const MOBILENET = MOBILENET_FINAL.replace(/Conv_1\/Relu6$/, '');

/**
 * The layers that can be unlocked, last first: the final 1×1 convolution (Conv_1, ReLU6)
 * and block 16's 1×1 projection (linear; batch norm folded into its bias). Each is a
 * fused convolution with a kernel [1, 1, in, out] and a bias [out] in nsfwjs' weights.
 * `input` is the TF tensor that feeds the layer: unlocking n layers caches the input of
 * the n-th (the one deepest in the network).
 */
export const OFFLINE_TAIL_LAYERS = [
  { name: 'Conv_1', kernel: `${MOBILENET}Conv_1/Conv2D_weights`, bias: `${MOBILENET}Conv_1/Conv2D_bn_offset`, input: mobilenetBlock(16), inChannels: 448, activation: 'relu6' },
  { name: 'expanded_conv_16/project', kernel: `${MOBILENET}expanded_conv_16/project/Conv2D_weights`, bias: `${MOBILENET}expanded_conv_16/project/Conv2D_bn_offset`, input: `${MOBILENET}expanded_conv_16/depthwise/depthwise`, inChannels: 1344, activation: 'none' },
] as const;
export const MAX_TAIL_LAYERS = OFFLINE_TAIL_LAYERS.length;

/** The names of the last `layers` layers, in the order they are applied (for a manifest). */
export function offlineTailLayerNames(layers: number): string[] {
  return unlocked(layers)
    .map((l) => `MobilenetV2/${l.name}`)
    .reverse();
}

function unlocked(layers: number): (typeof OFFLINE_TAIL_LAYERS)[number][] {
  if (!(Number.isInteger(layers) && layers >= 1 && layers <= MAX_TAIL_LAYERS)) throw new Error(`the built-ins can unlock 1 to ${MAX_TAIL_LAYERS} layers, not ${layers}`);
  return OFFLINE_TAIL_LAYERS.slice(0, layers);
}

/** Bytes of one image's tail input (float32), without reading the weights: what fine-tuning holds per image and view. */
export function offlineTailMapBytes(embedderId: string, layers = 1): number {
  const side = Math.ceil(offlineVariant(embedderId).recipe.size / 32);
  return side * side * unlocked(layers).at(-1)!.inChannels * 4;
}

/** Whether a run on this embedder can fine-tune its last layer: the built-ins can (their graph is built here), others cannot. */
export function isFineTunableEmbedder(embedderId: string): boolean {
  return OFFLINE_EMBEDDERS.some((v) => v.id === embedderId && v.recipe.pooled.at(-1)?.tensor === MOBILENET_FINAL);
}

/**
 * A fine-tuned built-in as an embedder handle: the built-in's preparation, pooling and
 * colour part (its spec) over the stored graph with the trained layer (`file`).
 */
export function fineTunedBackboneHandle(builtIn: EmbedderHandle, id: string, file: { path: string; sha256: string; bytes: number }): EmbedderHandle {
  if (builtIn.head) throw new Error(`${builtIn.id} is a trained head, not a built-in embedder`);
  return { id, spec: builtIn.spec, ref: toModelRef(id, file, builtIn.spec) };
}

export interface OfflineTailLayer {
  name: string;
  inChannels: number;
  outChannels: number;
  activation: 'relu6' | 'none';
  /** Row-major [inChannels, outChannels]. */
  kernel: Float32Array;
  bias: Float32Array;
}

export interface OfflineTail {
  embedderId: string;
  /** In the order they are applied: the deepest unlocked layer first, the final convolution last. */
  layers: OfflineTailLayer[];
  /** Spatial positions of the map (h·w: 100 at 320 px, 49 at 224). */
  positions: number;
  /** Where the tail's pooled, normalised output sits in the embedder's vector: [start, end). */
  slice: { start: number; end: number };
}

/** The last `layers` layers of a built-in embedder (offline-embedder.ts' OFFLINE_EMBEDDERS): their shapes, place and nsfwjs' weights. */
export async function readOfflineTail(embedderId: string, layers = 1, model?: TfjsGraphModel): Promise<OfflineTail> {
  const variant = offlineVariant(embedderId);
  const m = model ?? (await readNsfwjsModel(nsfwjsModelDir()));
  if (variant.recipe.pooled.at(-1)?.tensor !== MOBILENET_FINAL) throw new Error(`${embedderId}: its last pooled part is not the final convolution`);
  const read = unlocked(layers).map((layer): OfflineTailLayer => {
    const kernel = m.weights.get(layer.kernel);
    const bias = m.weights.get(layer.bias);
    if (!kernel || !bias || kernel.shape.length !== 4 || kernel.shape[0] !== 1 || kernel.shape[1] !== 1) throw new Error(`nsfwjs model: the 1×1 convolution ${layer.name} was not found`);
    const [, , inChannels, outChannels] = kernel.shape as [number, number, number, number];
    if (inChannels !== layer.inChannels) throw new Error(`nsfwjs model: ${layer.name} reads ${inChannels} channels, expected ${layer.inChannels}`);
    // [1, 1, in, out] row-major is already [in, out].
    return { name: layer.name, inChannels, outChannels, activation: layer.activation, kernel: Float32Array.from(kernel.data as Float32Array), bias: Float32Array.from(bias.data as Float32Array) };
  });
  const network = offlineNetworkDimension(m, variant.recipe);
  const final = read[0]!.outChannels;
  // 32× downsampling: 224 → 7, 320 → 10.
  const side = Math.ceil(variant.recipe.size / 32);
  return { embedderId, layers: read.reverse(), positions: side * side, slice: { start: network - final, end: network } };
}

export interface TailMapsInProcess {
  readonly tail: OfflineTail;
  /** One map per image, [positions, inChannels] row-major, in order. */
  maps(images: readonly (string | Uint8Array)[]): Promise<Float32Array[]>;
  dispose(): void;
}

/**
 * Block-16 maps of images for a built-in embedder, run in-process (onnxruntime on the
 * calling thread: a worker's or a script's, never the engine's loop). The pixels are
 * prepared as the embedder prepares them, so a map and the embedder's cached vector of
 * the same image describe the same input.
 */
export async function loadOfflineTailMapsInProcess(embedderId: string, options: { layers?: number; batchSize?: number } = {}): Promise<TailMapsInProcess> {
  const variant = offlineVariant(embedderId);
  const model = await readNsfwjsModel(nsfwjsModelDir());
  const layers = options.layers ?? 1;
  const batchSize = options.batchSize ?? 8;
  const tail = await readOfflineTail(embedderId, layers, model);
  const input = unlocked(layers).at(-1)!.input;
  const size = variant.recipe.size;
  const bytes = tfjsToOnnx(model, { outputs: [input], inputShape: ['batch', size, size, 3], inputName: 'image' });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2 });
  const prepare = offlineEmbedderSpec(offlineNetworkDimension(model, variant.recipe), variant.recipe).input;
  const per = tail.positions * tail.layers[0]!.inChannels;
  return {
    tail,
    async maps(images) {
      const out: Float32Array[] = [];
      for (let i = 0; i < images.length; i += batchSize) {
        const slice = images.slice(i, i + batchSize);
        const pixels = await Promise.all(slice.map((image) => prepareEmbeddingPixels(image, prepare)));
        const x = new Float32Array(slice.length * size * size * 3);
        pixels.forEach((p, k) => {
          for (let j = 0; j < p.length; j++) x[k * p.length + j] = p[j]! / 255;
        });
        const res = await session.run({ image: new ort.Tensor('float32', x, [slice.length, size, size, 3]) });
        const data = res[input]!.data as Float32Array;
        if (data.length !== slice.length * per) throw new Error(`the tail's input map has ${data.length / slice.length} values, expected ${per}`);
        for (let k = 0; k < slice.length; k++) out.push(data.slice(k * per, (k + 1) * per));
      }
      return out;
    },
    dispose() {
      void session.release();
    },
  };
}

/**
 * The built-in embedder's graph with the tail's weights replaced (`layers` in the order
 * they are applied, as readOfflineTail gives them): the same build, so the same
 * preparation, pooling and colour part apply; deterministic for given weights.
 */
export async function buildFineTunedOfflineEmbedder(embedderId: string, layers: readonly { kernel: Float32Array; bias: Float32Array }[]): Promise<{ bytes: Uint8Array; sha256: string }> {
  const variant = offlineVariant(embedderId);
  const model = await readNsfwjsModel(nsfwjsModelDir());
  const replaced = new Map(model.weights);
  // Given deepest first; OFFLINE_TAIL_LAYERS lists them last first.
  const names = unlocked(layers.length).reverse();
  layers.forEach((w, i) => {
    const kernel = model.weights.get(names[i]!.kernel)!;
    const bias = model.weights.get(names[i]!.bias)!;
    if (w.kernel.length !== kernel.data.length || w.bias.length !== bias.data.length) throw new Error(`fine-tuned weights do not fit ${names[i]!.name}`);
    replaced.set(names[i]!.kernel, { ...kernel, data: Float32Array.from(w.kernel) });
    replaced.set(names[i]!.bias, { ...bias, data: Float32Array.from(w.bias) });
  });
  const bytes = buildOfflineEmbedderModel({ ...model, weights: replaced }, variant.recipe);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
