/** The worker pool's own contract: what a task leaves behind once it settles. */
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src-main/engine/workers/pool.js';

describe('worker pool', () => {
  let pool: WorkerPool<{ ms: number }, { spun: number }> | null = null;
  afterEach(async () => {
    await pool?.close();
    pool = null;
  });

  it('leaves no abort listener on a long-lived signal once its tasks settle (a job gives one signal to thousands of tasks)', async () => {
    pool = new WorkerPool(new URL('../queue/fixtures/spin-worker.ts', import.meta.url), { size: 2, name: 'spin' });
    const job = new AbortController();
    const stop = new AbortController();
    const results = await Promise.all(Array.from({ length: 40 }, () => pool!.run({ ms: 1 }, { signal: job.signal, kill: stop.signal })));
    expect(results).toHaveLength(40);
    expect(getEventListeners(job.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('still drops waiting tasks when the signal aborts, and then holds no listener either', async () => {
    pool = new WorkerPool(new URL('../queue/fixtures/spin-worker.ts', import.meta.url), { size: 1, name: 'spin' });
    const job = new AbortController();
    const running = pool.run({ ms: 300 }, { signal: job.signal });
    const waiting = pool.run({ ms: 300 }, { signal: job.signal });
    job.abort();
    await expect(waiting).rejects.toThrow();
    await expect(running).resolves.toMatchObject({ spun: expect.any(Number) });
    expect(getEventListeners(job.signal, 'abort')).toHaveLength(0);
  });

  it('close lets a running task finish (a worker killed inside a native call aborts the process), and terminates one that overruns the bound', async () => {
    pool = new WorkerPool(new URL('../queue/fixtures/spin-worker.ts', import.meta.url), { size: 1, name: 'spin' });
    const running = pool.run({ ms: 300 });
    await new Promise((r) => setTimeout(r, 50));
    await pool.close({ drainMs: 5_000 });
    await expect(running).resolves.toMatchObject({ spun: expect.any(Number) });
    await expect(pool.run({ ms: 1 })).rejects.toThrow(/closed/);

    pool = new WorkerPool(new URL('../queue/fixtures/spin-worker.ts', import.meta.url), { size: 1, name: 'spin' });
    const overrun = pool.run({ ms: 10_000 });
    await new Promise((r) => setTimeout(r, 50));
    await pool.close({ drainMs: 100 });
    await expect(overrun).rejects.toThrow(/exited/);
  });
});
