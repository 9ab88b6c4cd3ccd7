/**
 * One engine per library, always: real processes starting together on a library whose
 * lock an earlier process left behind, a stale pid reused by a live unrelated process, a
 * SIGKILLed holder.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';

const fixture = fileURLToPath(new URL('./fixtures/open-engine.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface Outcome {
  line: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

function openInChild(
  dataDir: string,
  holdMs = 1500,
  barrier = false,
): { started: Promise<string>; done: Promise<Outcome>; kill(signal: NodeJS.Signals): void; release(): void; go(): void; ready: Promise<void>; pid: number } {
  const proc = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir, String(holdMs), ...(barrier ? ['barrier'] : [])], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let resolveLine!: (l: string) => void;
  let resolveReady!: () => void;
  const started = new Promise<string>((r) => (resolveLine = r));
  const ready = new Promise<void>((r) => (resolveReady = r));
  const answer = () => out.split('\n').find((l) => l.startsWith('open') || l.startsWith('refused'));
  proc.stdout!.on('data', (d) => {
    out += d;
    if (out.includes('ready\n')) resolveReady();
    const line = answer();
    if (line) resolveLine(line);
  });
  proc.stderr!.on('data', (d) => (err += d));
  const done = new Promise<Outcome>((resolve) =>
    proc.on('exit', (code, signal) => {
      resolveReady();
      resolveLine(answer() ?? `no answer (exit ${code}): ${err}`);
      resolve({ line: answer() ?? '', code, signal });
    }),
  );
  return {
    started,
    done,
    ready,
    kill: (s) => proc.kill(s),
    go: () => proc.stdin!.write('go\n'),
    release: () => proc.stdin!.end(),
    pid: proc.pid!,
  };
}

async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => p.on('exit', r));
  return p.pid!;
}

describe('data dir lock', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('atolye-lock-')));
  afterEach(() => cleanup());

  it('lets exactly one of two engines starting together open the library, over a stale lock, 12 rounds', { timeout: 240_000 }, async () => {
    const results: string[] = [];
    for (let round = 0; round < 12; round++) {
      const dataDir = path.join(dir, `lib-${round}`);
      await fs.mkdir(dataDir, { recursive: true });
      // What a crashed engine leaves: a lock naming a process that is gone.
      await fs.writeFile(path.join(dataDir, 'engine.lock'), String(await deadPid()));
      // Each holds the library until both have answered, so their lives overlap however slowly they start.
      const a = openInChild(dataDir, 120_000, true);
      const b = openInChild(dataDir, 120_000, true);
      await Promise.all([a.ready, b.ready]);
      a.go();
      b.go();
      const lines = await Promise.all([a.started, b.started]);
      a.release();
      b.release();
      await Promise.all([a.done, b.done]);
      const opened = lines.filter((l) => l.startsWith('open')).length;
      results.push(`${opened}`);
      expect(lines.filter((l) => l.startsWith('refused')).every((l) => /open in another Atölye process/.test(l)), lines.join(' | ')).toBe(true);
    }
    expect(results.join(' ')).toBe(Array(12).fill('1').join(' '));
  });

  it('does not lock the user out when the stale pid now belongs to a live unrelated process', async () => {
    const dataDir = path.join(dir, 'lib');
    await fs.mkdir(dataDir);
    const unrelated = spawn('sleep', ['30']);
    try {
      await fs.writeFile(path.join(dataDir, 'engine.lock'), String(unrelated.pid));
      const child = openInChild(dataDir, 200);
      expect(await child.started).toMatch(/^open/);
      expect((await child.done).code).toBe(0);
    } finally {
      unrelated.kill('SIGKILL');
    }
  });

  it('frees the library when its engine is SIGKILLed, and refuses a second engine while the first lives', async () => {
    const dataDir = path.join(dir, 'lib');
    const first = openInChild(dataDir, 60_000);
    expect(await first.started).toMatch(/^open/);
    const second = openInChild(dataDir, 200);
    expect(await second.started).toMatch(new RegExp(`^refused .*open in another Atölye process \\(pid ${first.pid}`));
    first.kill('SIGKILL');
    await first.done;
    const third = openInChild(dataDir, 200);
    expect(await third.started).toMatch(/^open/);
    expect((await third.done).code).toBe(0);
  });
});
