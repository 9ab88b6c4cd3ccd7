/**
 * The built-in embedders' trainable tail, for training's backbone fine-tuning: the final
 * 1×1 convolution of MobileNetV2-1.4 (`Conv_1`: 448 → 1792 channels, batch norm folded
 * into its bias by the TF converter, then ReLU6), whose globally pooled output is the
 * embedding's `final` part.
 *
 * A fine-tuning run needs three things from here:
 * - the tail's input for an image, the 448-channel map of block 16 (NHWC, one row of
 *   448 per spatial position), computed in-process from the same graph and the same
 *   image preparation as the embedder's own vectors (`loadOfflineTailMapsInProcess`);
 * - the tail's initial weights and where its part sits in the embedding vector
 *   (`readOfflineTail`), so that the rest of the vector (blocks 12 and 15, the colour
 *   histogram) can be taken from the cached parent vector unchanged;
 * - an embedder with the trained weights put back (`buildFineTunedOfflineEmbedder`): the
 *   same graph build as the built-in's, so the app serves exactly what was trained.
 *
 * Only this one layer is unlocked: the layer before it (block 16's projection) would need
 * its 2,688-channel input cached per image (over 1 MB at 320 px), and on this CPU even
 * this layer costs ~12× the frozen head's epoch (docs/benchmarks.md, "Training").
 */
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { prepareEmbeddingPixels } from './embedding-image.js';
import { toModelRef } from './embedder-spec.js';
import type { EmbedderHandle } from './image-embedder.js';
import { buildOfflineEmbedderModel, mobilenetBlock, MOBILENET_FINAL, nsfwjsModelDir, OFFLINE_EMBEDDERS, offlineEmbedderSpec, offlineNetworkDimension, offlineVariant } from './offline-embedder.js';
import { readNsfwjsModel, type TfjsGraphModel } from './tfjs-graph-model.js';
import { tfjsToOnnx } from './tfjs-to-onnx.js';

const CONV_1 = MOBILENET_FINAL.replace(/Relu6$/, '');
/** nsfwjs' names of the tail's weights: the fused convolution's kernel [1, 1, in, out] and bias [out]. */
export const OFFLINE_TAIL_WEIGHTS = { kernel: `${CONV_1}Conv2D_weights`, bias: `${CONV_1}Conv2D_bn_offset` } as const;
/** The tail's input: block 16's output (no residual, so its projection's batch norm). */
const TAIL_INPUT = mobilenetBlock(16);
/** Channels of that input in MobileNetV2-1.4 (320 × 1.4); readOfflineTail checks the weights agree. */
const TAIL_IN_CHANNELS = 448;

/** Bytes of one image's tail input (float32), without reading the weights: what fine-tuning holds per image and view. */
export function offlineTailMapBytes(embedderId: string): number {
  const side = Math.ceil(offlineVariant(embedderId).recipe.size / 32);
  return side * side * TAIL_IN_CHANNELS * 4;
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

export interface OfflineTail {
  embedderId: string;
  inChannels: number;
  outChannels: number;
  /** Spatial positions of the map (h·w: 100 at 320 px, 49 at 224). */
  positions: number;
  /** Where the tail's pooled, normalised output sits in the embedder's vector: [start, end). */
  slice: { start: number; end: number };
  /** Row-major [inChannels, outChannels]. */
  kernel: Float32Array;
  bias: Float32Array;
}

/** The tail of a built-in embedder (offline-embedder.ts' OFFLINE_EMBEDDERS): its shape, place and nsfwjs' weights. */
export async function readOfflineTail(embedderId: string, model?: TfjsGraphModel): Promise<OfflineTail> {
  const variant = offlineVariant(embedderId);
  const m = model ?? (await readNsfwjsModel(nsfwjsModelDir()));
  const last = variant.recipe.pooled.at(-1);
  if (last?.tensor !== MOBILENET_FINAL) throw new Error(`${embedderId}: its last pooled part is not the final convolution`);
  const kernel = m.weights.get(OFFLINE_TAIL_WEIGHTS.kernel);
  const bias = m.weights.get(OFFLINE_TAIL_WEIGHTS.bias);
  if (!kernel || !bias || kernel.shape.length !== 4 || kernel.shape[0] !== 1 || kernel.shape[1] !== 1) throw new Error('nsfwjs model: the final 1×1 convolution was not found');
  const [, , inChannels, outChannels] = kernel.shape as [number, number, number, number];
  if (inChannels !== TAIL_IN_CHANNELS) throw new Error(`nsfwjs model: the final convolution reads ${inChannels} channels, expected ${TAIL_IN_CHANNELS}`);
  const network = offlineNetworkDimension(m, variant.recipe);
  // 32× downsampling: 224 → 7, 320 → 10.
  const side = Math.ceil(variant.recipe.size / 32);
  return {
    embedderId,
    inChannels,
    outChannels,
    positions: side * side,
    slice: { start: network - outChannels, end: network },
    // [1, 1, in, out] row-major is already [in, out].
    kernel: Float32Array.from(kernel.data as Float32Array),
    bias: Float32Array.from(bias.data as Float32Array),
  };
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
export async function loadOfflineTailMapsInProcess(embedderId: string, batchSize = 8): Promise<TailMapsInProcess> {
  const variant = offlineVariant(embedderId);
  const model = await readNsfwjsModel(nsfwjsModelDir());
  const tail = await readOfflineTail(embedderId, model);
  const size = variant.recipe.size;
  const bytes = tfjsToOnnx(model, { outputs: [TAIL_INPUT], inputShape: ['batch', size, size, 3], inputName: 'image' });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2 });
  const input = offlineEmbedderSpec(offlineNetworkDimension(model, variant.recipe), variant.recipe).input;
  const per = tail.positions * tail.inChannels;
  return {
    tail,
    async maps(images) {
      const out: Float32Array[] = [];
      for (let i = 0; i < images.length; i += batchSize) {
        const slice = images.slice(i, i + batchSize);
        const pixels = await Promise.all(slice.map((image) => prepareEmbeddingPixels(image, input)));
        const x = new Float32Array(slice.length * size * size * 3);
        pixels.forEach((p, k) => {
          for (let j = 0; j < p.length; j++) x[k * p.length + j] = p[j]! / 255;
        });
        const res = await session.run({ image: new ort.Tensor('float32', x, [slice.length, size, size, 3]) });
        const data = res[TAIL_INPUT]!.data as Float32Array;
        if (data.length !== slice.length * per) throw new Error(`block-16 map has ${data.length / slice.length} values, expected ${per}`);
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
 * The built-in embedder's graph with the tail's weights replaced: the same build (so the
 * same preparation, pooling and colour part apply), deterministic for given weights.
 */
export async function buildFineTunedOfflineEmbedder(embedderId: string, weights: { kernel: Float32Array; bias: Float32Array }): Promise<{ bytes: Uint8Array; sha256: string }> {
  const variant = offlineVariant(embedderId);
  const model = await readNsfwjsModel(nsfwjsModelDir());
  const kernel = model.weights.get(OFFLINE_TAIL_WEIGHTS.kernel)!;
  const bias = model.weights.get(OFFLINE_TAIL_WEIGHTS.bias)!;
  if (weights.kernel.length !== kernel.data.length || weights.bias.length !== bias.data.length) throw new Error('fine-tuned tail weights do not fit the final convolution');
  const replaced = new Map(model.weights);
  replaced.set(OFFLINE_TAIL_WEIGHTS.kernel, { ...kernel, data: Float32Array.from(weights.kernel) });
  replaced.set(OFFLINE_TAIL_WEIGHTS.bias, { ...bias, data: Float32Array.from(weights.bias) });
  const bytes = buildOfflineEmbedderModel({ ...model, weights: replaced }, variant.recipe);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
