/**
 * `atolye train` and `atolye models list|activate` through the CLI runner (the same as
 * bin/atolye.js) on a library with a small real-photo dataset: a line per epoch, the
 * JSON of the finished run last, the model listed and made active; a dataset that cannot
 * be trained on is refused in one line without a stack.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAINING_BACKBONE_ID, type TrainingRun } from '../../../src-shared/contract/index.js';
import { runCli } from '../../../src-main/cli/main.js';
import { OFFLINE_EMBEDDERS } from '../../../src-main/features/embeddings/offline-embedder.js';
import { openEngine } from '../../../src-main/features/index.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { tempDir } from '../../helpers/tmp.js';
import { groceryMissing, sharedEmbedderCache } from '../embeddings/grocery-sample.js';
import { groceryDataset } from './grocery-dataset.js';

if (groceryMissing) console.warn(`atolye train test skipped: ${groceryMissing}`);

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, stderr: err.join('\n') };
}

describe.skipIf(groceryMissing)('atolye train and atolye models', () => {
  it('trains from the command line, lists the model and makes it active; refuses an empty dataset in one line', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const lib = path.join(dir, 'data');
      const engine = await openEngine({ dataDir: lib, workers: 1, settings: { embeddings: { modelCacheDir: sharedEmbedderCache } } });
      await groceryDataset(engine);
      engine.use(datasetsFeature).store.create({ name: 'Nothing yet' });
      await engine.close();
      // The CLI's engine builds the built-in embedders in the library: give it those the tests share.
      for (const v of OFFLINE_EMBEDDERS) {
        const cached = path.join(sharedEmbedderCache, `${v.id}-${v.sha256}.onnx`);
        if (await fs.stat(cached).catch(() => null)) {
          await fs.mkdir(path.join(lib, 'models', 'embedders'), { recursive: true });
          await fs.copyFile(cached, path.join(lib, 'models', 'embedders', path.basename(cached)));
        }
      }

      const refused = await cli(['--data-dir', lib, 'train', 'Nothing yet']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^atolye train: cannot train on Nothing yet: the dataset has no product with an image$/);

      const trained = await cli(['--data-dir', lib, 'train', 'Grocery five', '--epochs', '2', '--json']);
      expect(trained.stderr).toBe('');
      expect(trained.code).toBe(0);
      expect(trained.out[0]).toMatch(new RegExp(`^training on Grocery five: 4 products \\(12 real, 4 synthetic images\\), valid 1 products, on ${DEFAULT_TRAINING_BACKBONE_ID}; about \\d+ s`));
      expect(trained.out.filter((l) => /^epoch \d\/2 {2}loss /.test(l))).toHaveLength(2);
      const run = JSON.parse(trained.out.at(-1)!) as TrainingRun;
      expect(run).toMatchObject({ state: 'done', epochsCompleted: 2 });
      expect(trained.out).toContain(`model ${run.modelId} (atolye models activate ${run.modelId} makes it the default embedder)`);

      const listed = await cli(['--data-dir', lib, 'models', 'list']);
      expect(listed.code).toBe(0);
      expect(listed.out.find((l) => l.startsWith('* '))).toMatch(/^\* atolye-mobilenet-v2-hsv /);
      expect(listed.out.find((l) => l.includes(run.modelId!))).toMatch(/Grocery five v1 {2}512-d {2}trained {2}4 products, valid recall@1/);

      const activated = await cli(['--data-dir', lib, 'models', 'activate', run.modelId!]);
      expect(activated.out[0]).toBe(`active embedder: ${run.modelId}`);
      expect((await cli(['--data-dir', lib, 'models', 'list'])).out.find((l) => l.startsWith('* '))).toContain(run.modelId!);
      const unknown = await cli(['--data-dir', lib, 'models', 'activate', 'no-such-model']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe('atolye models: no trained model or embedder no-such-model');

      // --best: the measured recipe, its warm-up kept under a short run's epochs. A trained
      // model is active now, and a run without --backbone still trains on the default one.
      // --fine-tune with it: the backbone's last layer trains too, on the maps of the images and their views.
      const best = await cli(['--data-dir', lib, 'train', 'Grocery five', '--best', '--fine-tune', '--epochs', '1', '--json']);
      expect(best.stderr).toBe('');
      expect(best.code).toBe(0);
      expect(JSON.parse(best.out.at(-1)!) as TrainingRun).toMatchObject({
        state: 'done',
        backboneId: DEFAULT_TRAINING_BACKBONE_ID,
        config: { epochs: 1, schedule: { warmupEpochs: 0 }, data: { views: ['mirror', 'brighter', 'darker'] }, projection: { ldaMix: 0.85, ldaShrinkage: 0.3 }, backbone: { fineTune: true } },
      });
      const tuned = (JSON.parse(best.out.at(-1)!) as TrainingRun).modelId!;
      const models = JSON.parse((await cli(['--data-dir', lib, 'models', 'list', '--json'])).out.at(-1)!) as { id: string; trained: { fineTuned: boolean } | null }[];
      expect(models.find((m) => m.id === tuned)?.trained?.fineTuned).toBe(true);
      expect(models.find((m) => m.id === run.modelId)?.trained?.fineTuned).toBe(false);
      expect((await cli(['--data-dir', lib, 'models', 'list'])).out.find((l) => l.includes(tuned))).toMatch(/backbone fine-tuned$/);
    } finally {
      await cleanup();
    }
  }, 300_000);

  it('takes decimal numbers only, and a bad number is a usage error (exit 2)', async () => {
    for (const bad of [['--epochs', '0x2'], ['--epochs', 'abc'], ['--seed', ' '], ['--epochs', '1e1'], ['--epochs', '0']]) {
      const r = await cli(['train', 'any-dataset', ...bad]);
      expect(r.code, bad.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/takes a whole number/);
    }
    for (const bad of ['3', '0', 'two']) {
      const r = await cli(['train', 'any-dataset', '--fine-tune-layers', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/--fine-tune-layers takes/);
    }
  });
});
