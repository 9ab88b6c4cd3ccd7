import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AugmentRun } from '../../../src-shared/contract/index.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { openEngine } from '../../../src-main/features/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { openQueueDb } from '../../queue/helpers.js';
import { makeProducts } from './catalog-fixture.js';

const child = fileURLToPath(new URL('./augment-child.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('an augmentation run survives a crash', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('atolye-augment-kill-')));
  afterEach(() => cleanup());

  it('resumes after SIGKILLs mid-run and records every output exactly once', { timeout: 180_000 }, async () => {
    const dataDir = path.join(dir, 'data');
    const engine = await openEngine({ dataDir, workers: 1 });
    const made = await makeProducts(engine, 4, { frames: 2, reals: 1 });
    engine.use(datasetsFeature).store.create({ name: 'Four', from: { ids: made.map((m) => m.id) } });
    await engine.close();

    // Products whose job committed; and outputs stored as blobs but maybe not recorded yet.
    const committed = () => {
      try {
        const db = openQueueDb(dataDir);
        try {
          return (db.prepare("SELECT COUNT(*) FROM augmentation_run_products WHERE state = 'done'").pluck().get() as number | undefined) ?? 0;
        } finally {
          db.close();
        }
      } catch {
        return 0;
      }
    };
    let kills = 0;
    let last = '';
    for (const killAt of [1, 2, -1]) {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, dataDir, '6', '2'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      proc.stdout.on('data', (d) => (out += d));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
      if (killAt >= 0) {
        let ended = false;
        void exited.then(() => (ended = true));
        while (!ended && committed() < killAt) await sleep(20);
        // Into the next product's work: its outputs are being made, none recorded.
        await sleep(700);
        if (!ended) proc.kill('SIGKILL');
        if ((await exited) === 'SIGKILL') kills++;
      } else {
        await exited;
        last = out.trim().split('\n').at(-1)!;
      }
    }
    expect(kills).toBe(2);
    const run = JSON.parse(last) as AugmentRun;
    expect(run.state).toBe('completed');
    expect(run.progress).toEqual({ done: 4, total: 4 });
    expect(run.totals.synthetic).toMatchObject({ final: 24, failed: 0 });
    expect(run.totals.real).toMatchObject({ final: 8, failed: 0 });

    const db = openQueueDb(dataDir);
    const rows = db.prepare("SELECT product_id, meta FROM product_images WHERE type = 'augmented' AND deleted = 0").all() as { product_id: string; meta: string }[];
    expect(rows).toHaveLength(4 * 8);
    const keys = rows.map((r) => {
      const a = (JSON.parse(r.meta) as { augmentation: { kind: string; sourceImageId: string; index: number } }).augmentation;
      return `${r.product_id}:${a.kind}:${a.sourceImageId}:${a.index}`;
    });
    expect(new Set(keys).size).toBe(keys.length);
    for (const m of made) expect(rows.filter((r) => r.product_id === m.id)).toHaveLength(8);
    // The killed boots left jobs that a later boot redid: interruptions, not poison.
    expect(db.prepare("SELECT COUNT(*) FROM jobs WHERE type = 'augmentation.product' AND interruptions > 0").pluck().get()).toBeGreaterThan(0);
    expect(db.prepare("SELECT COUNT(*) FROM jobs WHERE type = 'augmentation.product' AND state = 'completed'").pluck().get()).toBe(4);
    db.close();
  });
});
