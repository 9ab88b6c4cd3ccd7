/**
 * A full disk is an error, not a hang: on a small real file system (a tmpfs with size=,
 * which needs root to mount), an import that runs out of space pauses the queue with the
 * reason disk_full (in queue.stats), fails nothing, and finishes by itself once space is
 * freed; the CLI stops with one line and a non-zero exit code.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main.js';
import { createDispatcher } from '../../src-main/engine/api/dispatch.js';
import { importFeature } from '../../src-main/features/import/index.js';
import { openEngine } from '../../src-main/features/index.js';
import { tempDir } from '../helpers/tmp.js';

const MIB = 1024 ** 2;

/** Mounts a tmpfs of `mib` MiB at `dir`; answers why not when it cannot. */
function mountSmallFs(dir: string, mib: number): string | null {
  if (process.getuid?.() !== 0) return 'not root: mounting a small file system (tmpfs size=) needs root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `mount -t tmpfs failed (${String((err as { stderr?: Buffer }).stderr ?? err).trim()}): no small file system to fill`;
  }
}

async function writePhotos(dir: string, count: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await sharp({ create: { width: 800 + i, height: 600, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 100 + i, sigma: 50 } } })
      .jpeg({ quality: 90 })
      .toFile(path.join(dir, `photo-${String(i).padStart(2, '0')}.jpg`));
  }
}

/** Fills the file system at `dir` until `leaveBytes` remain. */
async function fill(dir: string, leaveBytes: number): Promise<string> {
  const file = path.join(dir, 'filler.bin');
  const s = await fs.statfs(dir);
  const free = s.bavail * s.bsize;
  await fs.writeFile(file, Buffer.alloc(Math.max(0, free - leaveBytes)));
  return file;
}

describe('a full disk', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let small: string;
  let skip: string | null = null;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atolye-disk-full-'));
    small = path.join(dir, 'small');
    await fs.mkdir(small);
    skip = mountSmallFs(small, 64);
    if (skip) console.warn(`skipping the full-disk tests: ${skip}`);
    await writePhotos(path.join(dir, 'photos'), 24);
  }, 120_000);
  afterAll(async () => {
    if (!skip) execFileSync('umount', ['-l', small]);
    await cleanup();
  });

  it('pauses the queue with reason disk_full, fails nothing, and resumes by itself once space is freed', { timeout: 120_000 }, async (ctx) => {
    if (skip) return ctx.skip();
    const dataDir = path.join(small, 'lib');
    const engine = await openEngine({ dataDir, disk: { minFreeBytes: 4 * MIB, checkMs: 200 } });
    try {
      const api = createDispatcher(engine);
      const filler = await fill(small, 1.5 * MIB);
      const imports = engine.use(importFeature);
      const started = await imports.start({ paths: [path.join(dir, 'photos')], projectName: 'Dolu' });
      await expect.poll(() => engine.queue.pauseReason(), { timeout: 60_000 }).toBe('disk_full');
      const stats = (await api('queue.stats', {})) as { paused: boolean; pauseReason?: string | null };
      expect(stats).toMatchObject({ paused: true, pauseReason: 'disk_full' });
      expect(engine.db.prepare("SELECT count(*) FROM jobs WHERE state = 'failed'").pluck().get()).toBe(0);
      expect(imports.get(started.importId).state).not.toBe('failed');
      expect(await engine.disk.describe()).toMatch(/is full .*free, .* needed/);

      await fs.rm(filler);
      const done = await imports.wait(started.importId);
      expect(done).toMatchObject({ state: 'done', total: 24, imported: 24, skipped: 0 });
      expect(engine.queue.pauseReason()).toBeNull();
      expect(engine.db.prepare("SELECT count(*) FROM jobs WHERE state = 'failed'").pluck().get()).toBe(0);
    } finally {
      await engine.close();
      await fs.rm(path.join(small, 'filler.bin'), { force: true });
    }
  });

  it('stops the CLI with one line and exit code 75, and the import is there to finish later', { timeout: 120_000 }, async (ctx) => {
    if (skip) return ctx.skip();
    const dataDir = path.join(small, 'lib-cli');
    // The library exists first, so what fills up is the import, not the opening.
    await (await openEngine({ dataDir, queue: { autostart: false } })).close();
    const filler = await fill(small, 1.5 * MIB);
    const lines: string[] = [];
    const code = await runCli(['--data-dir', dataDir, 'import', path.join(dir, 'photos')], { out: (l) => lines.push(`out ${l}`), err: (l) => lines.push(`err ${l}`) });
    expect(code).toBe(75);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^err atolye import: the disk holding the library .* is full.*Free some space and run it again/);
    await fs.rm(filler);
    const engine = await openEngine({ dataDir, disk: { minFreeBytes: 4 * MIB, checkMs: 200 } });
    try {
      const importId = engine.db.prepare('SELECT id FROM imports').pluck().get() as string;
      expect(await engine.use(importFeature).wait(importId)).toMatchObject({ state: 'done', imported: 24 });
    } finally {
      await engine.close();
    }
  });
});
