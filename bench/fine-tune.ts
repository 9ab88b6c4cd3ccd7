/**
 * bench:fine-tune — what backbone fine-tuning (config.backbone.fineTune) costs and gains on
 * the grocery-store set (81 products), same features, same recipe, same run:
 *   frozen:     the head alone on the 320 px built-in's cached features (the peer);
 *   fine-tuned: the same recipe with the built-in's last --layers layers trained too (1:
 *               the final 1×1 convolution; 2: block 16's projection too, layer-wise
 *               decay 0.8), at each --lrs backbone learning rate (the reference
 *               trainer's 2e-5 first), the maps computed by the training worker as in the app.
 * The recipe is MEASURED_BEST_RECIPE without its views (each view is one more map of
 * every train image in memory: ~180 KB each at 320 px), evaluated as bench:train does:
 * the 296 val photos against the 2,640 train photos. Last line: JSON, with each
 * fine-tuned run's seconds per epoch over the frozen run's and its recall gain in points.
 *
 *   node --import tsx bench/fine-tune.ts [--epochs N] [--lrs 2e-5,3e-4] [--layers 1|2]
 *   node --import tsx bench/fine-tune.ts --maps-cache [--layers 1|2]
 *       the maps of the 3,017 images computed (the peer), then kept in a TailMapCache and
 *       read back as a rerun reads them (the page cache dropped first where allowed):
 *       seconds each way (last line: JSON).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MEASURED_BEST_RECIPE } from '../src-shared/contract/index.js';
import { packageRoot } from '../src-main/engine/package-root.js';
import { loadOfflineTailMapsInProcess, OFFLINE_EMBEDDER_320_ID, TailMapCache } from '../src-main/features/embeddings/public.js';
import type { TrainingConfigInput } from '../src-main/features/training/config.js';
import { rowCount } from '../src-main/features/training/dataset.js';
import { groceryDir, groceryTrainingData, groceryUnavailable, listGrocery } from '../src-main/features/training/dev/grocery-features.js';
import { trainInWorker } from '../src-main/features/training/train-in-worker.js';
import type { TailRequest } from '../src-main/features/training/training-protocol.js';
import type { TrainingEvent } from '../src-main/features/training/trainer.js';
import { args, flag, log, pct, round } from './training-output.js';


const missing = await groceryUnavailable();
if (missing) {
  console.error(`bench:fine-tune skipped: ${missing}`);
  process.exit(0);
}

const epochs = Number(flag('--epochs') ?? MEASURED_BEST_RECIPE.epochs);
const lrs = (flag('--lrs') ?? '2e-5,3e-4').split(',').map(Number);
const layers = Number(flag('--layers') ?? 1);
const recipe: TrainingConfigInput = {
  ...MEASURED_BEST_RECIPE,
  epochs,
  schedule: { warmupEpochs: Math.min(MEASURED_BEST_RECIPE.schedule?.warmupEpochs ?? 2, epochs - 1) },
  data: { views: [] },
  evaluation: { galleryDomains: ['real'] },
};

log(`bench:fine-tune — ${new Date().toISOString()} — ${process.platform}-${process.arch}, ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const { viewFeatures: _views, ...data } = await groceryTrainingData({ features: '320' });
// The rows' images, in the rows' order (groceryTrainingData keeps the listing's order per role).
const listing = await listGrocery();
const trainPaths = listing.images.filter((im) => im.split === 'train').map((im) => path.join(groceryDir, im.path));
const validPaths = listing.images.filter((im) => im.split === 'valid').map((im) => path.join(groceryDir, im.path));
if (trainPaths.length !== rowCount(data.train) || validPaths.length !== rowCount(data.valid)) throw new Error('the listing and the features disagree on the rows');
log(`data: 320 px built-in's features; ${data.classNames.length} products; train ${rowCount(data.train)} rows, val ${rowCount(data.valid)}; ${epochs} epochs of MEASURED_BEST_RECIPE without views`);

if (args.includes('--maps-cache')) {
  const paths = [...trainPaths, ...validPaths];
  const shas = await Promise.all(paths.map(async (p) => createHash('sha256').update(await fs.readFile(p)).digest('hex')));
  const loaded = await loadOfflineTailMapsInProcess(OFFLINE_EMBEDDER_320_ID, { layers, batchSize: 8 });
  let t = performance.now();
  const maps = await loaded.maps(paths);
  loaded.dispose();
  const computeSeconds = (performance.now() - t) / 1000;
  log(`maps of ${paths.length} images computed in ${computeSeconds.toFixed(1)} s`);
  // Under .bench/, on the checkout's disk (a tmpfs /tmp would make every read a memory copy).
  await fs.mkdir(path.join(packageRoot, '.bench'), { recursive: true });
  const root = await fs.mkdtemp(path.join(packageRoot, '.bench', 'tail-maps-'));
  const cache = new TailMapCache(root, OFFLINE_EMBEDDER_320_ID, layers);
  t = performance.now();
  let kept = 0;
  for (const [i, m] of maps.entries()) if (await cache.put(shas[i]!, null, m)) kept++;
  const writeSeconds = (performance.now() - t) / 1000;
  if (kept !== maps.length) throw new Error(`only ${kept} of ${maps.length} maps were kept (less than 2 GB of disk left?): no read-back figure`);
  // A rerun another day reads from the disk, not the page cache: drop it where allowed (root on Linux).
  // (Flushed first: dirty pages are not dropped.)
  spawnSync('sync');
  const cold = await fs
    .writeFile('/proc/sys/vm/drop_caches', '3')
    .then(() => true)
    .catch(() => false);
  t = performance.now();
  let same = 0;
  for (const [i, m] of maps.entries()) {
    const back = await cache.get(shas[i]!, null);
    if (back && Buffer.from(back.buffer).equals(Buffer.from(m.buffer, m.byteOffset, m.byteLength))) same++;
  }
  const readSeconds = (performance.now() - t) / 1000;
  await fs.rm(root, { recursive: true, force: true });
  log(`kept ${kept} in ${writeSeconds.toFixed(1)} s; read back ${same} identical in ${readSeconds.toFixed(1)} s${cold ? ' (page cache dropped first)' : ''} (${((maps.length * cache.mapBytes) / 2 ** 20).toFixed(0)} MiB)`);
  log(JSON.stringify({ bench: 'fine-tune-maps', layers, images: paths.length, bytes: maps.length * cache.mapBytes, compute_seconds: round(computeSeconds, 1), write_seconds: round(writeSeconds, 1), read_seconds: round(readSeconds, 1), read_cold: cold, identical: same, compute_over_read: round(computeSeconds / readSeconds, 1) }));
  process.exit(0);
}

interface Measured {
  label: string;
  seconds: number;
  mapsSeconds: number;
  secondsPerEpoch: number;
  r1: number;
  r5: number;
  best: number;
}

async function run(label: string, config: TrainingConfigInput, tail?: TailRequest): Promise<Measured> {
  const started = performance.now();
  let mapsDone = started;
  let lastMaps = 0;
  const result = await trainInWorker(data, {
    config,
    tail,
    onEvent: (e: TrainingEvent) => {
      if (e.type === 'maps') {
        if (e.done - lastMaps >= 512 || e.done === e.total) {
          lastMaps = e.done;
          log(`  ${label} maps ${e.done}/${e.total}`);
        }
        if (e.done === e.total) mapsDone = performance.now();
      } else if (e.type === 'epoch') {
        const r = e.record;
        log(`  ${label} epoch ${String(r.epoch + 1).padStart(2)}  loss ${r.loss.toFixed(3)}  recall@1 ${pct(r.recall['1'])}  @5 ${pct(r.recall['5'])}  ${r.seconds.toFixed(1)} s`);
      }
    },
  });
  if (result.status !== 'completed') throw new Error(`${label}: ${result.status} ${result.reason ?? ''}`);
  const seconds = (performance.now() - started) / 1000;
  const last = result.history.at(-1)!;
  const epochSeconds = result.history.reduce((s, h) => s + h.seconds, 0);
  return { label, seconds, mapsSeconds: (mapsDone - started) / 1000, secondsPerEpoch: epochSeconds / result.history.length, r1: last.recall['1']!, r5: last.recall['5']!, best: Math.max(...result.history.map((h) => h.recall['1']!)) };
}

const tail: TailRequest = {
  embedderId: OFFLINE_EMBEDDER_320_ID,
  layers,
  images: [...trainPaths, ...validPaths].map((p) => ({ path: p, view: null })),
  index: { train: Int32Array.from(trainPaths, (_, i) => i), valid: Int32Array.from(validPaths, (_, i) => trainPaths.length + i) },
  extra: [],
};

log('\nfrozen backbone (the head alone):');
const frozen = await run('frozen', recipe);
const tuned: Measured[] = [];
for (const lr of lrs) {
  log(`\nfine-tuned last ${layers} layer(s), backbone lr ${lr}:`);
  tuned.push(await run(`lr ${lr}`, { ...recipe, optimizer: { backboneLr: lr }, backbone: { fineTune: true, layers } }, tail));
}

log('\nsummary (val photos → train photos, recall@1 / @5 at the last epoch, EMA weights):');
for (const m of [frozen, ...tuned]) log(`  ${m.label.padEnd(12)} ${pct(m.r1)} / ${pct(m.r5)}  (best epoch ${pct(m.best)})  ${m.secondsPerEpoch.toFixed(1)} s/epoch${m.mapsSeconds ? `, maps ${m.mapsSeconds.toFixed(0)} s` : ''}`);
log(
  JSON.stringify({
    bench: 'fine-tune',
    features: '320',
    classes: data.classNames.length,
    epochs,
    layers,
    train_rows: rowCount(data.train),
    frozen: { val_recall_at_1: round(frozen.r1), val_recall_at_5: round(frozen.r5), seconds_per_epoch: round(frozen.secondsPerEpoch, 2), seconds: round(frozen.seconds, 1) },
    fine_tuned: tuned.map((m, i) => ({
      backbone_lr: lrs[i],
      val_recall_at_1: round(m.r1),
      val_recall_at_5: round(m.r5),
      best_epoch_recall_at_1: round(m.best),
      seconds_per_epoch: round(m.secondsPerEpoch, 2),
      maps_seconds: round(m.mapsSeconds, 1),
      seconds: round(m.seconds, 1),
      epoch_time_over_frozen: round(m.secondsPerEpoch / frozen.secondsPerEpoch, 2),
      gain_points: round(100 * (m.r1 - frozen.r1), 1),
    })),
  }),
);
