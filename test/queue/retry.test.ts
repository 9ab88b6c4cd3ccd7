import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ContractError } from '../../src-shared/contract/index.js';
import type { Db } from '../../src-main/engine/db/database.js';
import { backoffDelay } from '../../src-main/engine/queue/backoff.js';
import { FakeClock } from '../../src-main/engine/queue/clock.js';
import { OutOfMemoryError, PermanentError, TransientError } from '../../src-main/engine/queue/errors.js';
import type { Queue } from '../../src-main/engine/queue/queue.js';
import { defineJob } from '../../src-main/engine/queue/types.js';
import { tempDir } from '../helpers/tmp.js';
import { job, makeQueue, openQueueDb, turns, until } from './helpers.js';

describe('retries and error classes', () => {
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

  it('backs off exponentially with jitter, capped, measured on a fake clock', async () => {
    const runs: number[] = [];
    let events;
    ({ queue, events } = makeQueue(db, { clock, random: () => 0.5, retry: { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 3_000 } }));
    queue.register(
      defineJob({
        type: 'flaky',
        payload: z.object({}),
        resource: 'cpu',
        run: async () => {
          runs.push(clock.now());
          if (runs.length < 5) throw new TransientError(`try ${runs.length} failed`);
          return 'ok';
        },
      }),
    );
    queue.start();
    const t0 = clock.now();
    const id = queue.enqueue(job('flaky'), {}).id;
    await until(() => runs.length === 1, 'the first attempt');
    // Equal jitter with random() = 0.5: ¾ of min(cap, base·2^(n−1)).
    const delays = [750, 1_500, 2_250, 2_250];
    let at = t0;
    for (const [i, delay] of delays.entries()) {
      await turns();
      const job = queue.get(id);
      expect(job).toMatchObject({ state: 'pending', attempts: i + 1, errorKind: 'transient', error: `try ${i + 1} failed`, runAt: at + delay });
      clock.advance(delay - 1);
      await turns();
      expect(runs).toHaveLength(i + 1); // not a millisecond early
      clock.advance(1);
      await until(() => runs.length === i + 2, `attempt ${i + 2}`);
      at += delay;
      expect(runs[i + 1]).toBe(at);
    }
    expect((await queue.waitFor(id)).state).toBe('completed');
    expect(events.filter((e) => e.type === 'job.retrying').map((e) => (e.payload as { runAt: number }).runAt - t0)).toEqual([750, 2_250, 4_500, 6_750]);
  });

  it('keeps the jitter inside [½, 1] of the exponential delay and never above the cap', () => {
    const policy = { baseDelayMs: 1_000, maxDelayMs: 10_000 };
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, policy, () => 0))).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000]);
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, policy, () => 0.999999))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });

  it('fails permanent errors at once with their reason, and transient ones after max attempts', async () => {
    ({ queue } = makeQueue(db, { clock, retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 } }));
    const thrown: Record<string, () => Error> = {
      permanent: () => new PermanentError('unsupported format: .xyz'),
      contract: () => new ContractError('invalid_input', 'bad crop box'),
      missing: () => Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }),
      transient: () => new TransientError('device busy'),
    };
    queue.register(
      defineJob({
        type: 'bad',
        payload: z.object({ kind: z.string() }),
        resource: 'cpu',
        run: async ({ kind }) => {
          throw thrown[kind]!();
        },
      }),
    );
    queue.start();
    const ids = Object.fromEntries(Object.keys(thrown).map((k) => [k, queue.enqueue(job('bad'), { kind: k }).id]));
    for (let i = 0; i < 10; i++) {
      await turns();
      clock.advance(10);
    }
    await Promise.all(Object.values(ids).map((id) => queue.waitFor(id)));
    expect(queue.get(ids.permanent!)).toMatchObject({ state: 'failed', attempts: 1, errorKind: 'permanent', error: 'unsupported format: .xyz' });
    expect(queue.get(ids.contract!)).toMatchObject({ state: 'failed', attempts: 1, errorKind: 'permanent', error: 'bad crop box' });
    expect(queue.get(ids.missing!)).toMatchObject({ state: 'failed', attempts: 1, errorKind: 'permanent' });
    expect(queue.get(ids.transient!)).toMatchObject({ state: 'failed', attempts: 3, errorKind: 'transient', error: 'device busy' });
  });

  it('retries an out-of-memory failure like a transient one and marks it oom', async () => {
    ({ queue } = makeQueue(db, { clock }));
    queue.register(
      defineJob({
        type: 'no-shrink',
        payload: z.object({}),
        resource: 'cpu',
        run: async () => {
          throw new OutOfMemoryError('std::bad_alloc');
        },
      }),
    );
    queue.start();
    const other = queue.enqueue(job('no-shrink'), {}).id;
    for (let i = 0; i < 10; i++) {
      await turns();
      clock.advance(60_000);
    }
    // An out-of-memory error is retried like a transient one, then fails, marked oom.
    expect(await queue.waitFor(other)).toMatchObject({ state: 'failed', attempts: 3, errorKind: 'oom' });
  });

  it('aborts an attempt that runs past its timeout and counts it as a failed attempt', async () => {
    let attempts = 0;
    ({ queue } = makeQueue(db, { clock, graceMs: 1_000, retry: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 100 } }));
    queue.register(
      defineJob({
        type: 'slow',
        payload: z.object({}),
        resource: 'cpu',
        timeoutMs: 5_000,
        run: (_p, ctx) =>
          new Promise((resolve, reject) => {
            attempts++;
            if (attempts === 2) return resolve('fast enough');
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
          }),
      }),
    );
    queue.start();
    const id = queue.enqueue(job('slow'), {}).id;
    await until(() => attempts === 1, 'first attempt');
    clock.advance(4_999);
    await turns();
    expect(queue.get(id).state).toBe('running');
    clock.advance(1);
    await turns();
    expect(queue.get(id)).toMatchObject({ state: 'pending', errorKind: 'timeout', error: 'timed out after 5000 ms' });
    clock.advance(100);
    expect(await queue.waitFor(id)).toMatchObject({ state: 'completed', attempts: 2 });
  });
});
