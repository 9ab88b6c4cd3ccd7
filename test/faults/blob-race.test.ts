/**
 * The blob store is content-addressed and shared: deleting a project while another import
 * is storing the very same files must never remove a file a live row needs. And deleting
 * a project stops its own import: no live rows remain under it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useEngine } from '../support/engine.js';
import { writeJpegs } from '../helpers/images.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('blob races', () => {
  // A short grace for re-put blobs, so the test can also see the collector remove what is really unused.
  const t = useEngine({ workers: 2, blobs: { graceMs: 200 } });

  it('keeps every file of an import that runs while a project holding the same files is deleted (3 rounds of 162)', { timeout: 300_000 }, async () => {
    const folder = path.join(t.dir, 'Katalog');
    await writeJpegs(folder, 162, 'kat');
    const missing: number[] = [];
    for (let round = 0; round < 3; round++) {
      const first = await t.importPaths(folder, `first ${round}`);
      expect(first).toMatchObject({ state: 'done', imported: 162 });
      const second = await t.imports.start({ paths: [folder], projectName: `second ${round}` });
      // Delete the first project while the second import is storing the same bytes.
      while (t.imports.get(second.importId).processed < 20) await sleep(5);
      await t.library.deleteProject(first.projectId);
      const done = await t.imports.wait(second.importId);
      expect(done).toMatchObject({ state: 'done', imported: 162 });
      // Let the collector do whatever it would (its scheduled sweeps), then look at the files.
      await t.engine.blobs.sweep();
      const page = t.library.listAssets(done.projectId, 0, 1000).items;
      let gone = 0;
      for (const a of page) {
        const files = [t.engine.media(a.id, 'original')!.path, t.engine.media(a.id, 'thumb')!.path];
        for (const f of files) if (!(await fs.access(f).then(() => true, () => false))) gone++;
      }
      missing.push(gone);
      // Clean the slate for the next round: the second project goes too.
      await t.library.deleteProject(done.projectId);
    }
    expect(missing).toEqual([0, 0, 0]);
    // Every project is deleted now: the files do leave the store (nothing is kept forever).
    await sleep(300);
    await t.engine.blobs.sweep();
    const left = (await fs.readdir(path.join(t.dataDir, 'blobs'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(left.map((e) => e.name)).toEqual([]);
    expect(t.engine.blobs.pending()).toBe(0);
  });

  it('cancels the import of a project being deleted, and leaves no live rows under it', { timeout: 120_000 }, async () => {
    const folder = path.join(t.dir, 'Yavaş');
    await writeJpegs(folder, 120, 'yav');
    const started = await t.imports.start({ paths: [folder] });
    while (t.imports.get(started.importId).processed < 10) await sleep(5);
    await t.library.deleteProject(started.projectId);
    const done = await t.imports.wait(started.importId);
    expect(done.state).toBe('failed');
    expect(done.error).toBe('cancelled');
    await t.engine.queue.drain();
    const live = t.engine.db.prepare('SELECT COUNT(*) FROM assets WHERE project_id = ? AND deleted = 0').pluck().get(started.projectId);
    expect(live).toBe(0);
    const unfinished = t.engine.db.prepare("SELECT COUNT(*) FROM jobs WHERE project_id = ? AND state IN ('pending', 'paused', 'running')").pluck().get(started.projectId);
    expect(unfinished).toBe(0);
    // A second delete of the same project (another window) is a clean "not found".
    await expect(t.library.deleteProject(started.projectId)).rejects.toMatchObject({ code: 'not_found' });
  });
});
