import { z } from 'zod';
import { Id } from '../../../../src-shared/contract/index.js';
import { defineBatchType, jobsWith, type CommitContext, type JobContext } from '../../../engine/queue/types.js';
import type { VectorIndexRows } from '../vector-index-rows.js';

export const ExtractPayload = z.object({ indexId: Id, rebuild: z.boolean().default(false) });
export type ExtractPayload = z.infer<typeof ExtractPayload>;

export interface ExtractResult {
  indexId: string;
  /** Images in the scope. */
  total: number;
  /** Embedded by this run (the others already had a vector for the model, or failed). */
  embedded: number;
  /** Images that cannot be embedded (recorded with their reason, left out of the index). */
  failed: number;
  /** The new saved index; null when it already matched the scope. */
  saved: { sha256: string; rows: VectorIndexRows } | null;
}

export type ExtractStage = 'embedding' | 'indexing';

export interface ExtractServices {
  work(payload: ExtractPayload, ctx: JobContext<unknown, ExtractStage>): Promise<ExtractResult>;
  record(ctx: CommitContext<unknown>, result: ExtractResult): void;
}

/**
 * One extraction: embed the scope's images that have no vector for the model yet (stored
 * as they are made: a vector depends only on the bytes and the model, so storing it twice
 * is harmless and a cancelled run resumes where it stopped), then build or update the
 * index in the vector-index worker (its file is content-addressed). The commit swaps the
 * index's blob and id map in, exactly once.
 */
export const extractJob = jobsWith<ExtractServices>()({
  type: 'embeddings.extract',
  payload: ExtractPayload,
  resource: 'gpu',
  priority: 'normal',
  retry: { maxAttempts: 3 },
  run: (p, ctx) => ctx.services.work(p, ctx),
  commit: (ctx, _p, result) => ctx.services.record(ctx, result),
  storeResult: (r) => ({ indexId: r.indexId, total: r.total, embedded: r.embedded, failed: r.failed, vectors: r.saved?.rows.entries.length ?? null }),
});

export const embeddingsBatch = defineBatchType({ type: 'embeddings' });
