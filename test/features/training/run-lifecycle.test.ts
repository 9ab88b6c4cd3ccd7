/**
 * A training run's life when things go wrong around it: a delete while its job is still
 * stopping, a resume after a restart whose job is still queued, a checkpoint that is gone
 * or damaged, a model whose file is gone, saving a model to a bad place. Each of these once
 * crashed the engine, trained a run twice, failed every resume or answered `internal`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainingRun } from '../../../src-shared/contract/index.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import type { Engine } from '../../../src-main/engine/engine.js';
import { useEngine } from '../../support/engine.js';
import { groceryMissing, sharedEmbedderCache } from '../embeddings/grocery-sample.js';
import { groceryDataset } from './grocery-dataset.js';

const config = (epochs: number) => ({ epochs, batchSize: 8, projection: { dim: 16 }, sampler: { hardNegativeProducts: 1, neighbourPool: 2 } });

function whenRun(engine: Engine, runId: string, pred: (r: TrainingRun) => boolean): Promise<TrainingRun> {
  return new Promise((resolve) => {
    const stop = engine.events.subscribe((e) => {
      if (e.type === 'training.progress' && (e.payload as TrainingRun).id === runId && pred(e.payload as TrainingRun)) {
        stop();
        resolve(e.payload as TrainingRun);
      }
    });
  });
}

async function settled(engine: Engine, runId: string): Promise<TrainingRun> {
  const call = createDispatcher(engine);
  for (let i = 0; i < 600; i++) {
    const run = (await call('training.get', { id: runId })) as TrainingRun;
    if (run.state === 'done' || run.state === 'failed' || run.state === 'cancelled') return run;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`run ${runId} did not settle`);
}

/** Replaces (or removes) a stored blob's file in place. */
async function clobber(engine: Engine, sha: string, bytes: Uint8Array | null): Promise<void> {
  const file = engine.store.pathOf(sha);
  await fs.chmod(file, 0o644).catch(() => {});
  if (bytes === null) await fs.rm(file);
  else await fs.writeFile(file, bytes);
}

const checkpointOf = (engine: Engine, runId: string) => engine.db.prepare('SELECT checkpoint_sha256 FROM training_runs WHERE id = ?').pluck().get(runId) as string;

describe.skipIf(groceryMissing)('training run lifecycle under mishaps', () => {
  const fx = useEngine({ settings: { embeddings: { modelCacheDir: sharedEmbedderCache } } });

  it('a cancelled run whose job is still stopping is not deleted under it, and no late event throws', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.prependListener('uncaughtException', onUncaught);
    try {
      const engine = fx.engine;
      const call = createDispatcher(engine);
      const run = (await call('training.start', { datasetId: await groceryDataset(engine), config: config(200) })) as TrainingRun;
      await whenRun(engine, run.id, (r) => r.history.length >= 1);
      // The main thread is busy a moment (as under load): the worker's events queue up behind it.
      const until = Date.now() + 500;
      while (Date.now() < until) {
        // busy
      }
      await call('training.cancel', { id: run.id });
      await expect(call('training.delete', { id: run.id })).rejects.toMatchObject({ code: 'conflict' });
      await engine.queue.waitFor(run.jobId!);
      await new Promise((r) => setTimeout(r, 300));
      expect(await call('training.delete', { id: run.id })).toEqual({ deleted: true });
      await new Promise((r) => setTimeout(r, 300));
      expect(uncaught).toEqual([]);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
    }
  }, 120_000);

  it('resuming a run paused by a restart while its job still waits adds no second job', async () => {
    let engine = fx.engine;
    const started = (await createDispatcher(engine)('training.start', { datasetId: await groceryDataset(engine), config: config(4) })) as TrainingRun;
    await whenRun(engine, started.id, (r) => r.state === 'running' && r.stage === 'training');
    engine = await fx.reopen({ queue: { autostart: false } });
    const call = createDispatcher(engine);
    expect(((await call('training.get', { id: started.id })) as TrainingRun).state).toBe('paused');
    await call('training.resume', { id: started.id });
    const live = engine.db.prepare("SELECT id FROM jobs WHERE type = 'training.run' AND state NOT IN ('completed', 'failed', 'cancelled')").all() as { id: string }[];
    expect(live).toHaveLength(1);
    engine.queue.start();
    await engine.queue.waitFor(live[0]!.id);
    expect((await settled(engine, started.id)).state).toBe('done');
  }, 180_000);

  it('a damaged checkpoint and a missing one: the resume trains from epoch 1, says so, and finishes', async () => {
    const engine = fx.engine;
    const call = createDispatcher(engine);
    const datasetId = await groceryDataset(engine);
    for (const damage of ['truncated', 'missing'] as const) {
      const run = (await call('training.start', { datasetId, config: config(4) })) as TrainingRun;
      await whenRun(engine, run.id, (r) => r.history.length >= 2);
      await call('training.cancel', { id: run.id });
      await engine.queue.waitFor(run.jobId!);
      expect((await settled(engine, run.id)).resumable).toBe(true);
      const sha = checkpointOf(engine, run.id);
      const bytes = await fs.readFile(engine.store.pathOf(sha));
      await clobber(engine, sha, damage === 'missing' ? null : bytes.subarray(0, bytes.length >> 1));
      // While it trains again, the history holds only the new run's epochs.
      const mismatched: string[] = [];
      const stop = engine.events.subscribe((e) => {
        const r = e.payload as TrainingRun;
        if (e.type === 'training.progress' && r.id === run.id && r.state === 'running' && r.history.length !== r.epochsCompleted) mismatched.push(`${r.epochsCompleted}/${r.history.length}`);
      });
      await call('training.resume', { id: run.id });
      const end = await settled(engine, run.id);
      stop();
      expect(end.state, `${damage}: ${end.error}`).toBe('done');
      expect(end.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
      expect(end.events.filter((e) => e.type === 'restarted')).toHaveLength(1);
      expect(mismatched).toEqual([]);
    }
  }, 240_000);

  it('a cancel while the model is being exported stands: the run ends cancelled and no model appears', async () => {
    const engine = fx.engine;
    const call = createDispatcher(engine);
    const run = (await call('training.start', { datasetId: await groceryDataset(engine), config: config(1) })) as TrainingRun;
    // The export's write into the library waits until the test has cancelled: the cancel lands mid-export.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const exporting = new Promise<void>((r) => (reached = r));
    const put = engine.store.putBuffer.bind(engine.store);
    engine.store.putBuffer = async (data) => {
      if (engine.db.prepare('SELECT stage FROM training_runs WHERE id = ?').pluck().get(run.id) === 'exporting') {
        reached();
        await gate;
      }
      return put(data);
    };
    try {
      await exporting;
      await call('training.cancel', { id: run.id });
      release();
      const ended = await settled(engine, run.id);
      expect(ended.state).toBe('cancelled');
      expect(ended.modelId).toBeNull();
      const models = (await call('training.models', {})) as { runId: string | null }[];
      expect(models.filter((m) => m.runId === run.id)).toEqual([]);
    } finally {
      engine.store.putBuffer = put;
      release();
    }
  }, 120_000);

  it('a model whose file is gone is not made active; saving a model to a bad place is refused with a reason', async () => {
    const engine = fx.engine;
    const call = createDispatcher(engine);
    const run = await settled(engine, ((await call('training.start', { datasetId: await groceryDataset(engine), config: config(1) })) as TrainingRun).id);
    expect(run.state).toBe('done');
    for (const [destPath, code] of [
      [fx.dir, 'invalid_input'],
      [path.join(fx.dir, 'no', 'such', 'm.zip'), 'not_found'],
      ['relative-model.zip', 'invalid_input'],
    ] as const) {
      await expect(call('training.saveModel', { id: run.modelId!, destPath })).rejects.toMatchObject({ code });
    }
    await expect(fs.stat('relative-model.zip')).rejects.toThrow(/ENOENT/);
    const saved = (await call('training.saveModel', { id: run.modelId!, destPath: path.join(fx.dir, 'm.zip') })) as { bytes: number };
    expect(saved.bytes).toBeGreaterThan(0);
    expect((await fs.readdir(fx.dir)).filter((f) => f.includes('.partial'))).toEqual([]);
    const sha = engine.db.prepare('SELECT onnx_sha256 FROM trained_models WHERE id = ?').pluck().get(run.modelId) as string;
    await clobber(engine, sha, null);
    await expect(call('training.activate', { id: run.modelId! })).rejects.toMatchObject({ code: 'unavailable' });
  }, 120_000);
});
