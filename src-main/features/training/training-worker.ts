/**
 * The training thread: runs trainHead off the engine's event loop and reports every
 * TrainingEvent (steps, epochs, checkpoints, plateau/divergence) as progress messages,
 * then the TrainingResult. Cancellation arrives through shared memory because the
 * training loop never waits for messages. With backbone fine-tuning it first computes
 * the tail's input maps of the rows' images (reported as `maps` events; those kept on disk
 * by an earlier run are read back, embeddings' tail-map-cache.ts) and, once trained,
 * builds the embedder with the trained layer.
 */
import { buildFineTunedOfflineEmbedder, loadOfflineTailMapsInProcess, readOfflineTail, TailMapCache, type OfflineTail } from '../embeddings/public.js';
import { serveWorker } from '../../engine/workers/serve-worker.js';
import type { TailRequest, TrainingWorkerRequest, TrainingWorkerResult } from './training-protocol.js';
import { tailRows, type TrainingTail } from './tail.js';
import { trainHead, type TrainingEvent } from './trainer.js';
import { renderView } from './views.js';

/** Images per maps batch; also how often a cancel is noticed while maps are computed. */
const MAPS_BATCH = 8;

async function computeTail(req: TailRequest, signal: { readonly aborted: boolean }, progress: (e: TrainingEvent) => void): Promise<TrainingTail> {
  const cache = req.cache ? new TailMapCache(req.cache.root, req.embedderId, req.layers, req.cache.minFreeBytes) : null;
  const total = req.images.length;
  const maps = new Array<Float32Array>(total);
  // Maps kept from an earlier run first; only the rest count as work (and in the progress).
  const missing: number[] = [];
  for (const [i, it] of req.images.entries()) {
    if (i % 64 === 0 && signal.aborted) throw new Error('stopped while computing the backbone maps');
    const hit = cache && it.sha256 ? await cache.get(it.sha256, it.view) : null;
    if (hit) maps[i] = hit;
    else missing.push(i);
  }
  progress({ type: 'maps', done: 0, total: missing.length });
  if (missing.length === 0) return tailOf(await readOfflineTail(req.embedderId, req.layers), maps, req.index);
  const loaded = await loadOfflineTailMapsInProcess(req.embedderId, { layers: req.layers, batchSize: MAPS_BATCH });
  try {
    for (let b = 0; b < missing.length; b += MAPS_BATCH) {
      if (signal.aborted) throw new Error('stopped while computing the backbone maps');
      const chunk = missing.slice(b, b + MAPS_BATCH).map((i) => ({ i, it: req.images[i]! }));
      // A view that cannot be rendered falls back to the image itself, as its cached vector
      // does; that map is not kept under the view's name (the next run tries the view again).
      const sources = await Promise.all(chunk.map(({ it }) => (it.view ? renderView(it.path, it.view).catch(() => null) : it.path)));
      const computed = await loaded.maps(sources.map((src, k) => src ?? chunk[k]!.it.path));
      for (const [k, { i, it }] of chunk.entries()) {
        maps[i] = computed[k]!;
        if (cache && it.sha256 && sources[k] !== null) await cache.put(it.sha256, it.view, computed[k]!);
      }
      progress({ type: 'maps', done: Math.min(missing.length, b + chunk.length), total: missing.length });
    }
    if (cache && req.cache) await cache.prune(req.cache.capBytes);
    return tailOf(loaded.tail, maps, req.index);
  } finally {
    loaded.dispose();
  }
}

function tailOf(tail: OfflineTail, maps: Float32Array[], index: TailRequest['index']): TrainingTail {
  return {
    layers: tail.layers.map(({ inChannels, outChannels, activation }) => ({ inChannels, outChannels, activation })),
    positions: tail.positions,
    slice: tail.slice,
    init: tail.layers.map(({ kernel, bias }) => ({ kernel, bias })),
    maps,
    index,
  };
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
