/**
 * The training thread: runs trainHead off the engine's event loop and reports every
 * TrainingEvent (steps, epochs, checkpoints, plateau/divergence) as progress messages,
 * then the TrainingResult. Cancellation arrives through shared memory because the
 * training loop never waits for messages. With backbone fine-tuning it first computes
 * the tail's input maps of the rows' images (reported as `maps` events) and, once trained,
 * builds the embedder with the trained layer.
 */
import { buildFineTunedOfflineEmbedder, loadOfflineTailMapsInProcess } from '../embeddings/public.js';
import { serveWorker } from '../../engine/workers/serve-worker.js';
import type { TailRequest, TrainingWorkerRequest, TrainingWorkerResult } from './training-protocol.js';
import { tailRows, type TrainingTail } from './tail.js';
import { trainHead, type TrainingEvent } from './trainer.js';
import { renderView } from './views.js';

/** Images per maps batch; also how often a cancel is noticed while maps are computed. */
const MAPS_BATCH = 8;

async function computeTail(req: TailRequest, signal: { readonly aborted: boolean }, progress: (e: TrainingEvent) => void): Promise<TrainingTail> {
  const loaded = await loadOfflineTailMapsInProcess(req.embedderId, { layers: req.layers, batchSize: MAPS_BATCH });
  try {
    const maps: Float32Array[] = [];
    const total = req.images.length;
    progress({ type: 'maps', done: 0, total });
    for (let i = 0; i < total; i += MAPS_BATCH) {
      if (signal.aborted) throw new Error('stopped while computing the backbone maps');
      const chunk = req.images.slice(i, i + MAPS_BATCH);
      // A view that cannot be rendered falls back to the image itself, as its cached vector does.
      const sources = await Promise.all(chunk.map((it) => (it.view ? renderView(it.path, it.view).catch(() => it.path) : it.path)));
      maps.push(...(await loaded.maps(sources)));
      progress({ type: 'maps', done: Math.min(total, i + chunk.length), total });
    }
    const { tail } = loaded;
    return {
      layers: tail.layers.map(({ inChannels, outChannels, activation }) => ({ inChannels, outChannels, activation })),
      positions: tail.positions,
      slice: tail.slice,
      init: tail.layers.map(({ kernel, bias }) => ({ kernel, bias })),
      maps,
      index: req.index,
    };
  } finally {
    loaded.dispose();
  }
}

serveWorker<TrainingWorkerRequest, TrainingWorkerResult, TrainingEvent>(async (req, progress) => {
  const flag = new Int32Array(req.cancelFlag);
  const signal = {
    get aborted() {
      return Atomics.load(flag, 0) === 1;
    },
  };
  const tail = req.tail ? await computeTail(req.tail, signal, progress) : undefined;
  const result = await trainHead(tail ? { ...req.data, tail } : req.data, { config: req.config, resumeFrom: req.resumeFrom, signal, onEvent: progress });
  if (!req.tail || !tail || !result.tail || result.status !== 'completed') return { ...result, tailed: {}, backboneOnnx: null };
  const trained = result.tail;
  const tailed = Object.fromEntries(req.tail.extra.map((e) => [e.name, tailRows(tail, trained, e.features, e.dimension, e.index)]));
  const { bytes } = await buildFineTunedOfflineEmbedder(req.tail.embedderId, trained);
  return { ...result, tailed, backboneOnnx: bytes };
});
