import { z } from 'zod';
import { Id } from '../../../../src-shared/contract/index.js';
import { errorCodeOf } from '../../../engine/queue/errors.js';
import { jobsWith } from '../../../engine/queue/types.js';
import type { IngestResult } from '../../../engine/images/ingest.js';

export const ImportFilePayload = z.object({ importId: Id, projectId: Id, path: z.string().min(1), relPath: z.string().min(1), seq: z.number().int() });
export type ImportFilePayload = z.infer<typeof ImportFilePayload>;

/** What the file job needs of the import service. */
export interface FileServices {
  ingest(file: string, opts: { signal: AbortSignal; kill: AbortSignal }): Promise<IngestResult>;
  recordFile(p: ImportFilePayload, result: IngestResult): void;
}

/**
 * One dropped file: decoded, hashed, stored and thumbnailed in the ingest worker pool
 * (idempotent: the store is content-addressed), then recorded as an asset or a skip in
 * the transaction that completes the job, so each file is counted exactly once.
 */
export const importFileJob = jobsWith<FileServices>()({
  type: 'import.file',
  payload: ImportFilePayload,
  resource: 'cpu',
  priority: 'normal',
  label: (p) => p.relPath,
  async run(p, ctx): Promise<IngestResult> {
    try {
      return await ctx.services.ingest(p.path, { signal: ctx.signal, kill: ctx.stopSignal });
    } catch (err) {
      // A worker that dies on a file is retried; on the last attempt the file is listed as
      // skipped with the reason, like any bad file, and the import goes on. A full disk is
      // not the file's fault: the queue puts the job back and pauses until there is room.
      if (ctx.signal.aborted || ctx.attempt < ctx.maxAttempts || errorCodeOf(err) === 'disk_full') throw err;
      return { ok: false, reason: `worker failed: ${(err as Error).message}` };
    }
  },
  commit(ctx, p, result) {
    ctx.services.recordFile(p, result);
  },
  storeResult: (r) => (r.ok ? { ok: true, sha256: r.sha256 } : { ok: false, reason: r.reason }),
});
