import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Db } from '../../src-main/engine/db/database.js';
import type { Queue } from '../../src-main/engine/queue/queue.js';
import { defineJob } from '../../src-main/engine/queue/types.js';
import { WorkerPool } from '../../src-main/engine/workers/pool.js';
import { tempDir } from '../helpers/tmp.js';
import { batchOf, deferred, job, makeQueue, openQueueDb, until } from './helpers.js';

describe('cancel', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let db: Db;
  let queue: Queue;
  let pool: WorkerPool<{ ms: number }, { spun: number }> | null = null;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    db = openQueueDb(dir);
  });
  afterEach(async () => {
    await queue?.close();
    await pool?.close();
    db.close();
    await cleanup();
  });

  it('cancels a pending job at once: it never runs, and its batch counts it', async () => {
    let ran = 0;
    ({ queue } = makeQueue(db));
    queue.register(defineJob({ type: 't', payload: z.object({}), resource: 'cpu', run: async () => void ran++ }));
    queue.pause();
    queue.start();
    const batch = queue.createBatch(batchOf(queue, 'b'));
    const a = queue.enqueue(job('t'), {}, { batchId: batch }).id;
    const b = queue.enqueue(job('t'), {}, { batchId: batch }).id;
    expect(queue.cancel(a).state).toBe('cancelled');
    expect(queue.batch(batch)).toMatchObject({ total: 2, cancelled: 1, state: 'pending' });
    queue.resume();
    await queue.waitFor(b);
    expect(ran).toBe(1);
    expect(queue.get(a).state).toBe('cancelled');
    expect(queue.batch(batch)).toMatchObject({ total: 2, completed: 1, cancelled: 1, state: 'cancelled' });
  });

  it('cancels a running job through its AbortSignal', async () => {
    const started = deferred();
    let sawAbort = false;
    let events;
    ({ queue, events } = makeQueue(db, { graceMs: 10_000 }));
    queue.register(
      defineJob({
        type: 'listens',
        payload: z.object({}),
        resource: 'cpu',
        run: (_p, ctx) =>
          new Promise((_resolve, reject) => {
            started.resolve();
            ctx.signal.addEventListener('abort', () => {
              sawAbort = true;
              reject(ctx.signal.reason);
            });
          }),
      }),
    );
    queue.start();
    const id = queue.enqueue(job('listens'), {}).id;
    await started.promise;
    expect(queue.get(id).state).toBe('running');
    const t0 = Date.now();
    expect(queue.cancel(id).cancelRequested).toBe(true);
    const done = await queue.waitFor(id);
    expect(Date.now() - t0).toBeLessThan(5_000); // well inside the 10 s grace: the handler stopped itself
    expect(sawAbort).toBe(true);
    expect(done).toMatchObject({ state: 'cancelled', attempts: 1 });
    expect(events.filter((e) => e.type === 'job.cancelled')).toHaveLength(1);
    expect(events.some((e) => e.type === 'job.failed' || e.type === 'job.retrying')).toBe(false);
  });

  it('stops the worker of a job that ignores the signal once the grace period is over, and frees its slot', async () => {
    pool = new WorkerPool(new URL('./fixtures/spin-worker.ts', import.meta.url), { size: 1, name: 'spin' });
    const p = pool;
    const outcomes: string[] = [];
    ({ queue } = makeQueue(db, { graceMs: 300, concurrency: { cpu: 1 } }));
    queue.register(
      defineJob({
        type: 'spin',
        payload: z.object({ ms: z.number() }),
        resource: 'cpu',
        run: async ({ ms }, ctx) => {
          try {
            return await p.run({ ms }, { signal: ctx.signal, kill: ctx.stopSignal });
          } catch (err) {
            outcomes.push((err as Error).message);
            throw err;
          }
        },
      }),
    );
    queue.start();
    const stuck = queue.enqueue(job('spin'), { ms: 60_000 }).id;
    const next = queue.enqueue(job('spin'), { ms: 10 }).id;
    await until(() => queue.get(stuck).state === 'running' && p.pending === 1, 'the spinning job to start');
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    queue.cancel(stuck);
    expect((await queue.waitFor(stuck)).state).toBe('cancelled');
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(20_000);
    // The worker was terminated (the pool reports its exit), and the next job got the slot and a fresh worker.
    await until(() => outcomes.length === 1, 'the pool to report the stopped worker');
    expect(outcomes[0]).toMatch(/worker exited/);
    expect((await queue.waitFor(next)).state).toBe('completed');
  });

  it('cancels a whole batch: waiting children at once, running ones through their signal', async () => {
    const running = deferred();
    ({ queue } = makeQueue(db, { concurrency: { io: 1 } }));
    queue.register(
      defineJob({
        type: 'wait',
        payload: z.object({}),
        resource: 'io',
        run: (_p, ctx) =>
          new Promise((_r, reject) => {
            running.resolve();
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
          }),
      }),
    );
    queue.start();
    const batch = queue.createBatch(batchOf(queue, 'b'), { label: 'five' });
    queue.enqueueMany(job('wait'), [{}, {}, {}, {}, {}], { batchId: batch });
    await running.promise;
    queue.cancelBatch(batch);
    const done = await queue.waitForBatch(batch);
    expect(done).toMatchObject({ state: 'cancelled', total: 5, cancelled: 5, completed: 0, failed: 0 });
    expect(queue.list({ batchId: batch, state: 'cancelled' }).total).toBe(5);
  });
});
