/**
 * The offline default embedder (offline-embedder.ts) for benches and scripts, run in-process: the
 * engine's own ONNX graph (built from nsfwjs' weights, sha256-checked), the engine's own
 * image preparation (embedding-image.ts) and central-half √HSV histogram, joined and
 * normalised as ImageEmbedder does. Same vectors as the app's (bench:embed: 59.8 % recall@1
 * on val); batched without the engine's worker pools so a script can embed thousands fast.
 *
 * Heavy work: call it from a script or a worker thread, never on the engine's loop.
 */
import * as ort from 'onnxruntime-node';
import { prepareEmbeddingPixels } from './embedding-image.js';
import { sqrtHsvHistogramOfCentre } from './hsv-histogram.js';
import { normalizeRow } from './unit-vector.js';
import { buildOfflineEmbedder, OFFLINE_EMBEDDER_ID, OFFLINE_EMBEDDER_IO, offlineEmbedderSpec, offlineVariant } from './offline-embedder.js';

export interface InProcessEmbedder {
  readonly dimension: number;
  /** One unit-length vector per image (a path or encoded bytes), in order. */
  embed(images: readonly (string | Buffer)[]): Promise<Float32Array[]>;
  dispose(): void;
}

/** `id`: which built-in embedder (offline-embedder.ts' OFFLINE_EMBEDDERS), the default unless named. */
export async function loadOfflineEmbedderInProcess(batchSize = 16, id: string = OFFLINE_EMBEDDER_ID): Promise<InProcessEmbedder> {
  const variant = offlineVariant(id);
  const built = await buildOfflineEmbedder(variant.recipe);
  if (built.sha256 !== variant.sha256) throw new Error(`the offline embedder ${id} built with sha256 ${built.sha256}, expected ${variant.sha256}`);
  const session = await ort.InferenceSession.create(built.bytes, { intraOpNumThreads: 2 });
  const spec = offlineEmbedderSpec(built.networkDimension, variant.recipe);
  const [w, h] = spec.input.size;
  const net = built.networkDimension;
  const histogram = spec.histogram!;
  const prepare = async (image: string | Buffer) => {
    const pixels = await prepareEmbeddingPixels(image, spec.input);
    return { pixels, hist: sqrtHsvHistogramOfCentre(pixels, { width: w, height: h, channels: 3 }, histogram.centre, histogram.bins) };
  };
  return {
    dimension: spec.dimension,
    async embed(images) {
      const out: Float32Array[] = [];
      for (let i = 0; i < images.length; i += batchSize) {
        const items = await Promise.all(images.slice(i, i + batchSize).map(prepare));
        const x = new Float32Array(items.length * w * h * 3);
        items.forEach((it, k) => {
          for (let j = 0; j < it.pixels.length; j++) x[k * it.pixels.length + j] = it.pixels[j]! / 255;
        });
        const res = await session.run({ [OFFLINE_EMBEDDER_IO.input]: new ort.Tensor('float32', x, [items.length, h, w, 3]) });
        const network = res[OFFLINE_EMBEDDER_IO.network]!.data as Float32Array;
        items.forEach((it, k) => {
          const v = new Float32Array(spec.dimension);
          v.set(network.subarray(k * net, (k + 1) * net), 0);
          for (let c = 0; c < it.hist.length; c++) v[net + c] = histogram.weight * it.hist[c]!;
          normalizeRow(v, typeof images[i + k] === 'string' ? (images[i + k] as string) : `image ${i + k}`);
          out.push(v);
        });
      }
      return out;
    },
    dispose() {
      void session.release();
    },
  };
}
