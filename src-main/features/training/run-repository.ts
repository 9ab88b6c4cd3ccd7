/**
 * Training runs in the library's database: a run's row, its per-epoch records and events,
 * read back as the contract's TrainingRun snapshot (what training.get answers and
 * training.progress carries).
 */
import type { Db } from '../../engine/db/database.js';
import { cachedStatement } from '../../engine/db/statements.js';
import {
  TrainingConfigSchema,
  TrainingSplitCounts,
  type TrainingConfig,
  type TrainingEpoch,
  type TrainingErrorCode,
  type TrainingRun,
  type TrainingRunEvent,
  type TrainingRunState,
} from '../../../src-shared/contract/training.js';

interface RunRow {
  id: string;
  dataset_id: string;
  dataset_name: string;
  backbone_id: string;
  state: TrainingRunState;
  stage: TrainingRun['stage'];
  config: string;
  epochs: number;
  epochs_completed: number;
  step: string | null;
  embedding: string | null;
  counts: string | null;
  baseline: string | null;
  test: string | null;
  model_id: string | null;
  error: string | null;
  error_code: TrainingErrorCode | null;
  checkpoint_sha256: string | null;
  job_id: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

interface EpochRow {
  epoch: number;
  loss: number;
  lr: number;
  grad_norm: number;
  recall_at1: number;
  recall_at5: number;
  synthetic_to_real_at1: number | null;
  synthetic_to_real_at5: number | null;
  seconds: number;
}

type EventRow = Omit<TrainingRunEvent, 'type' | 'metric'> & { type: TrainingRunEvent['type']; metric: TrainingRunEvent['metric'] };

export interface NewRun {
  id: string;
  datasetId: string;
  datasetName: string;
  backboneId: string;
  config: TrainingConfig;
  now: number;
}

/** Fields a job step may change; JSON columns take their parsed values. */
export interface RunPatch {
  state?: TrainingRunState;
  stage?: TrainingRun['stage'];
  epochsCompleted?: number;
  step?: TrainingRun['step'];
  /** Images embedded so far while stage is embedding, with the service's estimate of the seconds left for the whole run. */
  embedding?: (NonNullable<TrainingRun['embedding']> & { etaSeconds: number | null }) | null;
  counts?: TrainingRun['counts'];
  baseline?: TrainingRun['baseline'];
  test?: TrainingRun['test'];
  modelId?: string | null;
  error?: string | null;
  errorCode?: TrainingErrorCode | null;
  checkpointSha256?: string | null;
  jobId?: string | null;
  finishedAt?: number | null;
}

const JSON_COLUMNS: Partial<Record<keyof RunPatch, string>> = { step: 'step', embedding: 'embedding', counts: 'counts', baseline: 'baseline', test: 'test' };
const PLAIN_COLUMNS: Partial<Record<keyof RunPatch, string>> = {
  state: 'state',
  stage: 'stage',
  epochsCompleted: 'epochs_completed',
  modelId: 'model_id',
  error: 'error',
  errorCode: 'error_code',
  checkpointSha256: 'checkpoint_sha256',
  jobId: 'job_id',
  finishedAt: 'finished_at',
};

export class RunRepository {
  constructor(private readonly db: Db) {}

  create(run: NewRun): void {
    cachedStatement(
      this.db,
      `INSERT INTO training_runs (id, dataset_id, dataset_name, backbone_id, state, config, epochs, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)`,
    ).run(run.id, run.datasetId, run.datasetName, run.backboneId, JSON.stringify(run.config), run.config.epochs, run.now, run.now);
  }

  update(id: string, patch: RunPatch, now: number): void {
    const sets: string[] = ['updated_at = ?'];
    const values: unknown[] = [now];
    for (const [key, value] of Object.entries(patch) as [keyof RunPatch, unknown][]) {
      if (value === undefined) continue;
      const json = JSON_COLUMNS[key];
      const plain = PLAIN_COLUMNS[key];
      if (json) {
        sets.push(`${json} = ?`);
        values.push(value === null ? null : JSON.stringify(value));
      } else if (plain) {
        sets.push(`${plain} = ?`);
        values.push(value);
      }
    }
    // Column names come from the fixed maps above, never from input.
    this.db.prepare(`UPDATE training_runs SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  /** Records an epoch; a resumed run that repeats one replaces it. */
  putEpoch(runId: string, e: TrainingEpoch): void {
    cachedStatement(
      this.db,
      `INSERT OR REPLACE INTO training_epochs (run_id, epoch, loss, lr, grad_norm, recall_at1, recall_at5, synthetic_to_real_at1, synthetic_to_real_at5, seconds)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(runId, e.epoch, e.loss, e.lr, e.gradNorm, e.recall.at1, e.recall.at5, e.syntheticToReal?.at1 ?? null, e.syntheticToReal?.at5 ?? null, e.seconds);
  }

  addEvent(runId: string, e: TrainingRunEvent): void {
    cachedStatement(this.db, `INSERT INTO training_events (run_id, type, epoch, window, metric, best, recent, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      runId,
      e.type,
      e.epoch,
      e.window,
      e.metric,
      e.best,
      e.recent,
      e.reason,
      e.at,
    );
  }

  /** The run a training.run job belongs to. */
  idOfJob(jobId: string): string | null {
    return (cachedStatement(this.db, `SELECT id FROM training_runs WHERE job_id = ?`, 'pluck').get(jobId) as string | undefined) ?? null;
  }

  /** Forgets a run's epochs (it trains again from the start). */
  clearEpochs(runId: string): void {
    cachedStatement(this.db, `DELETE FROM training_epochs WHERE run_id = ?`).run(runId);
  }

  checkpointOf(id: string): string | null {
    const row = cachedStatement(this.db, `SELECT checkpoint_sha256 FROM training_runs WHERE id = ?`).get(id) as { checkpoint_sha256: string | null } | undefined;
    return row?.checkpoint_sha256 ?? null;
  }

  delete(id: string): boolean {
    return cachedStatement(this.db, `DELETE FROM training_runs WHERE id = ?`).run(id).changes > 0;
  }

  ids(): string[] {
    return (cachedStatement(this.db, `SELECT id FROM training_runs ORDER BY created_at DESC, id`).all() as { id: string }[]).map((r) => r.id);
  }

  /** The run as the contract shows it; null when there is none. ETA from this run's mean measured epoch. */
  get(id: string): TrainingRun | null {
    const r = cachedStatement(this.db, `SELECT * FROM training_runs WHERE id = ?`).get(id) as RunRow | undefined;
    if (!r) return null;
    const epochs = cachedStatement(this.db, `SELECT * FROM training_epochs WHERE run_id = ? ORDER BY epoch`).all(id) as EpochRow[];
    const events = cachedStatement(this.db, `SELECT type, epoch, window, metric, best, recent, reason, at FROM training_events WHERE run_id = ? ORDER BY seq`).all(id) as EventRow[];
    const history: TrainingEpoch[] = epochs.map((e) => ({
      epoch: e.epoch,
      loss: e.loss,
      lr: e.lr,
      gradNorm: e.grad_norm,
      recall: { at1: e.recall_at1, at5: e.recall_at5 },
      syntheticToReal: e.synthetic_to_real_at1 === null || e.synthetic_to_real_at5 === null ? null : { at1: e.synthetic_to_real_at1, at5: e.synthetic_to_real_at5 },
      seconds: e.seconds,
    }));
    const active = r.state === 'running' || r.state === 'queued';
    const meanEpoch = history.length ? history.reduce((s, e) => s + e.seconds, 0) / history.length : null;
    const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
    const embedding = parse<{ done: number; total: number; etaSeconds: number | null }>(r.embedding);
    return {
      id: r.id,
      name: `${r.dataset_name} · ${r.backbone_id}`,
      datasetId: r.dataset_id,
      datasetName: r.dataset_name,
      backboneId: r.backbone_id,
      state: r.state,
      config: TrainingConfigSchema.parse(JSON.parse(r.config)),
      epochs: r.epochs,
      epochsCompleted: r.epochs_completed,
      step: parse(r.step),
      embedding: embedding && active && r.stage === 'embedding' ? { done: embedding.done, total: embedding.total } : null,
      stage: r.stage,
      history,
      events,
      counts: r.counts === null ? null : TrainingSplitCounts.parse(JSON.parse(r.counts)),
      baseline: parse(r.baseline),
      test: parse(r.test),
      // From this run's epochs once it has one; while it embeds, the service's estimate (images left at the rate measured so far, then the epochs at this machine's last rate).
      etaSeconds: !active ? null : meanEpoch !== null ? Math.max(0, r.epochs - r.epochs_completed) * meanEpoch : r.stage === 'embedding' ? (embedding?.etaSeconds ?? null) : null,
      modelId: r.model_id,
      error: r.error,
      errorCode: r.error_code,
      // A NaN-guard stop is not resumable: the same recipe from the same weights takes the
      // same step again (deterministic by seed); a new run with a lower rate is the way on.
      resumable: r.checkpoint_sha256 !== null && r.state !== 'done' && r.error_code !== 'nan_guard',
      jobId: r.job_id,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      finishedAt: r.finished_at,
    };
  }
}
