import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Db } from '../../src-main/engine/db/database.js';
import { FakeClock } from '../../src-main/engine/queue/clock.js';
import type { Queue } from '../../src-main/engine/queue/queue.js';
import { TokenBucket } from '../../src-main/engine/queue/remote.js';
import { defineJob } from '../../src-main/engine/queue/types.js';
import type { JobEvent } from '../../src-shared/contract/index.js';
import { tempDir } from '../helpers/tmp.js';
import { makeQueue, openQueueDb } from './helpers.js';

describe('remote providers', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let db: Db;
  let queue: Queue;
  let server: http.Server;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    db = openQueueDb(dir);
  });
  afterEach(async () => {
    await queue?.close();
    if (server) await new Promise((r) => server.close(r));
    db.close();
    await cleanup();
  });

  it('token bucket: a burst, then the refill rate', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 3, clock);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(100);
    clock.advance(99);
    expect(bucket.take()).toBe(1);
    clock.advance(1);
    expect(bucket.take()).toBe(0);
    clock.advance(10_000);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0, 100]);
  });

  it('rides out a 429 storm by rotating keys and waiting without using attempts; 500s use attempts', { timeout: 60_000 }, async () => {
    const log: { at: number; key: string; job: number; status: number }[] = [];
    const failedOnce = new Set<number>();
    let first = 0;
    server = http.createServer((req, res) => {
      const now = Date.now();
      first ||= now;
      const key = (req.headers.authorization ?? '').replace('Bearer ', '');
      const job = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('job'));
      let status = 200;
      if (now - first < 500) status = 429; // the storm: every key is refused
      else if (key === 'k1') status = 429; // this key stays over quota
      else if (job % 5 === 0 && !failedOnce.has(job)) {
        failedOnce.add(job);
        status = 500;
      }
      log.push({ at: now, key, job, status });
      if (status === 429) res.writeHead(429, { 'Retry-After': key === 'k1' ? '2' : '0.3' }).end('slow down');
      else if (status === 500) res.writeHead(500).end('oops');
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ job, key }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/work`;

    let events;
    const RATE = 40;
    const BURST = 4;
    ({ queue, events } = makeQueue(db, {
      concurrency: { io: 4 },
      retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 50 },
      providers: { acme: { keys: ['k1', 'k2', 'k3'], ratePerSecond: RATE, burst: BURST } },
    }));
    queue.register(
      defineJob({
        type: 'remote.call',
        payload: z.object({ n: z.number() }),
        resource: 'io',
        run: async ({ n }, ctx) => ctx.remote('acme').json(`${url}?job=${n}`, { signal: ctx.signal }),
      }),
    );
    queue.start();
    const ids = Array.from({ length: 30 }, (_, n) => queue.enqueue('remote.call', { n: n + 1 }).id);
    const done = await Promise.all(ids.map((id) => queue.waitFor(id)));

    expect(done.every((j) => j.state === 'completed')).toBe(true);
    // A job used a second attempt only for its 500; the 429s cost none.
    for (const [i, job] of done.entries()) expect(job.attempts, `job ${i + 1}`).toBe((i + 1) % 5 === 0 ? 2 : 1);
    const retrying = events.filter((e) => e.type === 'job.retrying').map((e) => (e.payload as JobEvent).errorKind);
    expect(retrying.filter((k) => k === 'transient')).toHaveLength(6);
    expect(retrying.filter((k) => k === 'rate_limited').length).toBeGreaterThan(0);
    expect(log.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(3);
    // Keys rotated on each 429 (all three were tried); after the storm only healthy keys did the work
    // and the over-quota key was left cooling.
    expect(new Set(log.map((r) => r.key))).toEqual(new Set(['k1', 'k2', 'k3']));
    const after = log.filter((r) => r.at - first >= 500 && r.status !== 429);
    expect(after.length).toBeGreaterThanOrEqual(30);
    expect(after.every((r) => r.key === 'k2' || r.key === 'k3')).toBe(true);
    const k1Requests = log.filter((r) => r.key === 'k1').length;
    // Per 2 s cool-down, k1 sees at most the requests already in flight when its 429 came back (4 slots).
    expect(k1Requests).toBeLessThanOrEqual(4 * (1 + Math.ceil((log.at(-1)!.at - first) / 2000)));
    // The token bucket bounds the request rate: never more than burst + rate × elapsed (elapsed
    // measured at the server, with 100 ms of slack for the first request's own latency).
    for (const [i, r] of log.entries()) expect(i + 1).toBeLessThanOrEqual(BURST + 1 + Math.floor(((r.at - first + 100) / 1000) * RATE));
  });
});
