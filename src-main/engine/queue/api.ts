import type { Handlers } from '../api/dispatch.js';
import type { queueMethods } from '../../../src-shared/contract/index.js';

/** The queue's contract methods → engine calls (spread into api/handlers.ts). */
export const queueHandlers: Pick<Handlers, keyof typeof queueMethods> = {
  'queue.stats': (e) => e.queue.stats(),
  'queue.list': (e, input) => e.queue.list(input),
  'queue.get': (e, { id }) => e.queue.get(id),
  'queue.batches': (e, input) => e.queue.batches(input),
  'queue.batch': (e, { id }) => e.queue.batch(id),
  'queue.cancel': (e, { id }) => e.queue.cancel(id),
  'queue.cancelBatch': (e, { id }) => e.queue.cancelBatch(id),
  'queue.retry': (e, { id }) => e.queue.retry(id),
  'queue.retryFailedBatch': (e, { batchId }) => e.queue.retryFailed(batchId),
  'queue.pause': (e, { batchId }) => e.queue.pause(batchId),
  'queue.resume': (e, { batchId }) => e.queue.resume(batchId),
  'queue.clearFinished': async (e, input) => ({ removed: await e.queue.clearFinished(input) }),
};
