/**
 * bench:train — the trained head on the grocery-store set (81 products), same run, same features:
 *   before: the frozen features as they are (recall@1/@5 of the 296 val photos against
 *           the 2,640 train photos, cosine similarity);
 *   floor:  linear discriminant analysis fitted on the train labels (the reference the
 *           trained head must clearly beat);
 *   after:  the projection + ArcFace head, trained in a worker thread with the recipe the
 *           New training page offers as its best (MEASURED_BEST_RECIPE; `--reference` for the
 *           reference trainer's defaults instead), EMA weights evaluated;
 *   without approved photos: the same training on the iconic catalog image alone, then
 *           on it plus 9 cheap augmentations, evaluated on the same val → train task;
 *   backends: ms per training step with TF.js cpu, wasm, and wasm with the transpose shim.
 * Features: the backbone a run in the app trains on unless told (the offline embedder's
 * network on a 320 px input: nsfwjs MobileNetV2-1.4 blocks 12+15+final ⊕ central-half
 * √HSV 36×4×4); `--features default` for the 224 px default embedder, `--features interim`
 * for the recipe the issue's reference figures were measured with (whole-image √HSV
 * 18×4×4); cached in .bench/features/ after the first run.
 *
 *   node --import tsx bench/train.ts                  the bench (last line: JSON)
 *   node --import tsx bench/train.ts --search         recipes compared on a holdout of train (never val):
 *       --holdout cluster|block|interleaved           which photos are held out (dev/holdout.ts; cluster by default)
 *       --configs '[{…}, …]'                          the recipes (else an lr × epochs --grid)
 *   --config '{…}'                                    a partial recipe over the base recipe of every run
 *   --reference                                       the base recipe is the reference trainer's defaults (else MEASURED_BEST_RECIPE)
 *   --mirror-tta                                      test-time mirror averaging, for raw, LDA and head alike
 *   --epochs N --lr X                                 override the trained run's defaults
 *   --features 320|default|interim                    which embedder's features (default: 320, the app's training backbone)
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { MEASURED_BEST_RECIPE } from '../src-shared/contract/index.js';
import { packageRoot } from '../src-main/engine/package-root.js';
import { OFFLINE_EMBEDDER_320_ID, OFFLINE_EMBEDDER_ID } from '../src-main/features/embeddings/public.js';
import { parseTrainingConfig, type TrainingConfigInput } from '../src-main/features/training/config.js';
import { DOMAIN, rowCount, selectRows, type LabelledFeatures, type TrainingData } from '../src-main/features/training/dataset.js';
import { HOLDOUT_KINDS, trainHoldout, type HoldoutKind } from '../src-main/features/training/dev/holdout.js';
import { groceryTrainingData, groceryUnavailable, ICONIC_AUGMENTATIONS, type GroceryFeatures } from '../src-main/features/training/dev/grocery-features.js';
import { recallAtK } from '../src-main/features/training/evaluate.js';
import { HEAD_INPUT, HEAD_OUTPUT } from '../src-main/features/training/export-onnx.js';
import { arcFaceLoss, dropoutMask, embedForTraining, embedRows, initialHeadParams, PARAM } from '../src-main/features/training/head.js';
import { fitLda, ldaProject } from '../src-main/features/training/lda.js';
import { exportTrainedModel } from '../src-main/features/training/manifest.js';
import { Rng } from '../src-main/features/training/rng.js';
import { removeWasmMatMulTransposeShim, useTfBackend, type TfBackendName } from '../src-main/features/training/tf-backend.js';
import { trainInWorker } from '../src-main/features/training/train-in-worker.js';
import type { TrainingEvent, TrainingResult } from '../src-main/features/training/trainer.js';
import { withViewRows, type TrainingViewName } from '../src-main/features/training/views.js';
import { args, flag, log, pct, round } from './training-output.js';

const outDir = path.join(packageRoot, '.bench', 'train');
const features = (flag('--features') ?? '320') as GroceryFeatures;
if (features !== 'default' && features !== '320' && features !== 'interim') throw new Error('--features takes default, 320 or interim');
const PARENT_MODEL_ID = { default: OFFLINE_EMBEDDER_ID, '320': OFFLINE_EMBEDDER_320_ID, interim: 'interim-nsfwjs-mnv2-1.4+sqrt-hsv' }[features];

const missing = await groceryUnavailable();
if (missing) {
  console.error(`bench:train skipped: ${missing}`);
  process.exit(0);
}

function recall(gallery: { vectors: Float32Array; labels: Int32Array }, queries: { vectors: Float32Array; labels: Int32Array }, dim: number) {
  const r = recallAtK(gallery, queries, dim, [1, 5]);
  return { r1: r[1]!, r5: r[5]! };
}

async function loadData(opts: Parameters<typeof groceryTrainingData>[0] = {}) {
  let last = 0;
  return groceryTrainingData({
    features,
    ...opts,
    onProgress: (done, total) => {
      if (done - last >= 256 || done === total) {
        last = done;
        log(`  features: ${done}/${total} images embedded`);
      }
    },
  });
}

/** Trains in a worker thread, printing one line per epoch. */
async function train(label: string, data: TrainingData, config: TrainingConfigInput): Promise<TrainingResult & { seconds: number }> {
  const started = performance.now();
  const result = await trainInWorker(data, {
    config,
    onEvent: (e: TrainingEvent) => {
      if (e.type === 'epoch') {
        const r = e.record;
        log(`  ${label} epoch ${String(r.epoch + 1).padStart(2)}  lr ${r.lr.toExponential(2)}  loss ${r.loss.toFixed(3)}  recall@1 ${pct(r.recall['1'])}  @5 ${pct(r.recall['5'])}  synthetic→real@1 ${pct(r.syntheticToReal?.['1'])}  ${r.seconds.toFixed(1)} s`);
      } else if (e.type === 'plateau' || e.type === 'divergence') log(`  ${label} ${e.type} at epoch ${e.epoch + 1}`);
    },
  });
  if (result.status !== 'completed') throw new Error(`${label}: training ended ${result.status}: ${result.reason}`);
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

/** ms per optimiser step on one backend, same batches, same head. */
async function stepTiming(backend: TfBackendName, shim: boolean, data: TrainingData, steps: number): Promise<number> {
  await useTfBackend(backend);
  if (backend === 'wasm' && !shim) removeWasmMatMulTransposeShim();
  const config = parseTrainingConfig();
  const dim = data.train.dimension;
  const rng = new Rng(1);
  const params = new Map([...initialHeadParams({ inputDim: dim, projectionDim: 512, classes: data.classNames.length, batchNorm: false, hiddenDim: 0 }, rng)].map(([k, v]) => [k, tf.variable(tf.tensor(v.values, v.shape))]));
  const x = tf.tensor2d(data.train.features, [rowCount(data.train), dim]);
  const y = tf.tensor1d(data.train.labels, 'int32');
  const run = () =>
    tf.tidy(() => {
      const rows = tf.tensor1d(Int32Array.from({ length: config.batchSize }, () => rng.int(rowCount(data.train))), 'int32');
      const mask = tf.tensor2d(dropoutMask(config.batchSize, dim, 0.15, rng), [config.batchSize, dim]);
      const { value, grads } = tf.variableGrads(() => arcFaceLoss(embedForTraining(params, tf.gather(x, rows) as tf.Tensor2D, mask).embeddings, params.get(PARAM.classWeights) as tf.Tensor2D, tf.gather(y, rows) as tf.Tensor1D, config));
      value.dataSync();
      return Object.values(grads);
    });
  tf.dispose(run());
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) tf.dispose(run());
  const ms = (performance.now() - t0) / steps;
  tf.dispose([x, y, ...params.values()]);
  await useTfBackend('wasm');
  return ms;
}

/** The train rows plus the rows of the views a recipe asks for (of those loaded). */
function trainingRows(base: TrainingData, viewFeatures: readonly Float32Array[], views: readonly TrainingViewName[]): TrainingData {
  return withViewRows(
    base,
    views.map((v) => {
      const i = loadedViews.indexOf(v);
      if (i < 0) throw new Error(`view ${v} was not loaded (pass it in --config's data.views or --configs)`);
      return viewFeatures[i]!;
    }),
  );
}

/** The recipe every run starts from: the New training page's best recipe, or with `--reference` the schema's defaults (the reference trainer's). */
const baseRecipe: TrainingConfigInput = args.includes('--reference') ? {} : MEASURED_BEST_RECIPE;
const configFlag = mergeConfig(baseRecipe, JSON.parse(flag('--config') ?? '{}') as TrainingConfigInput);
const configsFlag = flag('--configs') ? (JSON.parse(flag('--configs')!) as TrainingConfigInput[]) : [];
/** Every view any recipe of this run asks for, loaded (and embedded when not cached) once. */
const loadedViews = [...new Set([configFlag, ...configsFlag.map((c) => mergeConfig(configFlag, c))].flatMap((c) => parseTrainingConfig(c).data.views))];
/** `--mirror-tta`: test-time mirror averaging of every image's features, for the raw features, the LDA and the head alike. */
const testTimeMirror = args.includes('--mirror-tta');

log(`bench:train — ${new Date().toISOString()} — ${process.platform}-${process.arch}, ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
await useTfBackend('wasm');
const { viewFeatures, ...data } = await loadData({ views: loadedViews, testTimeMirror });
const photoRows = [...data.train.domains.keys()].filter((i) => data.train.domains[i] === DOMAIN.real);
const photos = selectRows(data.train, photoRows);
log(`data: ${features} embedder's features; ${data.classNames.length} products; train ${rowCount(data.train)} rows (${rowCount(photos)} photos + ${rowCount(data.train) - rowCount(photos)} iconic), val ${rowCount(data.valid)}, ${data.train.dimension} dims`);
/** Every run is measured against the train photos alone, as bench:embed measures the embedder. */
const PHOTO_GALLERY = { evaluation: { galleryDomains: ['real' as const] } };

/** `--config '{…}'`: a partial recipe merged over the base recipe of every run (one level deep for the sections). */
function mergeConfig(base: TrainingConfigInput, extra: TrainingConfigInput): TrainingConfigInput {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' ? { ...(b as object), ...(v as object) } : v;
  }
  return out as TrainingConfigInput;
}

if (args.includes('--search')) {
  const kind = (flag('--holdout') ?? 'cluster') as HoldoutKind;
  if (!HOLDOUT_KINDS.includes(kind)) throw new Error(`--holdout takes ${HOLDOUT_KINDS.join(', ')}`);
  const { data: search, viewFeatures: searchViews } = trainHoldout(data, viewFeatures, kind);
  log(`search on a ${kind} holdout of train: ${rowCount(search.train)} training rows (the gallery: their photos), ${rowCount(search.valid)} held-out photos as queries`);
  const searchPhotos = selectRows(search.train, [...search.train.domains.keys()].filter((i) => search.train.domains[i] === DOMAIN.real));
  const ldaOn = (rows: LabelledFeatures) => {
    const model = fitLda(rows, search.classNames.length, 0.1);
    return recall({ vectors: ldaProject(model, searchPhotos.features), labels: searchPhotos.labels }, { vectors: ldaProject(model, search.valid.features), labels: search.valid.labels }, model.outputDim);
  };
  const rawHoldout = recall({ vectors: searchPhotos.features, labels: searchPhotos.labels }, { vectors: search.valid.features, labels: search.valid.labels }, search.train.dimension);
  log(`raw features on the holdout: recall@1 ${pct(rawHoldout.r1)}  @5 ${pct(rawHoldout.r5)}`);
  const ldaHoldout = ldaOn(search.train);
  log(`LDA (α 0.1) on the holdout: recall@1 ${pct(ldaHoldout.r1)}  @5 ${pct(ldaHoldout.r5)}`);
  const ldaViewsHoldout = loadedViews.length ? ldaOn(trainingRows(search, searchViews, loadedViews).train) : null;
  if (ldaViewsHoldout) log(`LDA (α 0.1) fitted with the views ${loadedViews.join(', ')}: recall@1 ${pct(ldaViewsHoldout.r1)}  @5 ${pct(ldaViewsHoldout.r5)}`);
  // --configs '[{…}, …]': recipes to compare (each over --config and the base recipe); else the lr × epochs --grid.
  const candidates: TrainingConfigInput[] = configsFlag.length
    ? configsFlag
    : (flag('--grid') ?? '3e-4:30,1e-3:30,3e-3:30,1e-2:30').split(',').map((s) => {
        const [lr, epochs] = s.split(':').map(Number) as [number, number];
        return { epochs, optimizer: { headLr: lr } };
      });
  const tried: { config: TrainingConfigInput; r1: number; r5: number; best_r1: number; best_epoch: number; seconds: number }[] = [];
  for (const candidate of candidates) {
    const label = JSON.stringify(candidate);
    const recipe = mergeConfig(mergeConfig(PHOTO_GALLERY, configFlag), candidate);
    const r = await train(label, trainingRows(search, searchViews, parseTrainingConfig(recipe).data.views), recipe);
    const last = r.history[r.history.length - 1]!;
    const best = r.history.reduce((x, y) => (y.recall['1']! > x.recall['1']! ? y : x));
    tried.push({ config: candidate, r1: last.recall['1']!, r5: last.recall['5']!, best_r1: best.recall['1']!, best_epoch: best.epoch + 1, seconds: round(r.seconds, 1) });
    log(`→ ${label}: holdout recall@1 ${pct(last.recall['1'])}, @5 ${pct(last.recall['5'])} (best ${pct(best.recall['1'])} at epoch ${best.epoch + 1}; ${r.seconds.toFixed(0)} s)`);
  }
  log(JSON.stringify({ bench: 'train-search', features, holdout: kind, holdout_queries: rowCount(search.valid), test_time_mirror: testTimeMirror, raw_recall_at_1: round(rawHoldout.r1), lda_recall_at_1: round(ldaHoldout.r1), ...(ldaViewsHoldout ? { lda_with_views_recall_at_1: round(ldaViewsHoldout.r1) } : {}), tried }));
  process.exit(0);
}

const config = parseTrainingConfig(mergeConfig(mergeConfig(PHOTO_GALLERY, configFlag), { ...(flag('--epochs') ? { epochs: Number(flag('--epochs')) } : {}), ...(flag('--lr') ? { optimizer: { headLr: Number(flag('--lr')) } } : {}) }));
const realGallery = { vectors: photos.features, labels: photos.labels };
const valQueries = { vectors: data.valid.features, labels: data.valid.labels };
const before = recall(realGallery, valQueries, data.train.dimension);
log(`\nbefore training (raw features): recall@1 ${pct(before.r1)}  @5 ${pct(before.r5)}`);

// LDA reference, fitted on the train rows (photos + iconic images) and their labels.
const lda: Record<string, { r1: number; r5: number; seconds: number }> = {};
for (const shrinkage of [0.01, 0.1, 0.3]) {
  const t0 = performance.now();
  const model = fitLda(data.train, data.classNames.length, shrinkage);
  const r = recall({ vectors: ldaProject(model, photos.features), labels: photos.labels }, { vectors: ldaProject(model, data.valid.features), labels: data.valid.labels }, model.outputDim);
  lda[String(shrinkage)] = { ...r, seconds: (performance.now() - t0) / 1000 };
  log(`LDA (shrinkage α = ${shrinkage}, ${model.outputDim} dims): recall@1 ${pct(r.r1)}  @5 ${pct(r.r5)}  (${lda[String(shrinkage)]!.seconds.toFixed(1)} s)`);
}
const ldaDefault = lda['0.1']!;
const trainRows = trainingRows(data, viewFeatures, config.data.views);
// The same LDA given the head's training rows (views included): is a win the views' or the head's?
let ldaWithViews: { r1: number; r5: number } | null = null;
if (config.data.views.length) {
  // At the recipe's shrinkage: the LDA the served embedding's LDA part is.
  const model = fitLda(trainRows.train, data.classNames.length, config.projection.ldaShrinkage);
  ldaWithViews = recall({ vectors: ldaProject(model, photos.features), labels: photos.labels }, { vectors: ldaProject(model, data.valid.features), labels: data.valid.labels }, model.outputDim);
  log(`LDA (α ${config.projection.ldaShrinkage}) fitted with the views ${config.data.views.join(', ')} (${rowCount(trainRows.train)} rows): recall@1 ${pct(ldaWithViews.r1)}  @5 ${pct(ldaWithViews.r5)}`);
}

// Backends: the same training step, timed.
const timingSteps = 8;
const msCpu = await stepTiming('cpu', false, data, 3);
const msWasmPlain = await stepTiming('wasm', false, data, timingSteps);
const msWasm = await stepTiming('wasm', true, data, timingSteps);
log(`\nms per training step (batch ${config.batchSize}, ${data.train.dimension}→512, ${data.classNames.length} classes): cpu ${msCpu.toFixed(0)}, wasm ${msWasmPlain.toFixed(0)}, wasm + transpose shim ${msWasm.toFixed(0)}  → ${(msCpu / msWasm).toFixed(1)}× cpu, ${(msWasmPlain / msWasm).toFixed(1)}× plain wasm`);

log(`\ntraining (worker thread, ${config.epochs} epochs, head lr ${config.optimizer.headLr}, ${rowCount(trainRows.train)} rows${config.data.views.length ? ` with the views ${config.data.views.join(', ')}` : ''}${config.projection.ldaMix ? `, LDA part weight ${config.projection.ldaMix}` : ''}):`);
const main = await train('main', trainRows, config);
const last = main.history[main.history.length - 1]!;
const best = main.history.reduce((a, b) => (b.recall['1']! > a.recall['1']! ? b : a));

// Export and check the ONNX head against TF.js on the val features.
const exported = exportTrainedModel({ result: main, config, data, parentModel: { id: PARENT_MODEL_ID }, datasetId: 'grocery-store/train+iconic' });
const session = await ort.InferenceSession.create(exported.onnx, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
const onnxOut = (await session.run({ [HEAD_INPUT]: new ort.Tensor('float32', data.valid.features, [rowCount(data.valid), data.train.dimension]) }))[HEAD_OUTPUT]!.data as Float32Array;
const tfOut = embedRows(main.head, data.valid.features);
let onnxDiff = 0;
for (let i = 0; i < tfOut.length; i++) onnxDiff = Math.max(onnxDiff, Math.abs(tfOut[i]! - onnxOut[i]!));
await fs.mkdir(outDir, { recursive: true });
await fs.writeFile(path.join(outDir, 'head.onnx'), exported.onnx);
await fs.writeFile(path.join(outDir, 'head.manifest.json'), JSON.stringify(exported.manifest, null, 2));
log(`export: ${exported.onnx.byteLength} bytes ONNX, max |ONNX − TF.js| on the val features ${onnxDiff.toExponential(2)}; written to ${path.relative(packageRoot, outDir)}/`);

// With an LDA part, the trained part alone: the served kernel's last projection.dim columns.
let headPartAlone: { r1: number; r5: number } | null = null;
if (config.projection.ldaMix > 0) {
  const { inputDim, projectionDim: width, kernel, bias } = main.head;
  const p = config.projection.dim;
  const part = { inputDim, projectionDim: p, kernel: Float32Array.from({ length: inputDim * p }, (_, i) => kernel[Math.floor(i / p) * width + (width - p) + (i % p)]!), bias: bias.slice(width - p) };
  headPartAlone = recall({ vectors: embedRows(part, photos.features), labels: photos.labels }, { vectors: embedRows(part, data.valid.features), labels: data.valid.labels }, p);
  log(`the trained part alone (without its LDA part): recall@1 ${pct(headPartAlone.r1)}  @5 ${pct(headPartAlone.r5)}`);
}

// The same recipe started from the LDA projection (projection.init 'lda'), shorter: it starts at the floor.
const ldaInitEpochs = Number(flag('--lda-init-epochs') ?? 12);
log(`\ntraining from the LDA projection (projection.init 'lda', ${ldaInitEpochs} epochs):`);
const fromLda = await train('lda-init', trainRows, mergeConfig(config, { epochs: ldaInitEpochs, projection: { init: 'lda', ldaMix: 0 } }));

// Without the approved (real) photos: iconic only, then iconic + augmentations.
log('\nwithout approved photos (same val → train-photos evaluation):');
const iconicOnly = await loadData({ trainDomains: ['synthetic'] });
// One row per product: its LDA part would have no within-class scatter to learn from, so the head alone.
const noReal = await train('iconic', iconicOnly, mergeConfig(config, { projection: { ldaMix: 0 } }));
const augmented = await loadData({ trainDomains: ['synthetic'], iconicAugmentations: Object.keys(ICONIC_AUGMENTATIONS) });
const noRealAug = await train('iconic+aug', augmented, config);
const lastOf = (r: TrainingResult) => r.history[r.history.length - 1]!;

log('\nsummary (val photos → train photos, 81 products):');
log(`  raw features                      recall@1 ${pct(before.r1)}  @5 ${pct(before.r5)}`);
log(`  LDA (α 0.1)                       recall@1 ${pct(ldaDefault.r1)}  @5 ${pct(ldaDefault.r5)}`);
if (ldaWithViews) log(`  LDA (α ${config.projection.ldaShrinkage}) fitted with the views  recall@1 ${pct(ldaWithViews.r1)}  @5 ${pct(ldaWithViews.r5)}`);
if (headPartAlone) log(`  trained part without its LDA part  recall@1 ${pct(headPartAlone.r1)}  @5 ${pct(headPartAlone.r5)}`);
log(`  head, iconic only                 recall@1 ${pct(lastOf(noReal).recall['1'])}  @5 ${pct(lastOf(noReal).recall['5'])}`);
log(`  head, iconic + ${Object.keys(ICONIC_AUGMENTATIONS).length} augmentations   recall@1 ${pct(lastOf(noRealAug).recall['1'])}  @5 ${pct(lastOf(noRealAug).recall['5'])}`);
log(`  head, photos + iconic (EMA)       recall@1 ${pct(last.recall['1'])}  @5 ${pct(last.recall['5'])}  (best epoch ${best.epoch + 1}: ${pct(best.recall['1'])})`);
log(`  head from LDA, ${String(ldaInitEpochs).padStart(2)} epochs          recall@1 ${pct(lastOf(fromLda).recall['1'])}  @5 ${pct(lastOf(fromLda).recall['5'])}  (epoch 1: ${pct(fromLda.history[0]!.recall['1'])})`);
log(`  gain over raw ${((last.recall['1']! - before.r1) * 100).toFixed(1)} points, over LDA ${((last.recall['1']! - ldaDefault.r1) * 100).toFixed(1)} points; approved photos add ${((last.recall['1']! - lastOf(noRealAug).recall['1']!) * 100).toFixed(1)} points over iconic + augmentations`);
log(`  ${main.seconds.toFixed(0)} s for ${config.epochs} epochs (${(main.seconds / config.epochs).toFixed(1)} s/epoch, evaluation included)`);

log(
  JSON.stringify({
    bench: 'train',
    features,
    recipe: args.includes('--reference') ? 'reference' : 'best',
    classes: data.classNames.length,
    epochs: config.epochs,
    seconds: round(main.seconds, 1),
    val_recall_at_1_before: round(before.r1),
    val_recall_at_1_after: round(last.recall['1']!),
    val_recall_at_5_before: round(before.r5),
    val_recall_at_5_after: round(last.recall['5']!),
    seconds_per_epoch: round(main.seconds / config.epochs, 2),
    head_lr: config.optimizer.headLr,
    views: config.data.views,
    lda_mix: config.projection.ldaMix,
    test_time_mirror: testTimeMirror,
    training_rows: rowCount(trainRows.train),
    lda_recall_at_1: round(ldaDefault.r1),
    // Without the approved photos: trained on the iconic image + its augmentations only.
    val_recall_at_1_without_real: round(lastOf(noRealAug).recall['1']!),
    val_recall_at_5_without_real: round(lastOf(noRealAug).recall['5']!),
    lda_init_epochs: ldaInitEpochs,
    lda_init_recall_at_1: round(lastOf(fromLda).recall['1']!),
    lda_init_recall_at_1_epoch_1: round(fromLda.history[0]!.recall['1']!),
    lda_recall_at_5: round(ldaDefault.r5),
    ...(ldaWithViews ? { lda_with_views_shrinkage: config.projection.ldaShrinkage, lda_with_views_recall_at_1: round(ldaWithViews.r1), lda_with_views_recall_at_5: round(ldaWithViews.r5) } : {}),
    ...(headPartAlone ? { head_part_alone_recall_at_1: round(headPartAlone.r1), head_part_alone_recall_at_5: round(headPartAlone.r5) } : {}),
    lda_by_shrinkage: Object.fromEntries(Object.entries(lda).map(([k, v]) => [k, round(v.r1)])),
    after_over_lda: round(last.recall['1']! / ldaDefault.r1, 3),
    synthetic_to_real_at_1_after: round(last.syntheticToReal?.['1'] ?? Number.NaN),
    iconic_only_recall_at_1: round(lastOf(noReal).recall['1']!),
    iconic_augmented_recall_at_1: round(lastOf(noRealAug).recall['1']!),
    onnx_max_abs_diff: onnxDiff,
    ms_per_step: { cpu: round(msCpu, 1), wasm: round(msWasmPlain, 1), wasm_shim: round(msWasm, 1) },
    wasm_shim_over_cpu: round(msCpu / msWasm, 2),
  }),
);
