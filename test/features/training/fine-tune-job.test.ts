/**
 * Backbone fine-tuning end to end (config.backbone.fineTune): the run computes the maps
 * that feed the unlocked layers for its images (counted like an embedding stage, and kept
 * on disk so that the next run on them computes none), trains
 * the built-in's last layers with the head, stores the embedder with the trained layers
 * beside the head, and the app then serves exactly what was trained: a vector through the
 * stored backbone and head equals the trainer's own computation from the checkpoint's EMA
 * weights.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAINING_BACKBONE_ID, type TrainingRun } from '../../../src-shared/contract/index.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { embeddingsFeature, isFineTunableEmbedder, loadOfflineTailMapsInProcess, OFFLINE_EMBEDDER_ID, offlineTailMapBytes } from '../../../src-main/features/embeddings/public.js';
import { OFFLINE_EMBEDDER_320_SHA256 } from '../../../src-main/features/embeddings/offline-embedder.js';
import { decodeCheckpoint } from '../../../src-main/features/training/checkpoint.js';
import { parseTrainingConfig } from '../../../src-main/features/training/config.js';
import { trainingFeature } from '../../../src-main/features/training/public.js';
import { fineTuneMemoryBudget, fineTuneProblem } from '../../../src-main/features/training/service.js';
import type { TrainingItem } from '../../../src-main/features/training/training-items.js';
import { tailParam, tailRows } from '../../../src-main/features/training/tail.js';
import { trainInWorker } from '../../../src-main/features/training/train-in-worker.js';
import { useEngine } from '../../support/engine.js';
import { groceryMissing, sharedEmbedderCache } from '../embeddings/grocery-sample.js';
import { groceryDataset } from './grocery-dataset.js';
import { keptMapFiles } from './helpers.js';

if (groceryMissing) console.warn(`fine-tuning job test skipped: ${groceryMissing}`);

const config = {
  epochs: 2,
  batchSize: 8,
  projection: { dim: 32 },
  sampler: { hardNegativeProducts: 1, neighbourPool: 2 },
  schedule: { warmupEpochs: 1 },
  // Far above the reference 2e-5 so that two short epochs move the layer measurably.
  optimizer: { backboneLr: 1e-3 },
  // Both unlockable layers (block 16's projection below the final convolution), with layer-wise decay.
  backbone: { fineTune: true, layers: 2 },
};

async function settled(call: ReturnType<typeof createDispatcher>, runId: string): Promise<TrainingRun> {
  for (;;) {
    const run = (await call('training.get', { id: runId })) as TrainingRun;
    if (run.state === 'done' || run.state === 'failed' || run.state === 'cancelled') return run;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('built-in embedders that can be fine-tuned', () => {
  it('are the built-ins; a catalog or user embedder is not', () => {
    expect(isFineTunableEmbedder(OFFLINE_EMBEDDER_ID)).toBe(true);
    expect(isFineTunableEmbedder(DEFAULT_TRAINING_BACKBONE_ID)).toBe(true);
    expect(isFineTunableEmbedder('clip-vit-b32')).toBe(false);
  });

  it('a run is refused when the backbone cannot be fine-tuned, or its maps would not fit in memory', () => {
    const items: TrainingItem[] = Array.from({ length: 120 }, (_, i) => ({ id: `i${i}`, sha256: `s${i}`, productId: `p${i % 6}`, split: i < 100 ? 'train' : 'valid', domain: 'real' }));
    const tuned = parseTrainingConfig({ backbone: { fineTune: true }, data: { views: ['mirror'] } });
    expect(fineTuneProblem(parseTrainingConfig({}), 'clip-vit-b32', items)).toBeNull();
    expect(fineTuneProblem(tuned, 'clip-vit-b32', items)?.errorCode).toBe('fine_tune_unsupported');
    // 120 images + 100 mirrored train images, 10 × 10 × 448 floats each at 320 px: 39.4 MB.
    const need = 220 * offlineTailMapBytes(DEFAULT_TRAINING_BACKBONE_ID);
    expect(need).toBe(220 * 100 * 448 * 4);
    expect(fineTuneProblem(tuned, DEFAULT_TRAINING_BACKBONE_ID, items, need)).toBeNull();
    const refused = fineTuneProblem(tuned, DEFAULT_TRAINING_BACKBONE_ID, items, need - 1);
    expect(refused?.errorCode).toBe('fine_tune_too_large');
    expect(refused?.reason).toMatch(/220 need 0\.0 GB/);
    expect(fineTuneMemoryBudget()).toBeLessThanOrEqual(8 * 2 ** 30);
  });
});

describe('the training worker', () => {
  it('stops while it computes the backbone maps when the run is cancelled', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-maps-'));
    const file = path.join(dir, 'a.png');
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 80, b: 20 } } }).png().toFile(file);
    const controller = new AbortController();
    const seen: number[] = [];
    const total = 400;
    const data = { classNames: ['a', 'b'], train: { dimension: 4, features: new Float32Array(8).fill(0.5), labels: Int32Array.of(0, 1), domains: Uint8Array.of(0, 0) }, valid: { dimension: 4, features: new Float32Array(4).fill(0.5), labels: Int32Array.of(0), domains: Uint8Array.of(0) } };
    const tail = { embedderId: OFFLINE_EMBEDDER_ID, layers: 1, images: Array.from({ length: total }, () => ({ path: file, view: null })), index: { train: Int32Array.of(0, 1), valid: Int32Array.of(2) }, extra: [] };
    const run = trainInWorker(data, {
      config: { backbone: { fineTune: true }, epochs: 1 },
      tail,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type !== 'maps') return;
        seen.push(e.done);
        if (e.done > 0) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/stopped while computing the backbone maps/);
    expect(Math.max(...seen)).toBeLessThan(total);
    await fs.rm(dir, { recursive: true, force: true });
  }, 60_000);
});

describe.skipIf(groceryMissing)('a fine-tuning run', () => {
  // The maps cache's disk reserve lowered: the test must not depend on the runner's free space.
  const fx = useEngine({ settings: { embeddings: { modelCacheDir: sharedEmbedderCache }, training: { tailMapsMinFreeBytes: 0 } } });

  it('trains the last two layers, stores its backbone, and serves what it trained', async () => {
    const engine = fx.engine;
    const call = createDispatcher(engine);
    const datasetId = await groceryDataset(engine);
    type Estimate = { imagesToEmbed: number; secondsPerEpoch: number };
    const frozenEstimate = (await call('training.estimate', { datasetId, config: { ...config, backbone: { fineTune: false } } })) as Estimate;
    const tunedEstimate = (await call('training.estimate', { datasetId, config })) as Estimate;
    // The maps of all 20 images are to compute (none kept yet), and an epoch costs more.
    expect(tunedEstimate.imagesToEmbed - frozenEstimate.imagesToEmbed).toBe(20);
    expect(tunedEstimate.secondsPerEpoch).toBeGreaterThan(frozenEstimate.secondsPerEpoch);
    const seen: TrainingRun[] = [];
    const started = (await call('training.start', { datasetId, config })) as TrainingRun;
    const stop = engine.events.subscribe((e) => {
      if (e.type === 'training.progress' && (e.payload as TrainingRun).id === started.id) seen.push(e.payload as TrainingRun);
    });
    const run = await settled(call, started.id);
    stop();
    expect(run.state, run.error ?? '').toBe('done');
    expect(run.config.backbone.fineTune).toBe(true);
    // The maps stage is counted like embedding: 16 train and 4 valid images, each once.
    const counted = seen.filter((r) => r.stage === 'embedding' && r.embedding).map((r) => r.embedding!);
    expect(counted.at(-1)).toEqual({ done: 20, total: 20 });

    // The run kept its maps: another run on these images computes none of them again (nor the frozen features).
    const again = (await call('training.estimate', { datasetId, config })) as Estimate;
    expect(again.imagesToEmbed).toBe(0);
    expect(keptMapFiles(fx.dataDir)).toBe(20);

    const model = (await call('training.models', {})) as { id: string; fineTuned: boolean }[];
    expect(model[0]!.fineTuned).toBe(true);
    const { vectors } = engine.use(embeddingsFeature);
    const backboneSha = engine.db.prepare('SELECT backbone_sha256 FROM trained_models WHERE id = ?').pluck().get(model[0]!.id) as string | null;
    expect(backboneSha).toMatch(/^[0-9a-f]{64}$/);
    // The layer moved: the stored graph is not the built-in's.
    expect(backboneSha).not.toBe(OFFLINE_EMBEDDER_320_SHA256);

    // Served: the engine embeds an image through the stored backbone and the head.
    const sha256 = engine.db.prepare("SELECT sha256 FROM product_images WHERE type = 'real' ORDER BY sha256 LIMIT 1").pluck().get() as string;
    const bytes = await fs.readFile(engine.store.pathOf(sha256));
    const [served] = await engine.use(embeddingsFeature).embedFiles(model[0]!.id, [bytes]);
    expect(served && 'vector' in served, JSON.stringify(served)).toBe(true);
    const mine = (served as { vector: Float32Array }).vector;

    // Expected: the trainer's rows, made from the checkpoint's EMA layer, through the exported head.
    const files = await engine.use(trainingFeature).modelFiles(model[0]!.id);
    expect(files.entries.map((e) => e.name).sort()).toEqual(['backbone.onnx', 'config.json', 'manifest.json', 'metrics.json', 'model.onnx']);
    const manifest = JSON.parse(new TextDecoder().decode(files.entries.find((e) => e.name === 'manifest.json')!.data));
    expect(manifest.fineTunedBackbone).toMatchObject({ file: 'backbone.onnx', sha256: backboneSha, layers: ['MobilenetV2/expanded_conv_16/project', 'MobilenetV2/Conv_1'] });
    expect(createHash('sha256').update(files.entries.find((e) => e.name === 'backbone.onnx')!.data).digest('hex')).toBe(backboneSha);
    const checkpoint = decodeCheckpoint(await fs.readFile(engine.store.pathOf(engine.db.prepare('SELECT checkpoint_sha256 FROM training_runs WHERE id = ?').pluck().get(run.id) as string)));
    // In the order they are applied: block 16's projection (depth 1 from the top), then the final convolution.
    const weights = [1, 0].map((d) => ({ kernel: checkpoint.ema.get(tailParam(d).kernel)!, bias: checkpoint.ema.get(tailParam(d).bias)! }));
    const loaded = await loadOfflineTailMapsInProcess(DEFAULT_TRAINING_BACKBONE_ID, { layers: 2 });
    const [map] = await loaded.maps([bytes]);
    loaded.dispose();
    const cached = vectors.get(DEFAULT_TRAINING_BACKBONE_ID, sha256)!;
    const tail = { ...loaded.tail, init: loaded.tail.layers, maps: [map!], index: { train: Int32Array.of(0), valid: new Int32Array(0) } };
    const rows = tailRows(tail, weights, cached, cached.length, Int32Array.of(0));
    const head = await ort.InferenceSession.create(files.entries.find((e) => e.name === 'model.onnx')!.data);
    const run1 = async (v: Float32Array) => (await head.run({ features: new ort.Tensor('float32', v, [1, v.length]) })).embedding!.data as Float32Array;
    const expected = await run1(rows);
    expect(mine.length).toBe(32);
    for (let k = 0; k < 32; k++) expect(mine[k]!).toBeCloseTo(expected[k]!, 4);
    // And it is not the head on the frozen backbone's vector: the trained layer is in use.
    const frozen = await run1(cached);
    expect(Math.max(...frozen.map((x, k) => Math.abs(x - mine[k]!)))).toBeGreaterThan(1e-3);

    // Deleting the model lets both of its files go, and the vectors made with it.
    const vectorsOf = (id: string) => engine.db.prepare('SELECT COUNT(*) FROM embedding_vectors WHERE model_id = ?').pluck().get(id) as number;
    // Extraction caches the model's vectors and its backbone's.
    const cachedVectors = await engine.use(embeddingsFeature).embedItems(model[0]!.id, [{ id: sha256, sha256 }], new AbortController().signal);
    expect(cachedVectors.vectors.get(sha256)).toEqual(mine);
    expect(vectorsOf(`${model[0]!.id}#backbone`)).toBe(1);
    expect(vectorsOf(model[0]!.id)).toBe(1);
    expect(await call('training.deleteModel', { id: model[0]!.id })).toEqual({ deleted: true });
    expect(engine.db.prepare('SELECT COUNT(*) FROM trained_models').pluck().get()).toBe(0);
    expect(vectorsOf(`${model[0]!.id}#backbone`)).toBe(0);
    expect(vectorsOf(model[0]!.id)).toBe(0);
    // Released to the collector (it removes the file once its grace period is over).
    expect(engine.db.prepare('SELECT COUNT(*) FROM blob_gc WHERE sha256 = ?').pluck().get(backboneSha)).toBe(1);
  }, 240_000);
});
