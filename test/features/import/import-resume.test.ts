import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportProgress } from '../../../src-shared/contract/index.js';
import { openQueueDb } from '../../queue/helpers.js';
import { tempDir } from '../../helpers/tmp.js';

const child = fileURLToPath(new URL('./import-child.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Photo-sized noisy JPEGs: slow enough to decode that a kill lands mid-import. */
async function writePhotos(dir: string, count: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await sharp({ create: { width: 900 + i, height: 700, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 90 + i, sigma: 40 } } })
      .jpeg({ quality: 85 })
      .toFile(path.join(dir, `photo-${String(i).padStart(3, '0')}.jpg`));
  }
}

describe('import through the queue survives a crash', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('atolye-import-kill-')));
  afterEach(() => cleanup());

  it('resumes after SIGKILLs mid-import and records every file exactly once', { timeout: 180_000 }, async () => {
    const folder = path.join(dir, 'Katalog');
    await writePhotos(folder, 40);
    await fs.copyFile(path.join(folder, 'photo-007.jpg'), path.join(folder, 'photo-007 copy.jpg'));
    await fs.writeFile(path.join(folder, 'notes.jpg'), 'not an image');
    await fs.writeFile(path.join(folder, 'empty.jpg'), '');
    const dataDir = path.join(dir, 'data');
    const processed = () => {
      try {
        const db = openQueueDb(dataDir);
        try {
          return (db.prepare('SELECT processed FROM imports LIMIT 1').pluck().get() as number | undefined) ?? 0;
        } finally {
          db.close();
        }
      } catch {
        return 0;
      }
    };

    let kills = 0;
    let last = '';
    for (const killAt of [5, 18, 30, -1]) {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, dataDir, folder], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      proc.stdout.on('data', (d) => (out += d));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
      if (killAt >= 0) {
        let ended = false;
        void exited.then(() => (ended = true));
        while (!ended && processed() < killAt) await sleep(10);
        if (!ended) proc.kill('SIGKILL');
        if ((await exited) === 'SIGKILL') kills++;
      } else {
        await exited;
        last = out.trim().split('\n').at(-1)!;
      }
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    const done = JSON.parse(last) as ImportProgress;
    expect(done).toMatchObject({ state: 'done', total: 43, processed: 43, imported: 40, duplicates: 1, skipped: 2, error: null });

    const db = openQueueDb(dataDir);
    const originals = db.prepare("SELECT rel_path FROM assets WHERE project_id = ? AND kind = 'original' AND deleted = 0").pluck().all(done.projectId) as string[];
    expect(originals).toHaveLength(40);
    expect(new Set(originals).size).toBe(40);
    expect(db.prepare("SELECT COUNT(*) FROM assets WHERE project_id = ? AND kind = 'thumbnail'").pluck().get(done.projectId)).toBe(40);
    expect(db.prepare('SELECT file_name FROM import_skips ORDER BY file_name').pluck().all()).toEqual(['empty.jpg', 'notes.jpg']);
    // The import is a batch: the scan plus one child per file, all completed once.
    expect(db.prepare('SELECT state, total, completed, failed FROM batches WHERE id = ?').get(done.importId)).toEqual({ state: 'completed', total: 44, completed: 44, failed: 0 });
    expect(db.prepare("SELECT COUNT(*) FROM jobs WHERE batch_id = ? AND type = 'import.file'").pluck().get(done.importId)).toBe(43);
    // Some files were being worked on when a kill came, and were redone by a later boot. A kill
    // is not a crash (nothing recorded one): it is counted as an interruption, never as poison.
    expect(db.prepare('SELECT COUNT(*) FROM jobs WHERE batch_id = ? AND interruptions > 0').pluck().get(done.importId)).toBeGreaterThan(0);
    expect(db.prepare('SELECT COUNT(*) FROM jobs WHERE batch_id = ? AND crashes > 0').pluck().get(done.importId)).toBe(0);
    db.close();
  });
});
