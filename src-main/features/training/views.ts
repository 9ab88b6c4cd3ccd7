/**
 * Extra views of training images: each view of a photo is embedded like the photo and its
 * features join the training rows (same product, same domain), so the head sees the
 * capture variation it must ignore (mirror, zoom, lighting) instead of fitting the train
 * photos' own conditions. Views are deterministic (no random draw), so their features can
 * be cached per image, model and view, and a re-run embeds nothing twice.
 *
 * How the training job uses it: for every train-split image and every name in
 * `config.data.views`, `renderView(file, name)` gives encoded bytes that go to the same
 * embedder as the image itself (ImageEmbedder.embed takes bytes); the features of view v,
 * one row per train row in the train rows' order, form `viewFeatures[v]`, and
 * `withViewRows(data, viewFeatures)` is what trainHead trains on. The gallery stays the
 * original images (views are training rows only), and queries are never augmented.
 *
 * sharp work: run it where the job prepares images (the feature's image workers or the
 * job's worker thread), not on the engine's event loop.
 */
import sharp, { type Sharp } from 'sharp';
import type { TrainingViewName } from '../../../src-shared/contract/training.js';
import { rowCount, type LabelledFeatures, type TrainingData } from './dataset.js';

export { TRAINING_VIEW_NAMES, type TrainingViewName } from '../../../src-shared/contract/training.js';

/** Zoom views keep this fraction of each side, centred. */
const ZOOM_FRACTION = 0.8;

/**
 * The sharp pipeline of each view, from an image already turned upright (EXIF). The
 * colour views change brightness and saturation only: a hue shift would turn one
 * product into another (a red apple into a green one).
 */
const PIPELINES: Record<TrainingViewName, (image: Sharp, size: { width: number; height: number }) => Sharp> = {
  mirror: (image) => image.flop(),
  'zoom-80': (image, { width, height }) => {
    const w = Math.max(1, Math.round(width * ZOOM_FRACTION));
    const h = Math.max(1, Math.round(height * ZOOM_FRACTION));
    return image.extract({ left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h });
  },
  brighter: (image) => image.modulate({ brightness: 1.2, saturation: 0.85 }),
  darker: (image) => image.modulate({ brightness: 0.8, saturation: 1.15 }),
};

/**
 * The encoded bytes (lossless PNG) of one view of an image file or encoded image, ready
 * for the embedder. Throws sharp's error for an unreadable image.
 */
export async function renderView(source: string | Uint8Array, view: TrainingViewName): Promise<Buffer> {
  const pipeline = PIPELINES[view];
  if (!pipeline) throw new Error(`unknown training view ${String(view)}`);
  // Upright first, as the embedder would see the image, so a view's geometry is the displayed one.
  const { data, info } = await sharp(source).rotate().toBuffer({ resolveWithObject: true });
  return pipeline(sharp(data), { width: info.width, height: info.height }).png().toBuffer();
}

/**
 * The training data with each view's rows appended to the train rows (labels and
 * domains repeated). `viewFeatures[v]` holds view v's features of every train row, in
 * the train rows' order. The gallery is pinned to the original rows (the given gallery,
 * or the train rows), so the evaluation measures the same task with or without views.
 */
export function withViewRows(data: TrainingData, viewFeatures: readonly Float32Array[]): TrainingData {
  if (viewFeatures.length === 0) return data;
  const base = data.train;
  const n = rowCount(base);
  for (const [v, f] of viewFeatures.entries()) {
    if (f.length !== base.features.length) throw new Error(`view ${v} has ${f.length / base.dimension} rows of ${base.dimension} values; the train rows are ${n}`);
  }
  const copies = 1 + viewFeatures.length;
  const features = new Float32Array(base.features.length * copies);
  features.set(base.features, 0);
  viewFeatures.forEach((f, v) => features.set(f, base.features.length * (v + 1)));
  const labels = new Int32Array(n * copies);
  const domains = new Uint8Array(n * copies);
  for (let c = 0; c < copies; c++) {
    labels.set(base.labels, c * n);
    domains.set(base.domains, c * n);
  }
  const train: LabelledFeatures = { dimension: base.dimension, features, labels, domains };
  return { ...data, train, gallery: data.gallery ?? base };
}
