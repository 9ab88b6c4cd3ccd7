/** Real `atolye` child processes and what a clean stop leaves in their library (signals tests). */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { expect } from 'vitest';
import { DataDirLock } from '../../src-main/engine/data-dir-lock.js';
import { openQueueDb } from '../queue/helpers.js';

export const bin = path.resolve('bin/atolye.js');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Photo-sized noisy JPEGs: slow enough to decode that a signal lands mid-import. */
export async function writePhotos(dir: string, count: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await sharp({ create: { width: 900 + i, height: 700, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 90 + i, sigma: 40 } } })
      .jpeg({ quality: 85 })
      .toFile(path.join(dir, `photo-${String(i).padStart(3, '0')}.jpg`));
  }
}

/** A product on a plain backdrop, the kind of image remove-background is for. */
export async function writeProducts(dir: string, count: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="640" height="480" fill="rgb(${230 - i},235,240)"/><rect x="${200 + i * 3}" y="120" width="200" height="260" rx="30" fill="rgb(${180 + i},40,40)"/></svg>`;
    await sharp(Buffer.from(svg)).jpeg().toFile(path.join(dir, `product-${i}.jpg`));
  }
}

export function query<T>(dataDir: string, sql: string): T[] {
  try {
    const db = openQueueDb(dataDir);
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
}

export interface Run {
  code: Promise<number | null>;
  exited: () => boolean;
  stdout: () => string;
  stderr: () => string;
  signal: (s: NodeJS.Signals) => void;
}

export function atolye(args: string[]): Run {
  const proc = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exited = false;
  proc.on('exit', () => (exited = true));
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  return {
    code: new Promise((resolve) => proc.on('exit', (code) => resolve(code))),
    exited: () => exited,
    stdout: () => out,
    stderr: () => err,
    signal: (s) => void proc.kill(s),
  };
}

export async function until(what: string, cond: () => boolean, run: Run, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end || run.exited()) throw new Error(`${run.exited() ? 'exited' : 'timed out'} waiting for ${what}; stdout: ${run.stdout()} stderr: ${run.stderr()}`);
    await sleep(100);
  }
}

/** What a clean stop leaves behind: no job running, every boot recorded as stopped cleanly, the lock free. */
export function expectCleanlyStopped(dataDir: string): void {
  expect(query<{ n: number }>(dataDir, "SELECT count(*) AS n FROM jobs WHERE state = 'running'")[0]?.n).toBe(0);
  const boots = query<{ clean: number; stopped_at: number | null }>(dataDir, 'SELECT clean, stopped_at FROM boots');
  expect(boots.length).toBeGreaterThan(0);
  for (const b of boots) expect(b).toMatchObject({ clean: 1, stopped_at: expect.any(Number) });
  // The lock is free: another engine may take it at once.
  DataDirLock.acquire(dataDir).release();
}

export const stderrLines = (run: Run) => run.stderr().split('\n').filter((l) => l.trim() !== '');

