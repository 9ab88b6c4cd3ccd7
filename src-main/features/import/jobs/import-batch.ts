import { defineBatchType } from '../../../engine/queue/types.js';
import type { BatchRow } from '../../../engine/queue/types.js';

/** An import is a batch; its state is mirrored into the imports row the renderer reads. */
export const importBatch = defineBatchType<{ onBatchState(batch: BatchRow): void }>({
  type: 'import',
  onState: ({ services }, batch) => services.onBatchState(batch),
});
