/**
 * Ctrl+C and SIGTERM in real `atolye` processes: the first signal stops the command
 * cleanly (one line, exit 130/143, the lock released, a clean stop recorded, no job left
 * running), and the interrupted work resumes the next time the library opens.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFeature } from '../../src-main/features/import/index.js';
import { openEngine } from '../../src-main/features/index.js';
import { tempDir } from '../helpers/tmp.js';
import { atolye, expectCleanlyStopped, query, stderrLines, until, writePhotos } from './signal-helpers.js';

describe('Ctrl+C and SIGTERM stop CLI commands cleanly (real processes)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('atolye-cli-signals-')));
  afterEach(() => cleanup());

  it('import: the first Ctrl+C stops with one line and exit 130; the import resumes and completes next time', { timeout: 180_000 }, async () => {
    const folder = path.join(dir, 'Katalog');
    await writePhotos(folder, 30);
    const dataDir = path.join(dir, 'data');
    const run = atolye(['--data-dir', dataDir, 'import', folder, '--project', 'Katalog']);
    const processed = () => query<{ processed: number }>(dataDir, 'SELECT processed FROM imports')[0]?.processed ?? 0;
    await until('a few files imported', () => processed() >= 3, run);
    run.signal('SIGINT');
    expect(await run.code).toBe(130);
    expect(stderrLines(run)).toEqual([expect.stringMatching(/^atolye import: stopping \(SIGINT\)/)]);
    const [stoppedAt] = query<{ id: string; state: string; processed: number; total: number }>(dataDir, 'SELECT id, state, processed, total FROM imports');
    expect(stoppedAt!.processed).toBeLessThan(30);
    expectCleanlyStopped(dataDir);

    // The next engine on this library finishes the same import, each file once.
    const engine = await openEngine({ dataDir });
    try {
      const imports = engine.use(importFeature);
      const done = await imports.wait(stoppedAt!.id);
      expect(done).toMatchObject({ state: 'done', total: 30, imported: 30, duplicates: 0, skipped: 0 });
      expect(engine.db.prepare("SELECT count(*) FROM assets WHERE kind = 'original'").pluck().get()).toBe(30);
    } finally {
      await engine.close();
    }
  });

  it('a second Ctrl+C stops at once, and still leaves the library unlocked with no job running', { timeout: 180_000 }, async () => {
    const folder = path.join(dir, 'Katalog');
    await writePhotos(folder, 30);
    const dataDir = path.join(dir, 'data');
    const run = atolye(['--data-dir', dataDir, 'import', folder]);
    const processed = () => query<{ processed: number }>(dataDir, 'SELECT processed FROM imports')[0]?.processed ?? 0;
    await until('a few files imported', () => processed() >= 2, run);
    run.signal('SIGINT');
    await until('the stopping line', () => /stopping \(SIGINT\)/.test(run.stderr()), run, 10_000);
    run.signal('SIGINT');
    expect(await run.code).toBe(130);
    expect(stderrLines(run)).toEqual([expect.stringMatching(/stopping \(SIGINT\)/), expect.stringMatching(/stopping at once \(SIGINT\)/)]);
    expectCleanlyStopped(dataDir);
  });
  it('serve: Ctrl+C closes the server and the library with one line and exit 130', { timeout: 90_000 }, async () => {
    const dataDir = path.join(dir, 'data');
    const run = atolye(['--data-dir', dataDir, 'serve', '--no-ui']);
    await until('the address', () => /http:\/\/127\.0\.0\.1:\d+\/\?token=/.test(run.stdout() + run.stderr()), run);
    run.signal('SIGINT');
    expect(await run.code).toBe(130);
    expect(stderrLines(run).filter((l) => /stopping/.test(l))).toEqual([expect.stringMatching(/^atolye serve: stopping \(SIGINT\)/)]);
    expect(run.stderr()).not.toMatch(/\n\s+at /);
    expectCleanlyStopped(dataDir);
  });
});
