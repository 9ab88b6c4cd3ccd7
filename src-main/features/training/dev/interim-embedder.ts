/**
 * A stand-in for the default embedder that src-main/features/embeddings/ is building
 * (same recipe: nsfwjs' MobileNetV2-1.4, mean-pooled blocks 12 + 15 + final, each
 * L2-normalised, ⊕ an L2-normalised √HSV 18×4×4 histogram, all L2-normalised; 2,440
 * dimensions), run here with TF.js instead of onnxruntime. It exists so the trainer can
 * be developed and benchmarked on real features now; the trainer takes plain arrays, so
 * the real embedder replaces this file without touching the trainer.
 *
 * Heavy work: call it from a worker thread or a script, never on the engine's loop.
 */
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { MobileNetV2MidModel } from 'nsfwjs/models/mobilenet_v2_mid';

const INPUT_SIZE = 224;
const NODE_PREFIX = 'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/MobilenetV2/';
/** Block 12 and 15 residual outputs and the last 1×1 convolution (before global pooling). */
const POOLED_NODES = ['expanded_conv_12/add', 'expanded_conv_15/add', 'Conv_1/Relu6'].map((n) => NODE_PREFIX + n);

export const HSV_BINS = { h: 18, s: 4, v: 4 } as const;
const HIST_SIZE = HSV_BINS.h * HSV_BINS.s * HSV_BINS.v;
const HIST_SIDE = 64;

export interface InterimEmbedder {
  readonly dimension: number;
  /** One L2-normalised vector per image (a path or encoded image bytes), in order. */
  embed(images: readonly (string | Buffer)[]): Promise<Float32Array[]>;
  dispose(): void;
}

async function loadGraphModel(): Promise<tf.GraphModel> {
  const json = (await MobileNetV2MidModel.modelJson()).default;
  const shards: Record<string, string> = {};
  for (let i = 0; i < MobileNetV2MidModel.numOfWeightBundles; i++) {
    shards[`group1-shard${i + 1}of${MobileNetV2MidModel.numOfWeightBundles}`] = (await MobileNetV2MidModel.weightBundles[i]!()).default;
  }
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const parts: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const b64 = shards[p];
      if (!b64) throw new Error(`nsfwjs MobileNetV2Mid: weight shard ${p} is missing`);
      parts.push(Buffer.from(b64, 'base64'));
    }
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(parts);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData, format: json.format }));
}

/** RGB 0..1 pixels, squashed to 224×224 as nsfwjs does (it resizes without cropping). */
async function networkInput(image: string | Buffer): Promise<Float32Array> {
  const { data } = await sharp(image).rotate().removeAlpha().resize(INPUT_SIZE, INPUT_SIZE, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! / 255;
  return out;
}

/** √ of the normalised HSV histogram (18 hue × 4 saturation × 4 value bins), L2-normalised. */
export async function sqrtHsvHistogram(image: string | Buffer): Promise<Float32Array> {
  const { data, info } = await sharp(image).rotate().removeAlpha().resize(HIST_SIDE, HIST_SIDE, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const hist = new Float32Array(HIST_SIZE);
  const pixels = info.width * info.height;
  for (let i = 0; i < pixels; i++) {
    const r = data[3 * i]! / 255;
    const g = data[3 * i + 1]! / 255;
    const b = data[3 * i + 2]! / 255;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const delta = max - min;
    let h = 0;
    if (delta > 0) {
      if (max === r) h = ((g - b) / delta + 6) % 6;
      else if (max === g) h = (b - r) / delta + 2;
      else h = (r - g) / delta + 4;
    }
    const s = max > 0 ? delta / max : 0;
    const hb = Math.min(HSV_BINS.h - 1, Math.floor((h / 6) * HSV_BINS.h));
    const sb = Math.min(HSV_BINS.s - 1, Math.floor(s * HSV_BINS.s));
    const vb = Math.min(HSV_BINS.v - 1, Math.floor(max * HSV_BINS.v));
    hist[(hb * HSV_BINS.s + sb) * HSV_BINS.v + vb]! += 1;
  }
  for (let i = 0; i < HIST_SIZE; i++) hist[i] = Math.sqrt(hist[i]! / pixels);
  return l2Normalised(hist);
}

export function l2Normalised(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  if (inv === 0) throw new Error('cannot normalise a zero vector');
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

export async function loadInterimEmbedder(batchSize = 8): Promise<InterimEmbedder> {
  const model = await loadGraphModel();
  let networkDim = 0;
  const pooled = (batch: Float32Array[]): Float32Array[] =>
    tf.tidy(() => {
      const input = tf.tensor4d(concat(batch), [batch.length, INPUT_SIZE, INPUT_SIZE, 3]);
      const maps = model.execute(input, POOLED_NODES) as tf.Tensor4D[];
      // Each block L2-normalised on its own so the 1,792-wide final block does not drown the others.
      const parts = maps.map((m) => {
        const v = tf.mean(m, [1, 2]);
        return tf.div(v, tf.maximum(tf.norm(v, 2, 1, true), 1e-12));
      });
      const joined = tf.concat(parts, 1);
      networkDim = joined.shape[1]!;
      const rows = joined.arraySync() as number[][];
      return rows.map((r) => l2Normalised(Float32Array.from(r)));
    });
  return {
    get dimension() {
      if (!networkDim) throw new Error('dimension is known after the first embed()');
      return networkDim + HIST_SIZE;
    },
    async embed(images) {
      const out: Float32Array[] = [];
      for (let i = 0; i < images.length; i += batchSize) {
        const slice = images.slice(i, i + batchSize);
        const inputs = await Promise.all(slice.map(networkInput));
        const hists = await Promise.all(slice.map(sqrtHsvHistogram));
        const nets = pooled(inputs);
        nets.forEach((net, j) => {
          const v = new Float32Array(net.length + HIST_SIZE);
          v.set(net, 0);
          v.set(hists[j]!, net.length);
          out.push(l2Normalised(v));
        });
      }
      return out;
    },
    dispose() {
      model.dispose();
    },
  };
}

function concat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}
