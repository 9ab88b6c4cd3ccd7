/**
 * A damaged library database: refused on open with a message that says what to do
 * (quick_check), and `atolye export-readable` copies what is still readable (rows of
 * undamaged pages, blobs whose bytes match their hash) into a new library that opens.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main.js';
import { importFeature } from '../../src-main/features/import/index.js';
import { openEngine } from '../../src-main/features/index.js';
import { writeJpegs } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const IMAGES = 120;

describe('a damaged library', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let lib: string;
  let damagedPage: number;
  let assetPages: number;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atolye-damaged-'));
    lib = path.join(dir, 'lib');
    const folder = path.join(dir, 'Raf');
    await writeJpegs(folder, IMAGES);
    const engine = await openEngine({ dataDir: lib, queue: { autostart: true } });
    try {
      const imports = engine.use(importFeature);
      const done = await imports.wait((await imports.start({ paths: [folder], projectName: 'Raf' })).importId);
      expect(done).toMatchObject({ state: 'done', imported: IMAGES });
    } finally {
      await engine.close();
    }
    // One leaf page of the assets table (not the first: the project row and some assets stay readable) is overwritten.
    const db = new Database(path.join(lib, 'library.db'));
    const pages = db.prepare("SELECT pageno FROM dbstat WHERE name = 'assets' AND pagetype = 'leaf' ORDER BY pageno").pluck().all() as number[];
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    assetPages = pages.length;
    expect(assetPages, 'the assets table spans several pages').toBeGreaterThan(2);
    damagedPage = pages[1]!;
    const file = await fs.open(path.join(lib, 'library.db'), 'r+');
    await file.write(Buffer.alloc(pageSize, 0xa5), 0, pageSize, (damagedPage - 1) * pageSize);
    await file.close();
  }, 180_000);
  afterAll(() => cleanup());

  it('is refused on open with a message that names the damage and the way out, and nothing is written', async () => {
    const before = await fs.readFile(path.join(lib, 'library.db'));
    const err = await openEngine({ dataDir: lib, queue: { autostart: false } }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/library database in .* is damaged/);
    expect(err?.message).toContain('export-readable --to NEW_FOLDER');
    // The CLI says it in one line, with no stack trace.
    const lines: string[] = [];
    const code = await runCli(['--data-dir', lib, 'projects'], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    expect(code).not.toBe(0);
    expect(lines.join('\n').split('\n')).toHaveLength(1);
    expect(lines[0]).toMatch(/damaged.*export-readable/);
    expect(lines[0]).not.toMatch(/\n\s+at /);
    expect((await fs.readFile(path.join(lib, 'library.db'))).equals(before)).toBe(true);
  });

  it('export-readable copies the readable rows and every intact file into a new library that opens', { timeout: 120_000 }, async () => {
    const to = path.join(dir, 'rescued');
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['--data-dir', lib, 'export-readable', '--to', to], { out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^assets\s+\d+ rows, 1 unreadable range\(s\) lost$/m);
    expect(text).toMatch(/^projects\s+1 rows$/m);

    const engine = await openEngine({ dataDir: to, queue: { autostart: false } });
    try {
      const originals = engine.db.prepare("SELECT count(*) FROM assets WHERE kind = 'original'").pluck().get() as number;
      // One page of rows is lost, the rest are there.
      expect(originals).toBeGreaterThan(0);
      expect(originals).toBeLessThan(IMAGES);
      expect(originals).toBeGreaterThan(IMAGES - IMAGES / (assetPages - 1) - 1);
      expect(engine.db.prepare('SELECT name FROM projects').pluck().all()).toEqual(['Raf']);
      // Every copied original has its file, with the right bytes.
      const rows = engine.db.prepare("SELECT sha256 FROM assets WHERE kind = 'original'").pluck().all() as string[];
      for (const sha of rows) await expect(fs.stat(engine.store.pathOf(sha))).resolves.toBeTruthy();
      expect(text).toMatch(new RegExp(`^files: \\d+ copied$`, 'm'));
      expect(Number(/files: (\d+) copied/.exec(text)![1])).toBeGreaterThanOrEqual(IMAGES);
    } finally {
      await engine.close();
    }
  });

  it('export-readable refuses a non-empty target and the damaged library itself', async () => {
    const err: string[] = [];
    expect(await runCli(['--data-dir', lib, 'export-readable', '--to', lib], { err: (l) => err.push(l) })).toBe(2);
    expect(await runCli(['--data-dir', lib, 'export-readable', '--to', path.join(dir, 'Raf')], { err: (l) => err.push(l) })).toBe(2);
    expect(err.join('\n')).toMatch(/another folder than the damaged library/);
    expect(err.join('\n')).toMatch(/is not empty/);
  });
});
