/**
 * The training feature end to end, through the contract (inputs and answers validated):
 * real grocery photos and catalog images, the real offline embedder, the training.run job
 * with its trainer in a worker thread. A run trains, records its epochs, makes a model
 * that extraction then uses once it is active (its vectors are the exported ONNX head's,
 * checked with onnxruntime); a cancelled run resumes from its checkpoint; a run survives
 * the app closing mid-run; empty datasets and unusable splits are refused with a code.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAINING_BACKBONE_ID, type TrainingRun } from '../../../src-shared/contract/index.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import type { Engine } from '../../../src-main/engine/engine.js';
import { datasetsFeature } from '../../../src-main/features/datasets/public.js';
import { unzipTo } from '../../../src-main/features/datasets/zip-reader.js';
import { embeddingsFeature } from '../../../src-main/features/embeddings/public.js';
import { trainingFeature } from '../../../src-main/features/training/public.js';
import { useEngine } from '../../support/engine.js';
import { groceryMissing, sharedEmbedderCache } from '../embeddings/grocery-sample.js';
import { groceryDataset } from './grocery-dataset.js';

if (groceryMissing) console.warn(`training job test skipped: ${groceryMissing}`);

/** A small, fast recipe: the mechanics, not the accuracy, are under test here. */
const config = (epochs: number) => ({
  epochs,
  batchSize: 8,
  projection: { dim: 32 },
  sampler: { hardNegativeProducts: 1, neighbourPool: 2 },
  schedule: { warmupEpochs: 1 },
});

const checkpointSha = (engine: Engine, runId: string) => engine.db.prepare('SELECT checkpoint_sha256 FROM training_runs WHERE id = ?').pluck().get(runId) as string | null;

function runEvents(engine: Engine, runId: string, onRun: (run: TrainingRun) => void): () => void {
  return engine.events.subscribe((e) => {
    if (e.type === 'training.progress' && (e.payload as TrainingRun).id === runId) onRun(e.payload as TrainingRun);
  });
}

async function settled(engine: Engine, runId: string): Promise<TrainingRun> {
  const call = createDispatcher(engine);
  for (;;) {
    const run = (await call('training.get', { id: runId })) as TrainingRun;
    if (run.state === 'done' || run.state === 'failed' || run.state === 'cancelled') return run;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The ZIP's files by name, read back with the datasets feature's (bomb-checking) reader. */
async function zipEntries(file: string): Promise<Map<string, Buffer>> {
  const dest = `${file}.d`;
  await unzipTo(file, dest);
  const out = new Map<string, Buffer>();
  for (const name of await fs.readdir(dest)) out.set(name, await fs.readFile(path.join(dest, name)));
  return out;
}

describe.skipIf(groceryMissing)('training runs', () => {
  const fx = useEngine({ settings: { embeddings: { modelCacheDir: sharedEmbedderCache } } });

  it('refuses an empty dataset and a split it cannot measure, with a code', async () => {
    const engine = fx.engine;
    const call = createDispatcher(engine);
    const empty = engine.use(datasetsFeature).store.create({ name: 'Empty' });
    await expect(call('training.start', { datasetId: empty.id })).rejects.toMatchObject({ code: 'invalid_input', errorCode: 'dataset_empty' });
    const estimate = (await call('training.estimate', { datasetId: empty.id })) as { ok: boolean; errorCode: string };
    expect(estimate).toMatchObject({ ok: false, errorCode: 'dataset_empty' });
    // The valid product has photos but nothing to be recognised by.
    const noReference = await groceryDataset(engine, { validWithReference: false });
    await expect(call('training.start', { datasetId: noReference })).rejects.toMatchObject({ errorCode: 'split_invalid' });
    await expect(call('training.start', { datasetId: '01936d1a-0000-7000-8000-000000000000' })).rejects.toMatchObject({ code: 'not_found', errorCode: 'dataset_not_found' });
    expect(await call('training.list', {})).toEqual([]);
  }, 60_000);

  it('trains, records each epoch, and its model becomes the active embedder that extraction uses', async () => {
    const engine = fx.engine;
    const call = createDispatcher(engine);
    const datasetId = await groceryDataset(engine);
    const estimate = (await call('training.estimate', { datasetId, config: config(2) })) as { ok: boolean; counts: { products: { train: number; valid: number }; images: { train: { real: number; synthetic: number } } }; imagesToEmbed: number };
    expect(estimate).toMatchObject({ ok: true, counts: { products: { train: 4, valid: 1 }, images: { train: { real: 12, synthetic: 4 } } }, imagesToEmbed: 20 });

    const seen: TrainingRun[] = [];
    const started = (await call('training.start', { datasetId, config: config(2) })) as TrainingRun;
    const stop = runEvents(engine, started.id, (r) => seen.push(r));
    const run = await settled(engine, started.id);
    stop();
    expect(run.state, run.error ?? '').toBe('done');
    expect(run.history.map((e) => e.epoch)).toEqual([1, 2]);
    expect(run.baseline).not.toBeNull();
    for (const e of run.history) expect(e.recall.at1).toBeGreaterThanOrEqual(0);
    expect(seen.some((r) => r.stage === 'embedding')).toBe(true);
    // While it embeds, the run counts the images and has an ETA (before any epoch): the last count is all 20.
    const embedding = seen.filter((r) => r.stage === 'embedding' && r.embedding);
    expect(embedding.at(-1)?.embedding).toEqual({ done: 20, total: 20 });
    for (const r of embedding) expect(r.etaSeconds).toBeGreaterThan(0);
    expect(seen.filter((r) => r.stage === 'training').every((r) => r.embedding === null)).toBe(true);
    expect(seen.some((r) => r.stage === 'training' && r.history.length === 1)).toBe(true);
    // Features are cached per image and model: a second estimate has nothing to embed.
    expect(((await call('training.estimate', { datasetId })) as { imagesToEmbed: number; basis: string }).imagesToEmbed).toBe(0);

    const models = (await call('training.models', {})) as { id: string; dimension: number; classes: number; active: boolean; runId: string }[];
    expect(models).toHaveLength(1);
    const model = models[0]!;
    expect(model).toMatchObject({ id: run.modelId, dimension: 32, classes: 4, active: false, runId: run.id });
    const embedders = (await call('embeddings.models', {})) as { id: string; source: string; active: boolean }[];
    expect(embedders.find((e) => e.id === model.id)).toMatchObject({ source: 'trained', active: false });
    expect(embedders.find((e) => e.active)?.id).toBe('atolye-mobilenet-v2-hsv');

    // Set as active: extraction without a model uses it.
    const activated = (await call('training.activate', { id: model.id })) as { activeEmbedderId: string };
    expect(activated.activeEmbedderId).toBe(model.id);
    const extract = (await call('embeddings.extract', { scope: { kind: 'dataset', datasetId } })) as { index: { id: string; modelId: string; dimension: number }; jobId: string };
    expect(extract.index).toMatchObject({ modelId: model.id, dimension: 32 });
    expect((await engine.queue.waitFor(extract.jobId)).state).toBe('completed');

    // Its vectors are the exported head's on the parent's vectors: run the saved ONNX with onnxruntime.
    const zipPath = path.join(fx.dir, 'model.zip');
    const saved = (await call('training.saveModel', { id: model.id, destPath: zipPath })) as { bytes: number };
    expect(saved.bytes).toBeGreaterThan(1000);
    const files = await zipEntries(zipPath);
    expect([...files.keys()].sort()).toEqual(['config.json', 'manifest.json', 'metrics.json', 'model.onnx']);
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    expect(manifest).toMatchObject({ kind: 'head', dimension: 32, parentModel: { id: DEFAULT_TRAINING_BACKBONE_ID }, dataset: { id: datasetId } });
    const session = await ort.InferenceSession.create(files.get('model.onnx')!);
    const { vectors } = engine.use(embeddingsFeature);
    const sha256 = engine.db.prepare("SELECT sha256 FROM product_images WHERE type = 'real' LIMIT 1").pluck().get() as string;
    const parent = vectors.get(DEFAULT_TRAINING_BACKBONE_ID, sha256)!;
    const mine = vectors.get(model.id, sha256)!;
    const out = await session.run({ features: new ort.Tensor('float32', parent, [1, parent.length]) });
    const theirs = out.embedding!.data as Float32Array;
    expect(mine.length).toBe(32);
    for (let k = 0; k < 32; k++) expect(mine[k]!).toBeCloseTo(theirs[k]!, 4);

    // Deleting the active model hands the default back.
    expect(await call('training.deleteModel', { id: model.id })).toEqual({ deleted: true });
    expect(((await call('embeddings.models', {})) as { id: string; active: boolean }[]).find((e) => e.active)?.id).toBe('atolye-mobilenet-v2-hsv');
  }, 120_000);

  it('a runaway loss stops the run with the NaN guard: failed with its code, the event, an emergency checkpoint kept but not offered for resume', async () => {
    const engine = fx.engine;
    const call = createDispatcher(engine);
    const datasetId = await groceryDataset(engine);
    const started = (await call('training.start', { datasetId, config: { ...config(2), guards: { maxLoss: 0.001 } } })) as TrainingRun;
    const run = await settled(engine, started.id);
    // The emergency checkpoint is kept (its weights are the ones before the bad step), but the
    // run is not offered for resume: the same recipe would take the same step again.
    expect(run).toMatchObject({ state: 'failed', errorCode: 'nan_guard', resumable: false, modelId: null });
    expect(checkpointSha(engine, run.id)).not.toBeNull();
    await expect(call('training.resume', { id: run.id })).rejects.toMatchObject({ code: 'conflict' });
    expect(run.error).toMatch(/emergency checkpoint/);
    expect(run.events.map((e) => e.type)).toContain('nan_guard');
    expect(((await call('queue.get', { id: run.jobId! })) as { state: string; errorCode: string | null })).toMatchObject({ state: 'failed', errorCode: 'nan_guard' });
    expect(await call('training.models', {})).toEqual([]);
  }, 60_000);

  it('trains on extra views of the train images (data.views), rendered and embedded once, cached per image and view', async () => {
    const engine = fx.engine;
    const call = createDispatcher(engine);
    const datasetId = await groceryDataset(engine);
    type Estimate = { imagesToEmbed: number; secondsPerEpoch: number };
    const withMirror = { ...config(2), data: { views: ['mirror'] } };
    const plain = (await call('training.estimate', { datasetId, config: config(2) })) as Estimate;
    const viewed = (await call('training.estimate', { datasetId, config: withMirror })) as Estimate;
    // The estimate counts the view: one more embedding of each of the 16 train images, twice the rows per epoch.
    expect(viewed.imagesToEmbed - plain.imagesToEmbed).toBe(16);
    expect(viewed.secondsPerEpoch).toBeCloseTo(2 * plain.secondsPerEpoch, 9);
    const first = (await call('training.start', { datasetId, config: withMirror })) as TrainingRun;
    const run = await settled(engine, first.id);
    expect(run.state, run.error ?? '').toBe('done');
    expect(((await call('training.estimate', { datasetId, config: withMirror })) as Estimate).imagesToEmbed).toBe(0);
    const { vectors } = engine.use(embeddingsFeature);
    const trainShas = engine.db
      .prepare("SELECT i.sha256 FROM product_images i JOIN dataset_products m ON m.product_id = i.product_id WHERE m.dataset_id = ? AND m.split = 'train' AND i.deleted = 0")
      .pluck()
      .all(datasetId) as string[];
    expect(trainShas).toHaveLength(16);
    for (const sha of trainShas) {
      const mirrored = vectors.get(`${DEFAULT_TRAINING_BACKBONE_ID}#mirror`, sha);
      const own = vectors.get(DEFAULT_TRAINING_BACKBONE_ID, sha)!;
      expect(mirrored?.length).toBe(own.length);
      // A mirror image is another picture: its vector differs from the image's own.
      expect(mirrored!.some((x, k) => Math.abs(x - own[k]!) > 1e-3)).toBe(true);
    }
    const manifest = (await engine.use(trainingFeature).modelFiles(run.modelId!)).entries.find((e) => e.name === 'manifest.json')!;
    expect(JSON.parse(new TextDecoder().decode(manifest.data)).dataset.trainRows).toBe(32);
  }, 90_000);

  it('a cancelled run resumes from its checkpoint, and a run the app closed on continues when it opens again', async () => {
    let engine = fx.engine;
    let call = createDispatcher(engine);
    const datasetId = await groceryDataset(engine);
    const started = (await call('training.start', { datasetId, config: config(5) })) as TrainingRun;
    // Cancel once the first epoch is recorded.
    await new Promise<void>((resolve) => {
      const stop = runEvents(engine, started.id, (r) => {
        if (r.history.length >= 1) {
          stop();
          resolve();
        }
      });
    });
    await call('training.cancel', { id: started.id });
    // Cancelled at once; the job stops at its next step and saves its checkpoint.
    await expect(call('training.resume', { id: started.id })).rejects.toMatchObject({ code: 'conflict' });
    await engine.queue.waitFor(started.jobId!);
    const cancelled = await settled(engine, started.id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.resumable).toBe(true);
    const firstEpoch = cancelled.history[0]!;
    expect(cancelled.epochsCompleted).toBeGreaterThanOrEqual(1);
    expect(cancelled.epochsCompleted).toBeLessThan(5);

    // Resume, then close the engine mid-run (as the app quitting would), and open it again.
    await call('training.resume', { id: started.id });
    await new Promise<void>((resolve) => {
      const stop = runEvents(engine, started.id, (r) => {
        if (r.state === 'running' && r.stage === 'training') {
          stop();
          resolve();
        }
      });
    });
    engine = await fx.reopen();
    call = createDispatcher(engine);
    const done = await settled(engine, started.id);
    expect(done.state, done.error ?? '').toBe('done');
    expect(done.history.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    // Epoch 1 was not trained again: its record is the one from before the cancel.
    expect(done.history[0]).toEqual(firstEpoch);
    expect(((await call('training.models', {})) as unknown[]).length).toBe(1);
    expect(await fs.stat(path.join(fx.dataDir))).toBeTruthy();
  }, 150_000);
});
