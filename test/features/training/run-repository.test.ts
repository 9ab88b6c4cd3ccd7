import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src-main/engine/db/migrate.js';
import { trainingMigrations } from '../../../src-main/features/training/migrations.js';
import { RunRepository } from '../../../src-main/features/training/run-repository.js';
import { parseTrainingConfig } from '../../../src-main/features/training/config.js';
import { TrainingRun } from '../../../src-shared/contract/index.js';

const RUN = '00000000-0000-4000-8000-00000000000a';
const DATASET = '00000000-0000-4000-8000-00000000000b';

function repository() {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, [{ scope: 'training', migrations: trainingMigrations }]);
  const repo = new RunRepository(db);
  repo.create({ id: RUN, datasetId: DATASET, datasetName: 'Shelf', backboneId: 'atolye-mobilenet-v2-hsv', config: parseTrainingConfig({ epochs: 4, schedule: { warmupEpochs: 1 } }), now: 10 });
  return { db, repo };
}

const epoch = (n: number, seconds: number) => ({ epoch: n, loss: 10 - n, lr: 1e-3, gradNorm: 0.3, recall: { at1: 0.1 * n, at5: 0.2 * n }, syntheticToReal: n === 1 ? null : { at1: 0.5, at5: 0.7 }, seconds });

describe('training run repository', () => {
  it('a new run reads back as a valid queued snapshot with its recipe', () => {
    const { repo } = repository();
    const run = repo.get(RUN)!;
    expect(TrainingRun.parse(run)).toEqual(run);
    expect(run).toMatchObject({ state: 'queued', epochs: 4, epochsCompleted: 0, history: [], events: [], resumable: false, etaSeconds: null });
    expect(run.config.schedule.warmupEpochs).toBe(1);
    expect(repo.get('00000000-0000-4000-8000-0000000000ff')).toBeNull();
  });

  it('records epochs (a repeated epoch after a resume replaces it), events, the checkpoint and the ETA', () => {
    const { repo } = repository();
    repo.update(RUN, { state: 'running', stage: 'training', epochsCompleted: 1, checkpointSha256: 'a'.repeat(64) }, 20);
    repo.putEpoch(RUN, epoch(1, 2));
    repo.putEpoch(RUN, epoch(2, 9));
    repo.putEpoch(RUN, epoch(2, 4));
    repo.update(RUN, { epochsCompleted: 2 }, 30);
    repo.addEvent(RUN, { type: 'plateau', epoch: 2, window: 5, metric: 'recall@1', best: 0.2, recent: 0.2, reason: null, at: 30 });
    const run = TrainingRun.parse(repo.get(RUN));
    expect(run.history.map((e) => [e.epoch, e.seconds])).toEqual([
      [1, 2],
      [2, 4],
    ]);
    expect(run.history[0]!.syntheticToReal).toBeNull();
    expect(run.history[1]!.syntheticToReal).toEqual({ at1: 0.5, at5: 0.7 });
    expect(run.events).toEqual([{ type: 'plateau', epoch: 2, window: 5, metric: 'recall@1', best: 0.2, recent: 0.2, reason: null, at: 30 }]);
    // Two epochs left at the mean of the measured ones (3 s).
    expect(run.etaSeconds).toBe(6);
    expect(run.resumable).toBe(true);
    expect(run.updatedAt).toBe(30);

    repo.update(RUN, { state: 'done', modelId: 'trained-x', finishedAt: 40 }, 40);
    expect(repo.get(RUN)).toMatchObject({ state: 'done', etaSeconds: null, resumable: false, modelId: 'trained-x', finishedAt: 40 });
  });

  it('deleting a run removes its epochs and events', () => {
    const { db, repo } = repository();
    repo.putEpoch(RUN, epoch(1, 1));
    repo.addEvent(RUN, { type: 'nan_guard', epoch: 1, window: null, metric: null, best: null, recent: null, reason: 'loss NaN', at: 1 });
    expect(repo.delete(RUN)).toBe(true);
    expect(repo.delete(RUN)).toBe(false);
    expect(db.prepare('SELECT COUNT(*) AS n FROM training_epochs').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM training_events').get()).toEqual({ n: 0 });
    expect(repo.ids()).toEqual([]);
  });
});
