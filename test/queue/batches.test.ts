import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Batch, EngineEvent } from '../../src-shared/contract/index.js';
import type { Db } from '../../src-main/engine/db/database.js';
import { PermanentError } from '../../src-main/engine/queue/errors.js';
import type { Queue } from '../../src-main/engine/queue/queue.js';
import { defineJob } from '../../src-main/engine/queue/types.js';
import { tempDir } from '../helpers/tmp.js';
import { batchOf, deferred, job, makeQueue, openQueueDb, turns, until } from './helpers.js';

describe('batches, pause and resume', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let db: Db;
  let queue: Queue;
  let events: EngineEvent[];
  const failing = new Set<number>();
  const ran: number[] = [];
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    db = openQueueDb(dir);
    failing.clear();
    ran.length = 0;
    ({ queue, events } = makeQueue(db, { concurrency: { cpu: 1 } }));
    queue.register(
      defineJob({
        type: 'item',
        payload: z.object({ n: z.number() }),
        resource: 'cpu',
        label: ({ n }) => `item ${n}`,
        run: async ({ n }) => {
          ran.push(n);
          if (failing.has(n)) throw new PermanentError(`item ${n} is broken`);
          return n * 10;
        },
      }),
    );
  });
  afterEach(async () => {
    await queue.close();
    db.close();
    await cleanup();
  });

  const batchEvents = (id: string) => events.filter((e) => e.type.startsWith('batch.') && (e.payload as Batch).id === id).map((e) => e.type);

  it('keeps counts in step with each child and derives the state; retry failed reopens it', async () => {
    const projectId = '01900000-0000-7000-8000-000000000001';
    const batch = queue.createBatch(batchOf(queue, 'resize'), { label: 'resize 4', projectId });
    expect(queue.batch(batch)).toMatchObject({ state: 'pending', total: 0 });
    failing.add(2);
    queue.enqueueMany(job('item'), [1, 2, 3, 4].map((n) => ({ n })), { batchId: batch, projectId });
    expect(queue.batch(batch)).toMatchObject({ state: 'pending', total: 4, completed: 0 });
    queue.start();
    const done = await queue.waitForBatch(batch);
    expect(done).toMatchObject({ state: 'failed', total: 4, completed: 3, failed: 1, cancelled: 0 });
    expect(done.finishedAt).not.toBeNull();
    // The counts are the rows, always: they were moved in the same transaction as each child.
    expect(db.prepare("SELECT state, COUNT(*) AS n FROM jobs WHERE batch_id = ? GROUP BY state ORDER BY state").all(batch)).toEqual([
      { state: 'completed', n: 3 },
      { state: 'failed', n: 1 },
    ]);
    expect(batchEvents(batch)).toContain('batch.started');
    expect(batchEvents(batch).at(-1)).toBe('batch.failed');

    failing.clear();
    const retried = queue.retryFailed(batch);
    expect(retried.retried).toBe(1);
    expect(retried.batch).toMatchObject({ state: 'running', failed: 0, completed: 3, finishedAt: null });
    expect(await queue.waitForBatch(batch)).toMatchObject({ state: 'completed', completed: 4, failed: 0 });
    expect(batchEvents(batch).at(-1)).toBe('batch.completed');
    expect(queue.list({ batchId: batch, state: 'completed' }).items.map((j) => j.label).sort()).toEqual(['item 1', 'item 2', 'item 3', 'item 4']);
    expect(queue.list({ projectId, type: 'item' }).total).toBe(4);
    expect(queue.batches({ projectId }).items.map((b) => b.id)).toEqual([batch]);
  });

  it('pauses and resumes one batch while other work goes on', async () => {
    const held = queue.createBatch(batchOf(queue, 'held'));
    queue.enqueueMany(job('item'), [1, 2, 3].map((n) => ({ n })), { batchId: held });
    queue.pause(held);
    expect(queue.batch(held)).toMatchObject({ state: 'paused', paused: true });
    expect(queue.list({ batchId: held, state: 'paused' }).total).toBe(3);
    queue.start();
    const free = queue.enqueue(job('item'), { n: 9 }).id;
    await queue.waitFor(free);
    // A child added to a paused batch waits too.
    queue.enqueue(job('item'), { n: 4 }, { batchId: held });
    await turns(10);
    expect(ran).toEqual([9]);
    expect(queue.stats().counts.paused).toBe(4);
    queue.resume(held);
    expect(await queue.waitForBatch(held)).toMatchObject({ state: 'completed', total: 4, completed: 4, paused: false });
    expect(ran.slice(1).sort()).toEqual([1, 2, 3, 4]);
    expect(events.filter((e) => e.type === 'queue.changed').map((e) => e.payload)).toEqual([
      { paused: true, batchId: held },
      { paused: false, batchId: held },
    ]);
  });

  it('pauses the whole queue (and says so after a restart) and resumes it', async () => {
    queue.pause();
    queue.start();
    const id = queue.enqueue(job('item'), { n: 1 }).id;
    await turns(10);
    expect(queue.get(id).state).toBe('pending');
    expect(queue.stats().paused).toBe(true);
    await queue.close();
    ({ queue, events } = makeQueue(db));
    queue.register(defineJob({ type: 'item', payload: z.object({ n: z.number() }), resource: 'cpu', run: async () => 1 }));
    queue.start();
    await turns(10);
    expect(queue.isPaused()).toBe(true);
    expect(queue.get(id).state).toBe('pending');
    queue.resume();
    expect((await queue.waitFor(id)).state).toBe('completed');
  });

  it('retries a single failed or cancelled job and refuses to retry one that is running or done', async () => {
    failing.add(1);
    queue.start();
    const id = queue.enqueue(job('item'), { n: 1 }).id;
    expect((await queue.waitFor(id)).state).toBe('failed');
    failing.clear();
    expect(queue.retry(id)).toMatchObject({ state: 'pending', attempts: 0, error: null });
    expect(await queue.waitFor(id)).toMatchObject({ state: 'completed', attempts: 1 });
    expect(() => queue.retry(id)).toThrow(/only failed or cancelled/);
    expect(() => queue.retry('01900000-0000-7000-8000-00000000dead')).toThrow(/no job/);
  });

  it('reports stats: counts by state, throughput and mean duration per type', async () => {
    failing.add(3);
    queue.start();
    const ids = [1, 2, 3].map((n) => queue.enqueue(job('item'), { n }).id);
    await Promise.all(ids.map((id) => queue.waitFor(id)));
    const stats = queue.stats();
    expect(stats.counts).toMatchObject({ completed: 2, failed: 1, pending: 0, running: 0 });
    expect(stats.throughput.lastMinute).toBe(2);
    const item = stats.types.find((t) => t.type === 'item')!;
    expect(item).toMatchObject({ completedLastHour: 2, counts: { completed: 2, failed: 1 } });
    expect(item.meanDurationMs).toBeGreaterThanOrEqual(0);
    expect(stats.resources).toEqual([
      { resource: 'gpu', limit: 1, running: 0 },
      { resource: 'cpu', limit: 1, running: 0 },
      { resource: 'io', limit: 4, running: 0 },
    ]);
  });

  it('lets a running child finish when its batch is paused, and holds the rest', async () => {
    const gate = deferred();
    const started = deferred();
    queue.register(
      defineJob({
        type: 'gated',
        payload: z.object({ n: z.number() }),
        resource: 'cpu',
        run: async ({ n }) => {
          ran.push(n);
          started.resolve();
          await gate.promise;
        },
      }),
    );
    queue.start();
    const batch = queue.createBatch(batchOf(queue, 'b'));
    queue.enqueueMany(job('gated'), [1, 2, 3].map((n) => ({ n })), { batchId: batch });
    await started.promise;
    queue.pause(batch);
    expect(queue.list({ batchId: batch, state: 'paused' }).total).toBe(2);
    expect(queue.list({ batchId: batch, state: 'running' }).total).toBe(1);
    gate.resolve();
    await until(() => queue.batch(batch).completed === 1, 'the running child');
    await turns(10);
    expect(queue.batch(batch)).toMatchObject({ state: 'paused', completed: 1 });
    expect(ran).toEqual([1]);
    queue.resume(batch);
    expect(await queue.waitForBatch(batch)).toMatchObject({ state: 'completed', completed: 3 });
  });
});
