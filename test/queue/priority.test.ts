import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Db } from '../../src-main/engine/db/database.js';
import { FakeClock } from '../../src-main/engine/queue/clock.js';
import type { Queue } from '../../src-main/engine/queue/queue.js';
import { defineJob, type Priority } from '../../src-main/engine/queue/types.js';
import { tempDir } from '../helpers/tmp.js';
import { job, makeQueue, openQueueDb, until } from './helpers.js';

describe('priorities, aging and model affinity', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let db: Db;
  let queue: Queue;
  let clock: FakeClock;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    db = openQueueDb(dir);
    clock = new FakeClock();
  });
  afterEach(async () => {
    await queue?.close();
    db.close();
    await cleanup();
  });

  it('runs urgent, then normal, then background work, FIFO within each class', async () => {
    const order: string[] = [];
    ({ queue } = makeQueue(db, { clock, concurrency: { cpu: 1 } }));
    queue.register(defineJob({ type: 't', payload: z.object({ name: z.string() }), resource: 'cpu', run: async ({ name }) => void order.push(name) }));
    queue.pause();
    queue.start();
    const plan: [string, Priority][] = [
      ['b1', 'background'],
      ['n1', 'normal'],
      ['u1', 'urgent'],
      ['b2', 'background'],
      ['n2', 'normal'],
      ['u2', 'urgent'],
      ['n3', 'normal'],
      ['b3', 'background'],
      ['u3', 'urgent'],
    ];
    for (const [name, priority] of plan) queue.enqueue(job('t'), { name }, { priority });
    queue.resume();
    await until(() => order.length === plan.length, 'all jobs');
    expect(order).toEqual(['u1', 'u2', 'u3', 'n1', 'n2', 'n3', 'b1', 'b2', 'b3']);
  });

  async function streamWithBackground(agingMs: number, streamLength: number): Promise<{ normalsBefore: number; waitedMs: number }> {
    let normals = 0;
    let backgroundAt: { normalsBefore: number; at: number } | null = null;
    ({ queue } = makeQueue(db, { clock, agingMs, concurrency: { cpu: 1 } }));
    const q = queue;
    q.register(
      defineJob({
        type: 'work',
        payload: z.object({ kind: z.enum(['normal', 'background']) }),
        resource: 'cpu',
        run: async ({ kind }) => {
          if (kind === 'background') {
            backgroundAt = { normalsBefore: normals, at: clock.now() };
            return;
          }
          // Interactive work keeps arriving: each normal job brings the next one, a second later.
          normals++;
          clock.advance(1_000);
          if (normals < streamLength) q.enqueue(job('work'), { kind: 'normal' });
        },
      }),
    );
    const t0 = clock.now();
    q.enqueue(job('work'), { kind: 'background' }, { priority: 'background' });
    q.enqueue(job('work'), { kind: 'normal' });
    q.start();
    await until(() => backgroundAt !== null, 'the background job');
    const got = backgroundAt as unknown as { normalsBefore: number; at: number };
    return { normalsBefore: got.normalsBefore, waitedMs: got.at - t0 };
  }

  it('ages a waiting background job so a steady stream of normal work cannot starve it', async () => {
    const { normalsBefore, waitedMs } = await streamWithBackground(10_000, 1_000);
    // After 10 s of waiting it counts as normal, and being older it goes before the newest normal job.
    expect(waitedMs).toBe(10_000);
    expect(normalsBefore).toBe(10);
  });

  it('without aging the same stream holds the background job back until the stream ends', async () => {
    const { normalsBefore } = await streamWithBackground(1e12, 40);
    expect(normalsBefore).toBe(40);
  });

  it('prefers, among equally urgent jobs, one that needs no model reload; priority still wins over affinity', async () => {
    const order: string[] = [];
    ({ queue } = makeQueue(db, { clock, concurrency: { gpu: 1 } }));
    queue.register(
      defineJob({
        type: 'infer',
        payload: z.object({ name: z.string(), model: z.string().nullable() }),
        resource: 'gpu',
        model: (p) => p.model,
        run: async ({ name }) => void order.push(name),
      }),
    );
    queue.pause();
    queue.start();
    const add = (name: string, model: string | null, priority: Priority = 'normal') => queue.enqueue(job('infer'), { name, model }, { priority });
    add('A', 'm1');
    add('B', 'm2');
    add('E', null);
    add('C', 'm1');
    add('D', 'm2');
    queue.resume();
    await until(() => order.length === 5, 'five jobs');
    // A loads m1; B would force a reload, so E (no model) and C (m1) go first; then B loads m2 and D follows.
    expect(order).toEqual(['A', 'E', 'C', 'B', 'D']);

    order.length = 0;
    queue.pause();
    add('N-m2', 'm2'); // m2 is loaded now
    add('U-m1', 'm1', 'urgent');
    queue.resume();
    await until(() => order.length === 2, 'two jobs');
    expect(order).toEqual(['U-m1', 'N-m2']);
  });
});
