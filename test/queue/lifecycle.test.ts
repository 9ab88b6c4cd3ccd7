import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { EngineEvent, JobProgress } from '../../src-shared/contract/index.js';
import type { Db } from '../../src-main/engine/db/database.js';
import { FakeClock } from '../../src-main/engine/queue/clock.js';
import { dedupeKey } from '../../src-main/engine/queue/dedupe.js';
import { PermanentError } from '../../src-main/engine/queue/errors.js';
import type { Queue } from '../../src-main/engine/queue/queue.js';
import { defineJob } from '../../src-main/engine/queue/types.js';
import { tempDir } from '../helpers/tmp.js';
import { batchOf, deferred, job, makeQueue, openQueueDb, turns, until } from './helpers.js';

describe('queue lifecycle', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let db: Db;
  let queue: Queue;
  let events: EngineEvent[];
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    db = openQueueDb(dir);
  });
  afterEach(async () => {
    await queue?.close();
    db.close();
    await cleanup();
  });

  it('answers the same work enqueued twice with the existing job or its result; failed work can be redone', async () => {
    let runs = 0;
    ({ queue } = makeQueue(db));
    queue.register(
      defineJob({
        type: 'thumb',
        payload: z.object({ sha: z.string(), size: z.number() }),
        resource: 'cpu',
        dedupe: (p) => ({ input: p.sha, params: { size: p.size } }),
        run: async ({ sha }) => {
          runs++;
          if (sha === 'bad') throw new PermanentError('unreadable');
          return `${sha}.webp`;
        },
      }),
    );
    const first = queue.enqueue(job('thumb'), { sha: 'aa', size: 320 });
    expect(queue.enqueue(job('thumb'), { size: 320, sha: 'aa' })).toEqual({ id: first.id, existing: true });
    const other = queue.enqueue(job('thumb'), { sha: 'aa', size: 640 });
    expect(other.existing).toBe(false);
    queue.start();
    await queue.waitFor(first.id);
    await queue.waitFor(other.id);
    // After completion the key answers the completed job, whose result is there to read.
    const again = queue.enqueue(job('thumb'), { sha: 'aa', size: 320 });
    expect(again).toEqual({ id: first.id, existing: true });
    expect(queue.get(again.id).result).toBe('aa.webp');
    expect(runs).toBe(2);

    const bad = queue.enqueue(job('thumb'), { sha: 'bad', size: 1 });
    expect((await queue.waitFor(bad.id)).state).toBe('failed');
    const redo = queue.enqueue(job('thumb'), { sha: 'bad', size: 1 });
    expect(redo.existing).toBe(false);
    expect(redo.id).not.toBe(bad.id);
    // Retrying the old failed one now would queue the same work twice: refused.
    expect(() => queue.retry(bad.id)).toThrow(/already queued/);
    expect(dedupeKey('thumb', 'aa', { b: 1, a: 2 })).toBe(dedupeKey('thumb', 'aa', { a: 2, b: 1 }));
  });

  it('throttles progress to ~10 events a second and persists it at most once a second', async () => {
    const clock = new FakeClock();
    const gate = deferred();
    const midway = deferred();
    let midRow: unknown;
    ({ queue, events } = makeQueue(db, { clock }));
    queue.register(
      defineJob({
        type: 'segment',
        payload: z.object({}),
        resource: 'gpu',
        run: async (_p, ctx) => {
          // 60 reports, 20 ms apart on the fake clock: 1.2 s of work.
          for (let i = 0; i < 60; i++) {
            ctx.progress(i < 10 ? 'preprocessing' : 'inference', Math.min(100, i * 2));
            if (i === 25) midRow = db.prepare('SELECT stage, percent FROM jobs WHERE id = ?').get(ctx.jobId);
            clock.advance(20);
          }
          midway.resolve();
          await gate.promise;
          return 'ok';
        },
      }),
    );
    queue.start();
    const id = queue.enqueue(job('segment'), {}).id;
    await midway.promise;
    const progress = events.filter((e) => e.type === 'job.progress').map((e) => e.payload as JobProgress);
    // One at once, then one per 100 ms window carrying the latest report.
    expect(progress).toHaveLength(13);
    expect(progress[0]).toMatchObject({ jobId: id, stage: 'preprocessing', percent: 0 });
    expect(progress[1]).toMatchObject({ stage: 'preprocessing', percent: 8 });
    expect(progress.at(-1)).toMatchObject({ stage: 'inference', percent: 100 });
    // Half a second in, nothing had been written yet; at the 1 s mark it was, once.
    expect(midRow).toEqual({ stage: null, percent: null });
    expect(db.prepare('SELECT stage, percent FROM jobs WHERE id = ?').get(id)).toEqual({ stage: 'inference', percent: 100 });
    gate.resolve();
    await until(() => queue.get(id).state === 'completed', 'completion');
    expect(queue.get(id)).toMatchObject({ stage: 'completed', percent: 100 });
  });

  it('a clean shutdown puts a running job back without using an attempt or counting a crash', async () => {
    const started = deferred();
    ({ queue } = makeQueue(db, { closeGraceMs: 5_000 }));
    queue.register(
      defineJob({
        type: 'long',
        payload: z.object({}),
        resource: 'cpu',
        run: (_p, ctx) =>
          new Promise((_r, reject) => {
            started.resolve();
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
          }),
      }),
    );
    queue.start();
    const id = queue.enqueue(job('long'), {}).id;
    await started.promise;
    const firstBoot = queue.bootId;
    await queue.close();
    expect(db.prepare('SELECT state, attempts, crashes, lease_owner FROM jobs WHERE id = ?').get(id)).toEqual({ state: 'pending', attempts: 0, crashes: 0, lease_owner: null });
    expect(db.prepare('SELECT clean FROM boots WHERE id = ?').pluck().get(firstBoot)).toBe(1);

    ({ queue } = makeQueue(db));
    queue.register(defineJob({ type: 'long', payload: z.object({}), resource: 'cpu', run: async () => 'finished' }));
    queue.start();
    expect(await queue.waitFor(id)).toMatchObject({ state: 'completed', attempts: 1 });
    expect(queue.get(id).crashes).toBe(0);
  });

  it('cleans up old finished jobs after the retention, in small batches, keeping failures longer', async () => {
    const clock = new FakeClock();
    ({ queue } = makeQueue(db, { clock, retention: { completedMs: 1_000, cancelledMs: 1_000, failedMs: 5_000, batchSize: 7 } }));
    queue.register(
      defineJob({
        type: 'x',
        payload: z.object({ ok: z.boolean() }),
        resource: 'io',
        run: async ({ ok }) => {
          if (!ok) throw new PermanentError('no');
        },
      }),
    );
    queue.start();
    const batch = queue.createBatch(batchOf(queue, 'b'));
    const ids = [
      ...queue.enqueueMany(job('x'), Array.from({ length: 30 }, () => ({ ok: true })), { batchId: batch }),
      ...queue.enqueueMany(job('x'), Array.from({ length: 5 }, () => ({ ok: false }))),
    ];
    await Promise.all(ids.map((id) => queue.waitFor(id)));
    const deletes: number[] = [];
    db.function('count_delete', () => deletes.push(1));
    db.exec('CREATE TEMP TRIGGER count_deletes AFTER DELETE ON jobs BEGIN SELECT count_delete(); END');

    clock.advance(999);
    expect(await queue.cleanup()).toBe(0);
    clock.advance(2);
    expect(await queue.cleanup()).toBe(30);
    expect(queue.stats().counts).toMatchObject({ completed: 0, failed: 5 });
    expect(() => queue.batch(batch)).toThrow(/no batch/); // finished and empty: gone too
    clock.advance(4_000);
    expect(await queue.cleanup()).toBe(5);
    expect(deletes).toHaveLength(35);
    expect(db.prepare('SELECT COUNT(*) FROM jobs').pluck().get()).toBe(0);
    await turns();
  });

  it('clears finished jobs on demand, by state', async () => {
    ({ queue } = makeQueue(db));
    queue.register(
      defineJob({
        type: 'x',
        payload: z.object({ ok: z.boolean() }),
        resource: 'io',
        run: async ({ ok }) => {
          if (!ok) throw new PermanentError('no');
        },
      }),
    );
    queue.start();
    const ids = [true, true, false].map((ok) => queue.enqueue(job('x'), { ok }).id);
    await Promise.all(ids.map((id) => queue.waitFor(id)));
    expect(await queue.clearFinished({ states: ['completed'] })).toBe(2);
    expect(queue.list().items.map((j) => j.state)).toEqual(['failed']);
    expect(await queue.clearFinished()).toBe(1);
  });
});
