/**
 * bench:queue — enqueue + claim + complete of 20,000 no-op jobs, in-process, on SQLite in
 * WAL mode with synchronous=FULL (every commit is fsynced), next to two peers measured in
 * the same run on the same disk:
 *   - plainjob (the SQLite queue for better-sqlite3), same pragmas, its own worker loop;
 *   - the raw floor: two single-row write transactions per job (insert, then mark done).
 * Every system enqueues one job per transaction, then claims and completes them. The
 * headline runs our queue with one slot, like plainjob's single worker and the sequential
 * floor; a second figure shows four slots, where completions share commits.
 *
 * fsync latency on a shared machine swings by several times within minutes, so the
 * systems take turns in chunks of 1,000 jobs (rotating who goes first) and each one's
 * time is summed over its chunks: every system sees the same disk weather.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { better, defineQueue, defineWorker } from 'plainjob';
import { z } from 'zod';
import { openDatabase } from '../src-main/engine/db/database.js';
import { EventBus } from '../src-main/engine/events.js';
import { newId } from '../src-main/engine/ids.js';
import { packageRoot } from '../src-main/engine/package-root.js';
import { Queue } from '../src-main/engine/queue/queue.js';
import { defineJob } from '../src-main/engine/queue/types.js';
import { machine } from './dataset.js';

const JOBS = Number(process.env.JOBS ?? 20_000);
const CHUNK = Number(process.env.CHUNK ?? 1_000);
// The repository's disk (not a tmpfs /tmp): all systems write to the same place.
const dir = path.join(packageRoot, '.bench', `queue-${process.pid}`);

function fresh(name: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.db`);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  return file;
}

function walFull(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  if (db.pragma('synchronous', { simple: true }) !== 2) throw new Error('synchronous is not FULL');
}

interface System {
  name: string;
  /** Enqueues `n` jobs (one transaction each) and returns once all of them are completed. */
  chunk(n: number): Promise<void>;
  /** Checks every job completed exactly once, and closes. */
  finish(): Promise<void>;
  ms: number;
}

function rawFloor(): System {
  const db = new Database(fresh('raw'));
  walFull(db);
  db.exec('CREATE TABLE jobs (id INTEGER PRIMARY KEY, state INTEGER NOT NULL, payload TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO jobs (state, payload) VALUES (0, ?)');
  const done = db.prepare('UPDATE jobs SET state = 2 WHERE id = ?');
  let next = 0;
  return {
    name: 'raw floor',
    ms: 0,
    async chunk(n) {
      const ids: number[] = [];
      for (let i = 0; i < n; i++) ids.push(Number(insert.run(JSON.stringify({ i: next++ })).lastInsertRowid));
      for (const id of ids) done.run(id);
    },
    async finish() {
      const n = db.prepare('SELECT COUNT(*) FROM jobs WHERE state = 2').pluck().get();
      if (n !== JOBS) throw new Error(`raw floor: ${n} of ${JOBS} done`);
      db.close();
    },
  };
}

function plainjob(): System {
  const db = new Database(fresh('plainjob'));
  const quiet = { error() {}, warn() {}, info() {}, debug() {} };
  const queue = defineQueue({ connection: better(db), logger: quiet });
  walFull(db); // defineQueue sets synchronous = NORMAL; put FULL back, as for the others
  let completed = 0;
  let target = 0;
  let reached: (() => void) | null = null;
  let next = 0;
  const worker = defineWorker('bench', async () => {}, {
    queue,
    logger: quiet,
    pollIntervall: 1,
    onCompleted: () => {
      if (++completed === target) reached?.();
    },
  });
  return {
    name: 'plainjob',
    ms: 0,
    async chunk(n) {
      target = completed + n;
      const done = new Promise<void>((resolve) => (reached = resolve));
      for (let i = 0; i < n; i++) queue.add('bench', { i: next++ });
      const running = worker.start();
      await done;
      await worker.stop();
      await running;
    },
    async finish() {
      if (completed !== JOBS) throw new Error(`plainjob: ${completed} of ${JOBS} done`);
      queue.close();
    },
  };
}

function ours(slots: number): System {
  const db = openDatabase(fresh(`atolye-${slots}`), { synchronous: 'FULL' });
  walFull(db);
  const queue = new Queue(db, new EventBus(), newId(), { concurrency: { io: slots } });
  const noop = queue.register(defineJob({ type: 'bench.noop', payload: z.object({ i: z.number() }), resource: 'io', run: async () => null }));
  queue.start();
  let next = 0;
  return {
    name: slots === 1 ? 'atolye queue' : `atolye queue, ${slots} slots`,
    ms: 0,
    async chunk(n) {
      for (let i = 0; i < n; i++) queue.enqueue(noop, { i: next++ });
      await queue.drain();
    },
    async finish() {
      const n = db.prepare("SELECT COUNT(*) FROM jobs WHERE state = 'completed'").pluck().get();
      const attempts = db.prepare('SELECT MAX(attempts) FROM jobs').pluck().get();
      if (n !== JOBS || attempts !== 1) throw new Error(`atolye: ${n} of ${JOBS} completed, max attempts ${attempts}`);
      await queue.close();
      db.close();
    },
  };
}

const systems = [ours(1), ours(4), plainjob(), rawFloor()];
const chunks = Math.ceil(JOBS / CHUNK);
for (let c = 0; c < chunks; c++) {
  const n = Math.min(CHUNK, JOBS - c * CHUNK);
  for (let k = 0; k < systems.length; k++) {
    const s = systems[(c + k) % systems.length]!;
    const started = performance.now();
    await s.chunk(n);
    s.ms += performance.now() - started;
  }
  if ((c + 1) % 5 === 0) console.log(`${(c + 1) * CHUNK} jobs: ${systems.map((s) => `${s.name} ${(((c + 1) * CHUNK) / (s.ms / 1000)).toFixed(0)}/s`).join(', ')}`);
}
for (const s of systems) await s.finish();
fs.rmSync(dir, { recursive: true, force: true });

const perS = (s: System) => JOBS / (s.ms / 1000);
const [one, four, pj, raw] = systems.map(perS) as [number, number, number, number];
console.log(`machine: ${machine()}; ${JOBS} jobs per system in chunks of ${CHUNK}, taking turns; WAL, synchronous=FULL`);
console.log(
  `atolye ${one.toFixed(0)} jobs/s (${(one / pj).toFixed(2)}× plainjob, ${((one / raw) * 100).toFixed(0)}% of the raw floor); with 4 slots ${four.toFixed(0)} jobs/s (${((four / raw) * 100).toFixed(0)}% of the floor)`,
);
console.log(
  JSON.stringify({
    bench: 'queue',
    jobs: JOBS,
    jobs_per_s: Math.round(one),
    plainjob_jobs_per_s: Math.round(pj),
    raw_floor_jobs_per_s: Math.round(raw),
    // Time per job beyond the floor's two durable writes: the queue's scheduling and bookkeeping.
    overhead_ms_per_job: Number((1000 / one - 1000 / raw).toFixed(3)),
  }),
);
