/**
 * The embeddings feature's image worker: decodes and resizes images to an embedder's
 * input (and computes their colour histograms), and builds the offline default model,
 * all off the engine's event loop. The inference worker then only runs the model.
 */
import { serveWorker } from '../../engine/workers/serve-worker.js';
import type { EmbedderInput } from './embedder-spec.js';
import { differenceHash, prepareEmbeddingPixels } from './embedding-image.js';
import { sqrtHsvHistogramOfCentre, type HsvBins } from './hsv-histogram.js';
import { ensureOfflineEmbedder, type BuiltModelFile } from './offline-embedder.js';

export type EmbeddingWorkerRequest =
  | {
      type: 'prepare';
      source: string | Uint8Array;
      input: Pick<EmbedderInput, 'size' | 'resize'>;
      histogram: { bins: HsvBins; centre: number } | null;
      flip?: boolean;
      limitInputPixels?: number;
    }
  | { type: 'build-offline'; cacheDir: string; id: string; expectedSha256: string | null }
  | { type: 'dhash'; source: string | Uint8Array };

export type EmbeddingWorkerResponse =
  | { type: 'prepared'; pixels: Uint8Array; histogram: Float32Array | null }
  | ({ type: 'built' } & BuiltModelFile)
  | { type: 'dhash'; hash: string };

serveWorker<EmbeddingWorkerRequest, EmbeddingWorkerResponse>(async (req) => {
  if (req.type === 'build-offline') return { type: 'built', ...(await ensureOfflineEmbedder(req.cacheDir, req.expectedSha256, req.id)) };
  if (req.type === 'dhash') return { type: 'dhash', hash: await differenceHash(req.source) };
  const pixels = await prepareEmbeddingPixels(req.source, req.input, { flip: req.flip, limitInputPixels: req.limitInputPixels });
  const [width, height] = req.input.size;
  const histogram = req.histogram ? sqrtHsvHistogramOfCentre(pixels, { width, height, channels: 3 }, req.histogram.centre, req.histogram.bins) : null;
  return { type: 'prepared', pixels, histogram };
});
