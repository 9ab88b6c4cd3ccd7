import { z } from 'zod';
import { Id } from '../../../../src-shared/contract/index.js';
import { jobsWith, type CommitContext, type JobContext } from '../../../engine/queue/types.js';
import type { StoredModel } from '../model-repository.js';

export const TrainingRunPayload = z.object({ runId: Id });
export type TrainingRunPayload = z.infer<typeof TrainingRunPayload>;

export type TrainingStage = 'preparing' | 'embedding' | 'training' | 'exporting';

/** What a finished run made: its model (files already in the blob store) and its test-split figures. */
export interface TrainingRunResult {
  runId: string;
  model: StoredModel;
  test: { before: { at1: number; at5: number }; after: { at1: number; at5: number } } | null;
}

export interface TrainingJobServices {
  /** Prepares the data, embeds what is not cached, trains (resuming from the run's checkpoint), exports: files only. */
  work(p: TrainingRunPayload, ctx: JobContext<unknown, TrainingStage>): Promise<TrainingRunResult>;
  /** In the job's completing transaction: the model's row and the run's `done`. */
  record(ctx: CommitContext<unknown>, result: TrainingRunResult): void;
}

/**
 * One training run. The work may run again (a crash, the app closing mid-run, a resume):
 * it continues from the run's last checkpoint, the backbone features are cached per image
 * and model, and the exported file is content-addressed, so a second attempt repeats
 * nothing that was kept. The model row is written once, by the commit (its id is fixed by
 * the run). One attempt only: a failure is the run's (NaN guard, bad data), and the user
 * resumes it from its checkpoint; a crash or shutdown requeues it like any job.
 */
export const trainingRunJob = jobsWith<TrainingJobServices>()({
  type: 'training.run',
  payload: TrainingRunPayload,
  resource: 'gpu',
  priority: 'background',
  retry: { maxAttempts: 1 },
  run: (p, ctx) => ctx.services.work(p, ctx),
  commit: (ctx, _p, result) => ctx.services.record(ctx, result),
  storeResult: (r) => ({ runId: r.runId, modelId: r.model.id, test: r.test }),
});
