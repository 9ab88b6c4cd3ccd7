import { z } from 'zod';
import { Id } from '../../../../src-shared/contract/index.js';
import type { IngestResult } from '../../import/ingest.js';
import { defineJob, type JobContext } from '../types.js';
import type { EngineJobServices } from './services.js';

/**
 * One dropped file: decoded, hashed, stored and thumbnailed in the ingest worker pool
 * (idempotent: the store is content-addressed), then recorded as an asset or a skip in
 * the transaction that completes the job, so each file is counted exactly once.
 */
export const importFileJob = defineJob({
  type: 'import.file',
  payload: z.object({ importId: Id, projectId: Id, path: z.string().min(1), relPath: z.string().min(1), seq: z.number().int() }),
  resource: 'cpu',
  priority: 'normal',
  label: (p) => p.relPath,
  async run(p, ctx: JobContext<EngineJobServices>): Promise<IngestResult> {
    try {
      return await ctx.services.imports.ingest(p.path, { signal: ctx.signal, kill: ctx.stopSignal });
    } catch (err) {
      // A worker that dies on a file is retried; on the last attempt the file is listed as
      // skipped with the reason, like any bad file, and the import goes on.
      if (ctx.signal.aborted || ctx.attempt < ctx.maxAttempts) throw err;
      return { ok: false, reason: `worker failed: ${(err as Error).message}` };
    }
  },
  commit(ctx, p, result) {
    ctx.services.imports.recordFile(p, result);
  },
  storeResult: (r) => (r.ok ? { ok: true, sha256: r.sha256 } : { ok: false, reason: r.reason }),
});
