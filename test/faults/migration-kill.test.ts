/**
 * kill -9 while a new library is being created (its migrations running, each in its own
 * transaction): the next open finds a sound database and finishes the schema, every time.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src-main/features/index.js';
import { libraryFeature } from '../../src-main/features/library/index.js';
import { tempDir } from '../helpers/tmp.js';

const child = fileURLToPath(new URL('./fixtures/open-library.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kill -9 during migrations', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir('atolye-migration-kill-')));
  afterAll(() => cleanup());

  it('leaves a library that opens with its whole schema, whatever moment the kill lands (4 rounds)', { timeout: 120_000 }, async () => {
    let landedMidway = 0;
    for (let round = 0; round < 4; round++) {
      const dataDir = path.join(dir, `lib-${round}`);
      const proc = spawn(process.execPath, ['--import', 'tsx', child, dataDir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      proc.stdout.on('data', (d) => (out += d));
      const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
      // Killed as soon as the database file exists (+ a little more each round): inside the migrations.
      const file = path.join(dataDir, 'library.db');
      const deadline = Date.now() + 60_000;
      while (!existsSync(file) && Date.now() < deadline) await sleep(2);
      await sleep(round * 15);
      proc.kill('SIGKILL');
      await exited;
      if (!out.includes('open')) landedMidway++;

      const engine = await openEngine({ dataDir, queue: { autostart: false }, workers: 1 });
      try {
        expect(engine.db.pragma('quick_check', { simple: true })).toBe('ok');
        for (const table of ['projects', 'assets', 'jobs', 'imports', 'boots']) {
          expect(engine.db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(table), table).toBe(1);
        }
        expect(engine.use(libraryFeature).listProjects()).toEqual([]);
      } finally {
        await engine.close();
      }
    }
    // The kills did land before the library finished opening (else this tested nothing).
    expect(landedMidway).toBeGreaterThan(0);
  });
});
