/**
 * Ctrl+C and SIGTERM in real `atolye` processes: the first signal stops the command
 * cleanly (one line, exit 130/143, the lock released, a clean stop recorded, no job left
 * running), and the interrupted work resumes the next time the library opens.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src-main/features/index.js';
import { tempDir } from '../helpers/tmp.js';
import { atolye, expectCleanlyStopped, query, sleep, stderrLines, until, writeProducts } from './signal-helpers.js';

describe('Ctrl+C and SIGTERM stop CLI commands cleanly (real processes): remove-background', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('atolye-cli-signals-')));
  afterEach(() => cleanup());

  it('remove-background: SIGTERM while the model runs stops with exit 143, puts the job back, and a rerun finishes it', { timeout: 300_000 }, async () => {
    const folder = path.join(dir, 'shelf');
    await writeProducts(folder, 1);
    const dataDir = path.join(dir, 'data');
    const args = ['--data-dir', dataDir, 'remove-background', folder, '--project', 'Raf', '--out', path.join(dir, 'out')];
    const run = atolye(args);
    const running = () => query<{ n: number }>(dataDir, "SELECT count(*) AS n FROM jobs WHERE state = 'running' AND type LIKE 'remove-background%'")[0]?.n ?? 0;
    await until('a remove-background job running', () => running() > 0, run, 180_000);
    run.signal('SIGTERM');
    expect(await run.code).toBe(143);
    expect(stderrLines(run)).toEqual([expect.stringMatching(/^atolye remove-background: stopping \(SIGTERM\)/)]);
    expectCleanlyStopped(dataDir);
    // Stopped, not failed: nothing counts as a failure or a poison job.
    expect(query<{ n: number }>(dataDir, "SELECT count(*) AS n FROM jobs WHERE state = 'failed'")[0]?.n).toBe(0);

    // Each image once: the interrupted jobs finish on the next open of the library.
    const engine = await openEngine({ dataDir });
    try {
      const waitAll = async () => {
        for (;;) {
          const open = engine.db.prepare("SELECT count(*) FROM jobs WHERE state IN ('pending', 'running')").pluck().get() as number;
          if (open === 0) return;
          await sleep(200);
        }
      };
      await waitAll();
      const states = engine.db.prepare("SELECT state, count(*) AS n FROM jobs WHERE type LIKE 'remove-background%' GROUP BY state").all();
      expect(states).toEqual([{ state: 'completed', n: 1 }]);
    } finally {
      await engine.close();
    }
  });

});
