import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Db } from '../../src-main/engine/db/database.js';
import type { Queue } from '../../src-main/engine/queue/queue.js';
import { defineJob } from '../../src-main/engine/queue/types.js';
import { tempDir } from '../helpers/tmp.js';
import { deferred, job, makeQueue, openQueueDb, until } from './helpers.js';

describe('lease fencing', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let dbA: Db;
  let dbB: Db;
  let a: Queue;
  let b: Queue;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    dbA = openQueueDb(dir);
    dbB = openQueueDb(dir);
    dbA.exec('CREATE TABLE effects (job TEXT NOT NULL, by TEXT NOT NULL)');
  });
  afterEach(async () => {
    await a?.close();
    await b?.close();
    dbA.close();
    dbB.close();
    await cleanup();
  });

  function slowJob(who: string, gate: Promise<void>, started: () => void) {
    return defineJob({
      type: 'render',
      payload: z.object({}),
      resource: 'gpu',
      run: async () => {
        started();
        await gate;
        return who;
      },
      commit: (ctx) => void ctx.db.prepare('INSERT INTO effects (job, by) VALUES (?, ?)').run(ctx.job.id, who),
    });
  }

  it("ignores a stale attempt's completion: it can never overwrite the newer attempt", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const gateA = deferred();
    const gateB = deferred();
    const startedA = deferred();
    const startedB = deferred();
    let eventsA;
    ({ queue: a, events: eventsA } = makeQueue(dbA));
    a.register(slowJob('A', gateA.promise, startedA.resolve));
    a.start();
    const id = a.enqueue(job('render'), {}).id;
    await startedA.promise;
    expect(a.get(id)).toMatchObject({ state: 'running', attempts: 1 });

    // A second engine takes the job over as a restart would (A's boot looks dead to it) and runs a newer attempt.
    ({ queue: b } = makeQueue(dbB));
    b.register(slowJob('B', gateB.promise, startedB.resolve));
    b.start();
    await startedB.promise;
    // A's boot recorded no crash: its death is an interruption, not a crash against the job.
    const taken = dbB.prepare('SELECT lease_owner, attempts, crashes, interruptions, state FROM jobs WHERE id = ?').get(id);
    expect(taken).toEqual({ lease_owner: b.bootId, attempts: 1, crashes: 0, interruptions: 1, state: 'running' });

    // The stale attempt finishes first: nothing of it is recorded, B's attempt keeps running.
    gateA.resolve();
    await until(() => warn.mock.calls.some((c) => String(c[0]).includes('stale attempt')), 'the stale outcome to be dropped');
    expect(dbA.prepare('SELECT state, lease_owner, result FROM jobs WHERE id = ?').get(id)).toEqual({ state: 'running', lease_owner: b.bootId, result: null });
    expect(dbA.prepare('SELECT COUNT(*) FROM effects').pluck().get()).toBe(0);

    gateB.resolve();
    const done = await b.waitFor(id);
    expect(done.state).toBe('completed');
    expect(b.get(id).result).toBe('B');
    expect(dbA.prepare('SELECT by FROM effects').pluck().all()).toEqual(['B']);
    expect(eventsA.some((e) => e.type === 'job.completed')).toBe(false);
    warn.mockRestore();
  });
});
