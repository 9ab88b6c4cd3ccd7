/**
 * kill -9 during a fine-tuning run (the backbone's last layer unlocked): once while the
 * first boot computes the backbone maps (some kept on disk, the rest not yet), once after
 * an epoch's checkpoint. The queue resumes the run at each boot, from its last checkpoint,
 * with the maps kept so far read back; it ends with the very model an uninterrupted run
 * makes (the same head and backbone files, byte for byte), one model, each epoch
 * recorded once, and every map kept once.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrainingRun } from '../../../src-shared/contract/index.js';
import { openEngine } from '../../../src-main/features/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { openQueueDb } from '../../queue/helpers.js';
import { groceryMissing, sharedEmbedderCache } from '../embeddings/grocery-sample.js';
import { groceryDataset } from './grocery-dataset.js';
import { keptMapFiles } from './helpers.js';

if (groceryMissing) console.warn(`training kill test skipped: ${groceryMissing}`);

const child = fileURLToPath(new URL('./train-child.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const EPOCHS = 10;
/** The grocery dataset's 20 images (fine-tuning here uses no views). */
const MAPS = 20;
const config = {
  epochs: EPOCHS,
  batchSize: 8,
  projection: { dim: 32 },
  sampler: { hardNegativeProducts: 1, neighbourPool: 2 },
  schedule: { warmupEpochs: 1 },
  optimizer: { backboneLr: 1e-3 },
  backbone: { fineTune: true, layers: 1 },
};

interface RunRow {
  state: string;
  stage: string | null;
  epochs_completed: number;
  checkpoint_sha256: string | null;
}

function runRow(dataDir: string): RunRow | undefined {
  try {
    const db = openQueueDb(dataDir);
    try {
      return db.prepare('SELECT state, stage, epochs_completed, checkpoint_sha256 FROM training_runs LIMIT 1').get() as RunRow | undefined;
    } finally {
      db.close();
    }
  } catch {
    return undefined; // not created yet, or busy
  }
}

/** What one boot of the child engine did: the run it printed (null when killed), the epochs it trained, the most images it had to embed. */
interface Boot {
  run: TrainingRun | null;
  epochs: number[];
  embedded: number;
}

/** One boot of the child engine; `killWhen` (polled) ends it with SIGKILL. */
async function boot(dataDir: string, killWhen?: () => boolean): Promise<Boot> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dataDir, sharedEmbedderCache, JSON.stringify(config)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  let ended = false;
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => ((ended = true), resolve(signal))));
  if (killWhen) {
    while (!ended && !killWhen()) await sleep(15);
    if (!ended) proc.kill('SIGKILL');
  }
  const killed = (await exited) === 'SIGKILL';
  const lines = out.trim().split('\n');
  const embedded = Math.max(0, ...lines.filter((l) => l.startsWith('embedded ')).map((l) => Number(l.slice('embedded '.length))));
  if (killed) return { run: null, epochs: [], embedded };
  return { run: JSON.parse(lines.at(-1)!) as TrainingRun, epochs: JSON.parse(lines.at(-2)!.replace(/^epochs /, '')) as number[], embedded };
}

async function library(dir: string, name: string): Promise<string> {
  const dataDir = path.join(dir, name);
  const engine = await openEngine({ dataDir, workers: 1 });
  await groceryDataset(engine);
  await engine.close();
  return dataDir;
}

function modelFiles(dataDir: string) {
  const db = openQueueDb(dataDir);
  try {
    return db.prepare('SELECT onnx_sha256, backbone_sha256 FROM trained_models').all() as { onnx_sha256: string; backbone_sha256: string | null }[];
  } finally {
    db.close();
  }
}

describe.skipIf(groceryMissing)('a fine-tuning run survives kill -9', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('atolye-train-kill-')));
  afterEach(() => cleanup());

  it('resumes from its checkpoint after SIGKILLs and makes the model an uninterrupted run makes', { timeout: 300_000 }, async () => {
    const steady = await boot(await library(dir, 'steady'));
    expect(steady.run?.state, steady.run?.error ?? '').toBe('done');
    expect(steady.epochs).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
    // The 20 images' features, then their 20 maps.
    expect(steady.embedded).toBe(MAPS);

    const dataDir = await library(dir, 'killed');
    const keptMaps = () => keptMapFiles(dataDir);
    // While the maps are computed: the first batch is kept, the rest are not.
    expect((await boot(dataDir, () => keptMaps() > 0)).run).toBeNull();
    expect(keptMaps()).toBeLessThan(MAPS);
    expect(runRow(dataDir)!.epochs_completed).toBe(0);
    // Mid-run: an epoch's checkpoint is saved and the next epochs are under way.
    const second = await boot(dataDir, () => {
      const r = runRow(dataDir);
      return !!r && r.epochs_completed >= 3 && !!r.checkpoint_sha256;
    });
    expect(second.run).toBeNull();
    // It computed only the maps the first boot had not kept.
    expect(second.embedded).toBeGreaterThan(0);
    expect(second.embedded).toBeLessThan(MAPS);
    const afterSecond = runRow(dataDir)!;
    expect(afterSecond.state).toBe('running');
    expect(afterSecond.epochs_completed).toBeLessThan(EPOCHS);
    expect(keptMaps()).toBe(MAPS);
    const last = await boot(dataDir);
    // Every map was kept by then: the last boot embedded nothing.
    expect(last.embedded).toBe(0);
    expect(last.run?.state, last.run?.error ?? '').toBe('done');
    expect(last.run!.epochsCompleted).toBe(EPOCHS);
    // The last boot went on from the second boot's checkpoint (epoch 2 or later), not from epoch 1.
    expect(last.epochs[0]).toBeGreaterThanOrEqual(3);
    expect(last.epochs.at(-1)).toBe(EPOCHS);

    const db = openQueueDb(dataDir);
    try {
      expect(db.prepare('SELECT epoch FROM training_epochs ORDER BY epoch').pluck().all()).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
      // Resumed from the checkpoint: the run never started over.
      expect(db.prepare("SELECT COUNT(*) FROM training_events WHERE type = 'restarted'").pluck().get()).toBe(0);
      expect(db.prepare("SELECT MAX(interruptions) FROM jobs WHERE type = 'training.run'").pluck().get()).toBeGreaterThanOrEqual(2);
      expect(db.prepare("SELECT COUNT(*) FROM jobs WHERE type = 'training.run' AND state = 'completed'").pluck().get()).toBe(1);
    } finally {
      db.close();
    }
    // One model, and it is the uninterrupted run's, file for file.
    const killed = modelFiles(dataDir);
    expect(killed).toHaveLength(1);
    expect(killed[0]!.backbone_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(killed).toEqual(modelFiles(path.join(dir, 'steady')));
    for (const sha of [killed[0]!.onnx_sha256, killed[0]!.backbone_sha256!]) expect(fs.existsSync(path.join(dataDir, 'blobs', sha.slice(0, 2), sha))).toBe(true);
    expect(keptMaps()).toBe(MAPS);
  });
});
