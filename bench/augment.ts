/**
 * bench:augment — outputs per second of the augmentation pipelines on this machine,
 * through the engine's worker pool at its natural size, next to a floor measured in the
 * same run on the same inputs:
 *   synthetic: cut-outs of the grocery-store catalog images (a near-white threshold, not
 *              the segmenter: see test/features/augmentation/fixtures.ts) → synthesize()
 *              on the bundled backgrounds;
 *   real:      grocery photos, half clean, half letterboxed with a box standing in for the
 *              segmenter's cut-out → realVariant();
 *   floor:     decode the same input and encode a JPEG of the same size at quality 95
 *              (sharp, same pool size, one image at a time per worker), nothing else.
 * The three take turns in chunks so load from other work on a shared machine falls on all
 * alike. Prints a summary, then one JSON line (the last line).
 *
 *   node --import tsx bench/augment.ts [--quick]
 */
import os from 'node:os';
import { isMainThread } from 'node:worker_threads';
import sharp from 'sharp';
import { serveWorker } from '../src-main/engine/workers/serve-worker.js';
import { WorkerPool } from '../src-main/engine/workers/pool.js';

interface FloorRequest {
  bytes: Uint8Array;
  /** Output size; null keeps the decoded size (clean real photos are not resized). */
  size: number | null;
}

if (!isMainThread) {
  // This file is also the floor's worker: decode, (resize,) encode, as the augment worker's sharp settings.
  sharp.concurrency(1);
  sharp.cache(false);
  serveWorker<FloorRequest, number>(async (req) => {
    const { data, info } = await sharp(req.bytes).rotate().toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let img = sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } });
    if (req.size) img = img.resize(req.size, req.size, { fit: 'fill', kernel: 'lanczos3' });
    return (await img.jpeg({ quality: 95, mozjpeg: false, chromaSubsampling: '4:2:0' }).toBuffer()).length;
  });
} else {
  await main();
}

async function main(): Promise<void> {
  const fs = await import('node:fs/promises');
  const { createAugmentPool } = await import('../src-main/features/augmentation/augment-pool.js');
  const { bundledBackgroundsDir, listBackgrounds } = await import('../src-main/features/augmentation/backgrounds.js');
  const fixtures = await import('../test/features/augmentation/fixtures.js');

  const quick = process.argv.includes('--quick');
  const INPUTS = quick ? 8 : 40;
  const VARIANTS = quick ? 1 : 3;
  const CHUNK = 8;

  const missing = fixtures.datasetMissing();
  if (missing) {
    console.error(`bench:augment needs the grocery-store photos: ${missing}`);
    process.exit(2);
  }

  // Inputs, made before any clock starts.
  const icons = fixtures.iconicImages();
  const cutouts = await Promise.all(Array.from({ length: INPUTS }, (_, i) => fixtures.cutoutFromWhite(icons[Math.floor((i * icons.length) / INPUTS)]!)));
  const photos: { photo: Uint8Array; cutout?: Uint8Array; size: number | null }[] = [];
  for (const [i, file] of fixtures.pickPhotos('val', INPUTS).entries()) {
    if (i % 2 === 0) {
      photos.push({ photo: await fs.readFile(file), size: null });
    } else {
      const lb = await fixtures.letterboxed(file);
      const { x, y, width, height } = lb.inner;
      const box = { x: x + Math.round(width * 0.15), y: y + Math.round(height * 0.15), width: Math.round(width * 0.7), height: Math.round(height * 0.7) };
      photos.push({ photo: lb.jpeg, cutout: await fixtures.boxCutout(lb.jpeg, box), size: 384 });
    }
  }
  const backgrounds = await listBackgrounds([{ name: 'bundled', dir: bundledBackgroundsDir() }]);

  const pool = createAugmentPool();
  const floorPool = new WorkerPool<FloorRequest, number>(new URL(import.meta.url), { name: 'augment-floor' });
  const ok = <T extends { ok: boolean }>(r: T) => {
    if (!r.ok) throw new Error(`augment failed: ${JSON.stringify(r)}`);
    return r;
  };
  const synthetic = (i: number, index: number) => pool.run({ kind: 'synthesize', cutout: { bytes: cutouts[i]! }, options: { seed: 1, index, backgrounds } }).then(ok);
  const real = (i: number, index: number) => {
    const p = photos[i]!;
    return pool.run({ kind: 'real', photo: { bytes: p.photo }, ...(p.cutout ? { cutout: { bytes: p.cutout } } : {}), options: { seed: 1, index } }).then(ok);
  };
  const floorOf = (req: FloorRequest) => floorPool.run(req);

  // Warm-up off the clock: every worker of both pools started, OpenCV compiled in each.
  const warm = Math.max(pool.size, floorPool.size);
  await Promise.all(Array.from({ length: warm }, (_, i) => Promise.all([synthetic(i % INPUTS, 1000 + i), real(i % INPUTS, 1000 + i), floorOf({ bytes: cutouts[0]!, size: 384 })])));

  // Wall time, and CPU time of the whole process (every thread): on a shared machine the
  // second says what the work costs whatever else is running.
  const cpu = { syn: 0, real: 0, floor: 0 };
  const time = async (phase: keyof typeof cpu, work: () => Promise<unknown>[]) => {
    const c = process.cpuUsage();
    const t = performance.now();
    await Promise.all(work());
    const d = process.cpuUsage(c);
    cpu[phase] += (d.user + d.system) / 1000;
    return (performance.now() - t) / 1000;
  };
  let [tSyn, tReal, tFloor, nSyn, nReal, nFloor] = [0, 0, 0, 0, 0, 0];
  for (let v = 0; v < VARIANTS; v++) {
    for (let start = 0; start < INPUTS; start += CHUNK) {
      const ids = Array.from({ length: Math.min(CHUNK, INPUTS - start) }, (_, k) => start + k);
      // Rotate who goes first in each chunk.
      const runs = [
        async () => {
          tSyn += await time('syn', () => ids.map((i) => synthetic(i, v)));
          nSyn += ids.length;
        },
        async () => {
          tReal += await time('real', () => ids.map((i) => real(i, v)));
          nReal += ids.length;
        },
        async () => {
          tFloor += await time('floor', () => ids.flatMap((i) => [floorOf({ bytes: cutouts[i]!, size: 384 }), floorOf({ bytes: photos[i]!.photo, size: photos[i]!.size })]));
          nFloor += 2 * ids.length;
        },
      ];
      const first = (start / CHUNK + v) % 3;
      for (let k = 0; k < 3; k++) await runs[(first + k) % 3]!();
    }
  }
  await pool.close();
  await floorPool.close();

  const outputs = nSyn + nReal;
  const result = {
    bench: 'augment',
    outputs,
    outputs_per_s: round(outputs / (tSyn + tReal)),
    floor_outputs_per_s: round(nFloor / tFloor),
    synthetic_per_s: round(nSyn / tSyn),
    real_per_s: round(nReal / tReal),
    ratio_to_floor: round(outputs / (tSyn + tReal) / (nFloor / tFloor), 3),
    cpu_ms_per_output: { synthetic: round(cpu.syn / nSyn, 1), real: round(cpu.real / nReal, 1), floor: round(cpu.floor / nFloor, 1) },
    load_average_1m: round(os.loadavg()[0]!, 1),
    pool_size: pool.size,
    cpus: os.availableParallelism(),
    inputs: { synthetic: INPUTS, real: INPUTS, variants_each: VARIANTS },
  };
  console.log(`augmentation on ${os.cpus()[0]?.model ?? 'unknown CPU'} (${result.cpus} cores), worker pool of ${pool.size}`);
  console.log(`  synthetic  ${nSyn} outputs in ${tSyn.toFixed(2)} s: ${result.synthetic_per_s} /s (384×384 JPEG q95, on the bundled backgrounds)`);
  console.log(`  real       ${nReal} outputs in ${tReal.toFixed(2)} s: ${result.real_per_s} /s (half clean at their own size, half letterboxed → 384)`);
  console.log(`  both       ${result.outputs_per_s} /s`);
  console.log(`  floor      ${nFloor} decode + encode in ${tFloor.toFixed(2)} s: ${result.floor_outputs_per_s} /s (same inputs, same output sizes)`);
  console.log(`  augmentation runs at ${(result.ratio_to_floor * 100).toFixed(1)} % of the decode + encode floor`);
  const c = result.cpu_ms_per_output;
  console.log(`  CPU per output (all threads): synthetic ${c.synthetic} ms, real ${c.real} ms, floor ${c.floor} ms; load average ${result.load_average_1m}`);
  console.log(JSON.stringify(result));
}

function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
