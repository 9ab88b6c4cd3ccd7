/**
 * The offline default image embedder, ready with no download: MobileNetV2-1.4 (the
 * ImageNet features nsfwjs ships as a TF.js graph model), imported to ONNX, with
 *   network part: blocks 12 and 15 and the final 1792-channel map, each globally
 *                 average-pooled and L2-normalised, concatenated, L2-normalised;
 *   colour part:  the √HSV 36×4×4 histogram of the central half of the same 224²
 *                 input (unit length);
 *   embedding:    L2([network ⊕ w·colour]).
 * The network part is one ONNX graph (input: the image, output: the normalised
 * concatenation, plus the raw pooled features), built at first use from the package's
 * weights. The build is deterministic, so its sha256 is known in advance
 * (OFFLINE_EMBEDDER_SHA256) and checked like a download's. The colour part is computed
 * in JS from the same pixels (hsv-histogram.ts) in the image worker: as ~30 ONNX
 * element-wise ops it measured ~10× slower than the JS loop and 40% of the network's time.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { EmbedderSpec } from './embedder-spec.js';
import type { HsvBins } from './hsv-histogram.js';
import { ElemType } from './onnx-builder.js';
import { readNsfwjsModel, type TfjsGraphModel } from './tfjs-graph-model.js';
import { importTfjsGraph } from './tfjs-to-onnx.js';

export const OFFLINE_EMBEDDER_ID = 'atolye-mobilenet-v2-hsv';
/** The npm package whose weights the build reads, and the version the sha256 below was recorded with. */
export const OFFLINE_EMBEDDER_PACKAGE = { name: 'nsfwjs', version: '4.3.0', modelDir: 'dist/models/mobilenet_v2_mid' } as const;
/** sha256 of the built .onnx (recorded from a build with nsfwjs 4.3.0; any other value means the inputs changed). */
export const OFFLINE_EMBEDDER_SHA256 = '086950a54e0d4aff8c05359f26112653a1c4cf3628e48694f5fae3d82f1a53be';

const MOBILENET = 'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/MobilenetV2/';
// Blocks with a residual connection end in an add; the others in their projection.
const RESIDUAL_BLOCKS = new Set([2, 4, 5, 7, 8, 9, 11, 12, 14, 15]);

/** The TF tensor at the end of inverted-residual block `k` (0–16) of nsfwjs' MobileNetV2. */
export function mobilenetBlock(k: number): string {
  return `${MOBILENET}expanded_conv${k ? `_${k}` : ''}/${RESIDUAL_BLOCKS.has(k) ? 'add' : 'project/BatchNorm/FusedBatchNormV3'}`;
}
/** The final 1×1 convolution's Relu6 output (7×7×1792 at 224²), before the classifier's pooling. */
export const MOBILENET_FINAL = `${MOBILENET}Conv_1/Relu6`;
/** nsfwjs' classifier output (5 NSFW classes), used only to check the importer end to end. */
export const NSFWJS_OUTPUT = 'Identity';

export interface OfflineEmbedderRecipe {
  /** Square input side; the image is stretched to it. */
  size: number;
  /** TF tensors globally average-pooled into the network part, in order. */
  pooled: { name: string; tensor: string }[];
  bins: HsvBins;
  /** The histogram covers the central fraction of the input by side (1: all of it). */
  histogramCentre: number;
  /** The colour part's weight against the (unit) network part. */
  histogramWeight: number;
}

export const OFFLINE_EMBEDDER_RECIPE: OfflineEmbedderRecipe = {
  size: 224,
  pooled: [
    { name: 'block12', tensor: mobilenetBlock(12) },
    { name: 'block15', tensor: mobilenetBlock(15) },
    { name: 'final', tensor: MOBILENET_FINAL },
  ],
  // The histogram of the central half (by side) with 36 hue sectors: on the grocery-store
  // set 59.8 / 74.7 recall@1/@5 against 52.0 / 70.6 for the whole image at 18×4×4 (the
  // same gain in the reverse direction, 2,640 queries: 34.8 / 52.2 against 30.2 / 48.1).
  bins: { hue: 36, saturation: 4, value: 4 },
  histogramCentre: 0.5,
  histogramWeight: 1,
};

/**
 * The same network on a 320×320 input: its 10×10 maps keep detail the 7×7 ones average
 * away. Raw retrieval is no better (59.5 against 59.8 % recall@1 on the grocery set's val
 * photos) but what a trained projection can separate is: the LDA floor goes from 67.2 to
 * 71.3 % (288 px: 68.2, 416 px: 71.6), for 1.6× the time per image. Offered as a
 * training backbone beside the default, not instead of it, so existing vectors and
 * trained heads keep their parent.
 */
export const OFFLINE_EMBEDDER_320_ID = 'atolye-mobilenet-v2-hsv-320';
export const OFFLINE_EMBEDDER_320_RECIPE: OfflineEmbedderRecipe = { ...OFFLINE_EMBEDDER_RECIPE, size: 320 };
/** sha256 of the 320 px build (nsfwjs 4.3.0), checked like the default's. */
export const OFFLINE_EMBEDDER_320_SHA256 = 'c09841b9c2a6424b65bc7c78f38da7620c9c3afa2d2328b3ceb1a30c866f8c94';

/** An embedder built here from nsfwjs' weights: its id, recipe and the sha256 its build must have. */
export interface OfflineEmbedderVariant {
  id: string;
  recipe: OfflineEmbedderRecipe;
  sha256: string;
}

export const OFFLINE_EMBEDDERS: readonly OfflineEmbedderVariant[] = [
  { id: OFFLINE_EMBEDDER_ID, recipe: OFFLINE_EMBEDDER_RECIPE, sha256: OFFLINE_EMBEDDER_SHA256 },
  { id: OFFLINE_EMBEDDER_320_ID, recipe: OFFLINE_EMBEDDER_320_RECIPE, sha256: OFFLINE_EMBEDDER_320_SHA256 },
];

/** The built-in embedder of that id (the default when none is named). */
export function offlineVariant(id: string = OFFLINE_EMBEDDER_ID): OfflineEmbedderVariant {
  const v = OFFLINE_EMBEDDERS.find((x) => x.id === id);
  if (!v) throw new Error(`no built-in embedder ${id}`);
  return v;
}

/** Channels of blocks 12 (136) and 15 (224) and the final map (1792) of MobileNetV2-1.4: the default recipe's network part. */
export const OFFLINE_NETWORK_DIMENSION = 136 + 224 + 1792;

/** Graph input and outputs. */
export const OFFLINE_EMBEDDER_IO = {
  input: 'image',
  network: 'network',
  /** Raw (not normalised) pooled features: `pooled_<name>`. */
  pooled: (name: string) => `pooled_${name}`,
} as const;

/** The ONNX model of a recipe; everything it needs comes from `model` (nothing is read or fetched). */
export function buildOfflineEmbedderModel(model: TfjsGraphModel, recipe: OfflineEmbedderRecipe = OFFLINE_EMBEDDER_RECIPE): Uint8Array {
  const { size } = recipe;
  const graph = importTfjsGraph(model, { outputs: recipe.pooled.map((p) => p.tensor), inputShape: ['batch', size, size, 3], inputName: OFFLINE_EMBEDDER_IO.input });
  const b = graph.builder;
  const parts: string[] = [];
  let networkDim = 0;
  for (const p of recipe.pooled) {
    const t = graph.tensors.get(p.tensor)!;
    if (!t.nchw) throw new Error(`${p.tensor} is not an image tensor`);
    const pooled = b.op('Flatten', [b.op('GlobalAveragePool', [t.name])], { axis: 1 }, OFFLINE_EMBEDDER_IO.pooled(p.name));
    b.output(pooled, ElemType.FLOAT, ['batch', `${p.name}_channels`]);
    parts.push(b.op('LpNormalization', [pooled], { axis: 1, p: 2 }));
    networkDim += channelsOf(model, p.tensor);
  }
  const network = b.op('LpNormalization', [b.op('Concat', parts, { axis: 1 })], { axis: 1, p: 2 }, OFFLINE_EMBEDDER_IO.network);
  b.output(network, ElemType.FLOAT, ['batch', networkDim]);
  return b.encode(`${OFFLINE_EMBEDDER_ID}: built from ${OFFLINE_EMBEDDER_PACKAGE.name}'s MobileNetV2-1.4 weights`);
}

/** Output channels of a TF tensor made by a convolution or an add of such (from the weights). */
function channelsOf(model: TfjsGraphModel, tensor: string): number {
  const byName = new Map(model.nodes.map((n) => [n.name, n]));
  let node = byName.get(tensor);
  while (node) {
    if (node.op.includes('Conv2D') || node.op.includes('Depthwise')) {
      const w = model.weights.get(node.input![1]!)!;
      return node.op.includes('Depthwise') ? w.shape[2]! * w.shape[3]! : w.shape[3]!;
    }
    node = byName.get(node.input?.[0] ?? '');
  }
  throw new Error(`cannot tell the channels of ${tensor}`);
}

/** Dimension of the network part (the graph's `network` output). */
export function offlineNetworkDimension(model: TfjsGraphModel, recipe: OfflineEmbedderRecipe = OFFLINE_EMBEDDER_RECIPE): number {
  return recipe.pooled.reduce((n, p) => n + channelsOf(model, p.tensor), 0);
}

/** The embedder's manifest spec: the graph pools and normalises the network part; the histogram joins it outside. */
export function offlineEmbedderSpec(networkDimension = OFFLINE_NETWORK_DIMENSION, recipe: OfflineEmbedderRecipe = OFFLINE_EMBEDDER_RECIPE): EmbedderSpec {
  const histogram = recipe.bins.hue * recipe.bins.saturation * recipe.bins.value;
  return {
    input: {
      name: OFFLINE_EMBEDDER_IO.input,
      size: [recipe.size, recipe.size],
      resize: { mode: 'stretch', kernel: 'lanczos3' },
      layout: 'NHWC',
      colorOrder: 'RGB',
      mean: [0, 0, 0],
      std: [255, 255, 255],
    },
    outputs: [{ name: OFFLINE_EMBEDDER_IO.network, pooling: 'none', layout: 'NCHW', normalize: true, weight: 1, dimension: networkDimension }],
    histogram: { bins: recipe.bins, centre: recipe.histogramCentre, weight: recipe.histogramWeight },
    dimension: networkDimension + histogram,
  };
}

/** The folder of nsfwjs' MobileNetV2-1.4 graph model, found the way Node resolves the package. */
export function nsfwjsModelDir(): string {
  const require = createRequire(import.meta.url);
  // The package's exports map hides package.json; its CommonJS entry is dist/cjs/index.js.
  const entry = require.resolve(OFFLINE_EMBEDDER_PACKAGE.name);
  const root = path.resolve(path.dirname(entry), '..', '..');
  return path.join(root, OFFLINE_EMBEDDER_PACKAGE.modelDir);
}

export async function buildOfflineEmbedder(recipe: OfflineEmbedderRecipe = OFFLINE_EMBEDDER_RECIPE): Promise<{ bytes: Uint8Array; sha256: string; networkDimension: number }> {
  const model = await readNsfwjsModel(nsfwjsModelDir());
  const bytes = buildOfflineEmbedderModel(model, recipe);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex'), networkDimension: offlineNetworkDimension(model, recipe) };
}

export interface BuiltModelFile {
  path: string;
  sha256: string;
  bytes: number;
}

/**
 * A built-in embedder's .onnx (the default unless `id` names another) in `cacheDir`,
 * named by its id and sha256 (`expected`: the variant's recorded one unless given): reused when present
 * and intact, otherwise built (temp file + rename). A build whose hash is not the
 * recorded one is refused: the package's weights are not the ones it was made from.
 */
export async function ensureOfflineEmbedder(cacheDir: string, expected?: string | null, id: string = OFFLINE_EMBEDDER_ID): Promise<BuiltModelFile> {
  const variant = offlineVariant(id);
  const expectedSha256 = expected === undefined ? variant.sha256 : expected;
  if (expectedSha256 && /^[0-9a-f]{64}$/.test(expectedSha256)) {
    const file = path.join(cacheDir, `${variant.id}-${expectedSha256}.onnx`);
    const existing = await fs.readFile(file).catch(() => null);
    if (existing && createHash('sha256').update(existing).digest('hex') === expectedSha256) return { path: file, sha256: expectedSha256, bytes: existing.length };
  }
  const built = await buildOfflineEmbedder(variant.recipe);
  if (expectedSha256 && built.sha256 !== expectedSha256) {
    throw new Error(`the offline embedder ${variant.id} built from ${OFFLINE_EMBEDDER_PACKAGE.name} has sha256 ${built.sha256}, expected ${expectedSha256} (was the package updated from ${OFFLINE_EMBEDDER_PACKAGE.version}?)`);
  }
  await fs.mkdir(cacheDir, { recursive: true });
  const file = path.join(cacheDir, `${variant.id}-${built.sha256}.onnx`);
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(temp, built.bytes);
  await fs.rename(temp, file);
  return { path: file, sha256: built.sha256, bytes: built.bytes.length };
}
