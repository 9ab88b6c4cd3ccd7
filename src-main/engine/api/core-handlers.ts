import type { Engine } from '../engine.js';
import type { FeatureHandlers } from '../feature.js';

/** The contract methods core answers itself: the engine, inference and the queue. */
export function coreHandlers(e: Engine): FeatureHandlers {
  return {
    'engine.info': async () => ({ ...e.info(), features: await e.featureFacts() }),
    'inference.status': () => e.inference.status(),
    'queue.stats': () => e.queue.stats(),
    'queue.list': (input) => e.queue.list(input),
    'queue.get': ({ id }) => e.queue.get(id),
    'queue.batches': (input) => e.queue.batches(input),
    'queue.batch': ({ id }) => e.queue.batch(id),
    'queue.cancel': ({ id }) => e.queue.cancel(id),
    'queue.cancelBatch': ({ id }) => e.queue.cancelBatch(id),
    'queue.retry': ({ id }) => e.queue.retry(id),
    'queue.retryFailedBatch': ({ batchId }) => e.queue.retryFailed(batchId),
    'queue.pause': ({ batchId }) => e.queue.pause(batchId),
    'queue.resume': ({ batchId }) => e.queue.resume(batchId),
    'queue.clearFinished': async (input) => ({ removed: await e.queue.clearFinished(input) }),
  };
}
