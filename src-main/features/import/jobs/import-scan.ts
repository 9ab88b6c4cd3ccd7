import { z } from 'zod';
import { Id } from '../../../../src-shared/contract/index.js';
import type { ScannedFile } from '../../import/scan.js';
import { defineJob, type BatchTypeDefinition, type JobContext } from '../types.js';
import type { EngineJobServices } from './services.js';

/**
 * The first child of an import batch: expands the dropped folders into files. Its commit
 * adds one `import.file` child per file in the same transaction that completes it, so a
 * crash either leaves the scan to run again or every file queued exactly once.
 */
export const importScanJob = defineJob({
  type: 'import.scan',
  payload: z.object({ importId: Id }),
  resource: 'io',
  priority: 'normal',
  label: () => 'scan dropped files',
  async run({ importId }, ctx: JobContext<EngineJobServices>): Promise<ScannedFile[]> {
    ctx.progress('scanning');
    return ctx.services.imports.scanSources(importId);
  },
  commit(ctx, { importId }, files) {
    ctx.services.imports.beginFiles(ctx, importId, files);
  },
  storeResult: (files) => ({ files: files.length }),
});

/** An import is a batch; its state is mirrored into the imports row the renderer reads. */
export const importBatchType: BatchTypeDefinition<EngineJobServices> = {
  type: 'import',
  onState: ({ services }, batch) => services.imports.onBatchState(batch),
};
