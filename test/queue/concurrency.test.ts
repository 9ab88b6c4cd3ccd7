import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Db } from '../../src-main/engine/db/database.js';
import { TransientError } from '../../src-main/engine/queue/errors.js';
import type { Queue } from '../../src-main/engine/queue/queue.js';
import { defineJob, priorityName, type Resource } from '../../src-main/engine/queue/types.js';
import { tempDir } from '../helpers/tmp.js';
import { job, makeQueue, openQueueDb } from './helpers.js';

describe('per-resource concurrency', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let db: Db;
  let queue: Queue;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    db = openQueueDb(dir);
  });
  afterEach(async () => {
    await queue?.close();
    db.close();
    await cleanup();
  });

  it('never runs more jobs of a resource than its limit, under load with retries, cancels and late arrivals', { timeout: 60_000 }, async () => {
    const limits: Record<Resource, number> = { gpu: 1, cpu: 2, io: 3 };
    const inFlight: Record<Resource, number> = { gpu: 0, cpu: 0, io: 0 };
    const peak: Record<Resource, number> = { gpu: 0, cpu: 0, io: 0 };
    const dbPeak: Record<Resource, number> = { gpu: 0, cpu: 0, io: 0 };
    ({ queue } = makeQueue(db, { concurrency: limits, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } }));
    const q = queue;
    const running = db.prepare("SELECT resource, COUNT(*) AS n FROM jobs WHERE state = 'running' GROUP BY resource");
    for (const resource of ['gpu', 'cpu', 'io'] as const) {
      q.register(
        defineJob({
          type: `load.${resource}`,
          payload: z.object({ n: z.number(), failFirst: z.boolean() }),
          resource,
          run: async ({ failFirst }, ctx) => {
            inFlight[resource]++;
            peak[resource] = Math.max(peak[resource], inFlight[resource]);
            for (const r of running.all() as { resource: Resource; n: number }[]) dbPeak[r.resource] = Math.max(dbPeak[r.resource], r.n);
            try {
              await new Promise((r) => setTimeout(r, Math.random() * 4));
              if (failFirst && ctx.attempt === 1) throw new TransientError('first attempt fails');
            } finally {
              inFlight[resource]--;
            }
          },
        }),
      );
    }
    const resources = ['gpu', 'cpu', 'io'] as const;
    const enqueue = (n: number) =>
      q.enqueue(job(`load.${resources[n % 3]}`), { n, failFirst: n % 7 === 0 }, { priority: priorityName[n % 3] }).id;
    const ids = Array.from({ length: 300 }, (_, n) => enqueue(n));
    q.start();
    // More work arrives while it runs, and some waiting jobs are cancelled.
    for (let n = 300; n < 400; n++) {
      ids.push(enqueue(n));
      if (n % 10 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    for (const id of ids.slice(350, 360)) if (q.get(id).state === 'pending') q.cancel(id);
    await Promise.all(ids.map((id) => q.waitFor(id)));

    expect(peak).toEqual(limits);
    for (const r of resources) expect(dbPeak[r]).toBeLessThanOrEqual(limits[r]);
    const stats = q.stats();
    expect(stats.counts.completed + stats.counts.cancelled).toBe(400);
    expect(stats.counts.failed).toBe(0);
    expect(stats.resources.every((r) => r.running === 0)).toBe(true);
  });
});
