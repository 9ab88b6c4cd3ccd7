import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQueueDb } from './helpers.js';
import { tempDir } from '../helpers/tmp.js';

const child = fileURLToPath(new URL('./fixtures/kill-child.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function start(dataDir: string, workDir: string, mode: 'append' | 'poison' | 'long'): { proc: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dataDir, workDir, mode], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  proc.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => {
      if (code !== 0 && code !== 70 && signal !== 'SIGKILL') console.error(`child exited ${code}: ${stderr}`);
      resolve({ code, signal });
    }),
  );
  return { proc, exited };
}

const lines = (file: string): string[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('crash safety (a child engine SIGKILLed and restarted)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('atolye-kill-')));
  afterEach(() => cleanup());

  it('runs 200 jobs to completion exactly once across random SIGKILLs', { timeout: 180_000 }, async () => {
    const dataDir = path.join(dir, 'data');
    const effects = path.join(dir, 'effects.log');
    const KILLS = 5;
    let kills = 0;
    for (let round = 0; round < KILLS; round++) {
      const before = lines(effects).length;
      const { proc, exited } = start(dataDir, dir, 'append');
      // Kill once this boot has made progress (so earlier victims have been redone), at a random moment after.
      const deadline = Date.now() + 60_000;
      let ended = false;
      void exited.then(() => (ended = true));
      while (!ended && lines(effects).length < before + 12 && Date.now() < deadline) await sleep(5);
      if (ended) break;
      await sleep(Math.floor(Math.random() * 120));
      proc.kill('SIGKILL');
      const { signal } = await exited;
      if (signal === 'SIGKILL') kills++;
    }
    const { exited } = start(dataDir, dir, 'append');
    expect((await exited).code).toBe(0);

    expect(kills).toBeGreaterThanOrEqual(3);
    const done = lines(effects).map(Number);
    const counts = new Map<number, number>();
    for (const n of done) counts.set(n, (counts.get(n) ?? 0) + 1);
    expect([...counts.entries()].filter(([, c]) => c !== 1)).toEqual([]);
    expect(done.length).toBe(200);
    expect(new Set(done)).toEqual(new Set(Array.from({ length: 200 }, (_, i) => i + 1)));
    // The kills did interrupt work: some jobs started more than once, yet took effect once.
    expect(lines(path.join(dir, 'runs.log')).length).toBeGreaterThan(200);

    const db = openQueueDb(dataDir);
    const states = db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all();
    expect(states).toEqual([{ state: 'completed', n: 200 }]);
    expect(db.prepare('SELECT COUNT(*) FROM boots WHERE clean = 0').pluck().get()).toBe(kills);
    expect(db.prepare('SELECT MAX(attempts) FROM jobs').pluck().get()).toBe(1);
    db.close();
  });

  it('fails a job that crashes the engine three times as a poison job; the rest complete', { timeout: 120_000 }, async () => {
    const dataDir = path.join(dir, 'data');
    const outcomes: (number | null)[] = [];
    for (let boot = 0; boot < 6; boot++) {
      const { code, signal } = await start(dataDir, dir, 'poison').exited;
      outcomes.push(signal === 'SIGKILL' ? null : code);
      if (code === 0) break;
    }
    // 70: the crash guard recorded the crash and exited (EX_SOFTWARE).
    expect(outcomes).toEqual([70, 70, 70, 0]);
    const db = openQueueDb(dataDir);
    const poison = db.prepare("SELECT * FROM jobs WHERE payload LIKE '%\"poison\":true%'").get() as { state: string; error_kind: string; error: string; crashes: number };
    expect(poison).toMatchObject({ state: 'failed', error_kind: 'poison', crashes: 3 });
    expect(poison.error).toMatch(/crashed 3 times/);
    expect(db.prepare('SELECT COUNT(*) FROM boots WHERE crash LIKE ?').pluck().get('%the decoder blew up%')).toBe(3);
    expect(db.prepare("SELECT COUNT(*) FROM jobs WHERE state = 'completed'").pluck().get()).toBe(5);
    // The poison job ran once per crashed boot and never again after it was failed.
    expect(lines(path.join(dir, 'runs.log')).filter((l) => l === '0')).toHaveLength(3);
    db.close();
  });

  it('finishes a long job killed from outside five times (SIGKILL at random moments): killed is not poison', { timeout: 240_000 }, async () => {
    const dataDir = path.join(dir, 'data');
    const runsLog = path.join(dir, 'runs.log');
    const KILLS = 5;
    for (let k = 0; k < KILLS; k++) {
      const before = lines(runsLog).length;
      const { proc, exited } = start(dataDir, dir, 'long');
      // Kill it while the job runs: after this boot started it, at a random point of its ~12 s.
      const deadline = Date.now() + 60_000;
      while (lines(runsLog).length <= before && Date.now() < deadline) await sleep(20);
      await sleep(500 + Math.floor(Math.random() * 6_000));
      proc.kill('SIGKILL');
      expect((await exited).signal).toBe('SIGKILL');
    }
    const { exited } = start(dataDir, dir, 'long');
    expect((await exited).code).toBe(0);
    const db = openQueueDb(dataDir);
    const row = db.prepare("SELECT state, attempts, crashes, interruptions, error FROM jobs WHERE type = 'test.long'").get();
    expect(row).toEqual({ state: 'completed', attempts: 1, crashes: 0, interruptions: KILLS, error: null });
    expect(lines(runsLog)).toHaveLength(KILLS + 1);
    db.close();
  });
});
