/**
 * bench:import — import throughput of the real engine (hash, decode, EXIF-rotate,
 * thumbnail, store, SQLite rows) over 500 grocery photos, next to the floor measured in
 * the same run: sharp alone decoding and thumbnailing the same files in a tight loop,
 * with as many files in flight as the machine has cores.
 *
 * Both sides are timed warm: the floor after a 20-file warm-up of sharp, the engine after
 * its ingest workers have started (ImageIngestPool.warm, what an import does when it
 * starts). The workers' start is timed too and reported on its own, with the ratio it
 * would give if every import paid it (`ratio_with_worker_start`): from sources each worker
 * loads tsx and sharp (~0.65 s of CPU), which the built app does not pay in full.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openEngine } from '../src-main/features/index.js';
import { groceryTrainImages, machine } from './dataset.js';
import { api } from '../test/support/engine.js';

const COUNT = 500;
const ROUNDS = Number(process.env.ROUNDS ?? 2);

async function floor(files: string[]): Promise<number> {
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      await sharp(file).rotate().resize(320, 320, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 78, effort: 2 }).toBuffer();
    }
  };
  await Promise.all(Array.from({ length: os.availableParallelism() }, lane));
  return files.length / ((performance.now() - started) / 1000);
}

async function ours(folder: string, dataDir: string): Promise<{ rate: number; workerStartS: number }> {
  await fs.rm(dataDir, { recursive: true, force: true });
  const engine = await openEngine({ dataDir, workers: process.env.WORKERS ? Number(process.env.WORKERS) : undefined });
  const booting = performance.now();
  await engine.images.warm();
  const workerStartS = (performance.now() - booting) / 1000;
  const started = performance.now();
  const progress = await api(engine).imports.start({ paths: [folder] });
  const done = await api(engine).imports.wait(progress.importId);
  const seconds = (performance.now() - started) / 1000;
  await engine.close();
  if (done.imported !== COUNT) throw new Error(`imported ${done.imported} of ${COUNT}: ${JSON.stringify(done)}`);
  return { rate: COUNT / seconds, workerStartS };
}

const files = await groceryTrainImages(COUNT);
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-bench-import-'));
const folder = path.join(work, 'grocery-500');
await fs.mkdir(folder);
await Promise.all(files.map((f, i) => fs.copyFile(f, path.join(folder, `${String(i).padStart(3, '0')}-${path.basename(f)}`))));
const copied = (await fs.readdir(folder)).map((f) => path.join(folder, f));
await floor(copied.slice(0, 20)); // warm the page cache and libvips

let best = { ours: 0, floor: 0, workerStartS: Infinity };
/** Each round's ours/floor, measured back to back: steadier than the best of each side when other work shares the cores. */
const roundRatios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const f = await floor(copied);
  const o = await ours(folder, path.join(work, 'data'));
  console.log(
    `round ${round + 1}: ours ${o.rate.toFixed(1)} images/s (workers started in ${o.workerStartS.toFixed(2)} s before), floor ${f.toFixed(1)} images/s, ratio ${(o.rate / f).toFixed(3)}`,
  );
  roundRatios.push(+(o.rate / f).toFixed(3));
  best = { ours: Math.max(best.ours, o.rate), floor: Math.max(best.floor, f), workerStartS: Math.min(best.workerStartS, o.workerStartS) };
}
/** The best round's rate had it paid the workers' start inside its time. */
const withStart = COUNT / (COUNT / best.ours + best.workerStartS);
await fs.rm(work, { recursive: true, force: true });
console.log(`machine: ${machine()}; best of ${ROUNDS} rounds each`);
console.log(
  JSON.stringify({
    bench: 'import',
    images: COUNT,
    images_per_s: +best.ours.toFixed(1),
    floor_images_per_s: +best.floor.toFixed(1),
    ratio: +(best.ours / best.floor).toFixed(3),
    worker_start_s: +best.workerStartS.toFixed(2),
    ratio_with_worker_start: +(withStart / best.floor).toFixed(3),
    round_ratios: roundRatios,
  }),
);
