/**
 * refine-crops: what mask refinement and colour decontamination do, to look at and to time.
 *
 * 1. Side-by-side images for the docs (docs/images/refine-*.png): grocery photos cut out
 *    with the model's raw mask (as the app does today: its alpha over the photo's own
 *    colour) and with makeCutout (refined alpha, decontaminated colour), on white and on
 *    #1e1e1e, and a 4× zoom (nearest neighbour) of the edge where decontamination changed
 *    the most.
 * 2. Speed on a 12 MP photo (and a 1 MP one): refineMask, decontaminate and scoreMask,
 *    in ms per megapixel (wall clock, and CPU time of the process, which other work on a
 *    shared machine sways less), beside the floor measured in the same run: encoding that
 *    cut-out as PNG with sharp (compression 6, as render does), which every cut-out
 *    pays anyway. The 12 MP input is a real photo enlarged, with its model mask taken
 *    down to 2048 px (what prepareInput sends the model) and enlarged back, as render
 *    enlarges it. One thread, as in the image worker (sharp.concurrency(1)).
 * 3. PNG size of the cut-outs of the photos labelled ok, raw colour vs decontaminated.
 *
 *   node --import tsx bench/refine-crops.ts [--runs 3]
 * Prints a summary, then one JSON line (the last line).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp, { type OverlayOptions } from 'sharp';
import { scoreMask } from '../src-main/features/remove-background/mask-quality.js';
import { decontaminate, makeCutout, refineMask } from '../src-main/features/remove-background/refine.js';
import { qualityLabels } from '../test/features/remove-background/calibrate-quality.js';
import { cachedMask, datasetMissing, ensureMasks, loadPhoto } from '../test/features/remove-background/real-masks.js';

sharp.concurrency(1);
sharp.cache(false);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const docsDir = path.join(root, 'docs/images');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const DARK = [0x1e, 0x1e, 0x1e] as const;
const WHITE = [255, 255, 255] as const;

const missing = datasetMissing();
if (missing) {
  console.error(`bench refine-crops needs the grocery-store photos: ${missing}`);
  process.exit(2);
}

const SHOWCASE = [
  { name: 'apple', rel: 'train/Fruit/Apple/Golden-Delicious/Golden-Delicious_001.jpg', what: 'an apple held against a crate' },
  { name: 'stem', rel: 'train/Vegetables/Pepper/Green-Bell-Pepper/Green-Bell-Pepper_011.jpg', what: 'a pepper whose stem the model saw faintly' },
  { name: 'ghosts', rel: 'train/Fruit/Apple/Golden-Delicious/Golden-Delicious_045.jpg', what: 'apples in a tray, two of them half-seen ghosts' },
  { name: 'carton', rel: 'train/Packages/Milk/Arla-Standard-Milk/Arla-Standard-Milk_019.jpg', what: 'a carton held in front of a shelf' },
];

const log = (line: string) => console.log(line);

function composite(rgba: Uint8Array, n: number, bg: readonly number[]): Buffer {
  const out = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++) {
    const a = rgba[i * 4 + 3]! / 255;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(rgba[i * 4 + c]! * a + bg[c]! * (1 - a));
  }
  return out;
}

function withAlpha(rgb: Uint8Array, alpha: Uint8Array): Uint8Array {
  const out = new Uint8Array(alpha.length * 4);
  for (let i = 0; i < alpha.length; i++) {
    out.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
    out[i * 4 + 3] = alpha[i]!;
  }
  return out;
}

function label(text: string, width: number, dark = false): OverlayOptions['input'] {
  const fill = dark ? '#eeeeee' : '#222222';
  const safe = text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20"><text x="4" y="15" font-size="13" font-family="sans-serif" fill="${fill}">${safe}</text></svg>`);
}

/** The window (side `size`) where the raw and the clean cut-out differ most on dark: the edge to zoom into. */
function worstEdge(before: Buffer, after: Buffer, W: number, H: number, size: number): { left: number; top: number } {
  let best = { left: 0, top: 0, score: -1 };
  for (let top = 0; top + size <= H; top += 4) {
    for (let left = 0; left + size <= W; left += 4) {
      let score = 0;
      for (let y = top; y < top + size; y += 2)
        for (let x = left; x < left + size; x += 2) {
          const i = (y * W + x) * 3;
          score += Math.abs(before[i]! - after[i]!) + Math.abs(before[i + 1]! - after[i + 1]!) + Math.abs(before[i + 2]! - after[i + 2]!);
        }
      if (score > best.score) best = { left, top, score };
    }
  }
  return best;
}

async function showcase(item: (typeof SHOWCASE)[number]): Promise<string> {
  const image = await loadPhoto(item.rel);
  const mask = (await cachedMask(item.rel))!;
  const { width: W, height: H } = image;
  const n = W * H;
  const cut = await makeCutout(mask, image.rgb, W, H);
  const raw = withAlpha(image.rgb, mask);
  const panels = {
    beforeWhite: composite(raw, n, WHITE),
    afterWhite: composite(cut.rgba, n, WHITE),
    beforeDark: composite(raw, n, DARK),
    afterDark: composite(cut.rgba, n, DARK),
  };
  const ZOOM = 5;
  const SIDE = 64;
  const edge = worstEdge(panels.beforeDark, panels.afterDark, W, H, SIDE);
  const gap = 6;
  const head = 22;
  const zoomSide = SIDE * ZOOM;
  const width = Math.max(4 * W + 3 * gap, 4 * zoomSide + 3 * gap);
  const height = head + H + head + zoomSide + head;
  const layers: OverlayOptions[] = [];
  const raw3 = { raw: { width: W, height: H, channels: 3 as const } };
  const order = [
    ['beforeWhite', 'model mask as is, on white'],
    ['afterWhite', 'refined + decontaminated, on white'],
    ['beforeDark', 'model mask as is, on #1e1e1e'],
    ['afterDark', 'refined + decontaminated, on #1e1e1e'],
  ] as const;
  for (const [k, [key, caption]] of order.entries()) {
    const x = k * (W + gap);
    layers.push({ input: label(caption, W + gap), left: x, top: 0 });
    layers.push({ input: panels[key], ...raw3, left: x, top: head });
    const zoom = await sharp(panels[key], raw3)
      .extract({ left: edge.left, top: edge.top, width: SIDE, height: SIDE })
      .resize(zoomSide, zoomSide, { kernel: 'nearest' })
      .raw()
      .toBuffer();
    layers.push({ input: zoom, raw: { width: zoomSide, height: zoomSide, channels: 3 }, left: k * (zoomSide + gap), top: head + H + head });
  }
  layers.push({ input: label(`${ZOOM}× zoom of the ${SIDE} px square at (${edge.left}, ${edge.top}), nearest neighbour`, width), left: 0, top: head + H });
  const verdict = cut.quality.verdict === 'ok' ? 'ok' : `needs_review: ${cut.quality.reasons.map((r) => r.code).join(', ')}`;
  layers.push({ input: label(`${item.rel.replace('train/', '')}: ${item.what}. Quality verdict on the raw mask: ${verdict}`, width), left: 0, top: head + H + head + zoomSide + 2 });
  const file = path.join(docsDir, `refine-${item.name}.png`);
  await sharp({ create: { width, height, channels: 3, background: '#9a9a9a' } })
    .composite(layers)
    .png()
    .toFile(file);
  return path.relative(root, file);
}

interface Timing {
  megapixels: number;
  refineMs: number;
  decontaminateMs: number;
  scoreMs: number;
  pngFloorMs: number;
  /** The same steps in CPU time of this process (less swayed by other work on a shared machine than the wall clock). */
  refineCpuMs: number;
  decontaminateCpuMs: number;
  scoreCpuMs: number;
  pngFloorCpuMs: number;
}

/** A real photo at W×H with its model mask as render would have it (taken down to 2048 px, enlarged back). */
async function largeInput(rel: string, W: number, H: number): Promise<{ rgb: Uint8Array; mask: Uint8Array }> {
  const rgb = new Uint8Array(
    await sharp(path.join(path.resolve(root, '../shared/datasets/grocery-store'), rel))
      .rotate()
      .removeAlpha()
      .resize(W, H, { fit: 'fill', kernel: 'lanczos3' })
      .raw()
      .toBuffer(),
  );
  const photo = await loadPhoto(rel);
  const mask = (await cachedMask(rel))!;
  const scale = Math.min(1, 2048 / Math.max(W, H));
  const mw = Math.round(W * scale);
  const mh = Math.round(H * scale);
  const prepared = await sharp(mask, { raw: { width: photo.width, height: photo.height, channels: 1 } })
    .resize(mw, mh, { fit: 'fill', kernel: 'linear' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const full = await sharp(prepared, { raw: { width: mw, height: mh, channels: 1 } })
    .resize(W, H, { fit: 'fill', kernel: 'linear' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  return { rgb, mask: new Uint8Array(full) };
}

async function time(W: number, H: number, rel: string): Promise<Timing> {
  const { rgb, mask } = await largeInput(rel, W, H);
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let lastCpu = 0;
  /** Wall-clock ms of f; its CPU ms are left in lastCpu. */
  const ms = async (f: () => unknown) => {
    const c0 = cpuMs();
    const t0 = performance.now();
    await f();
    const wall = performance.now() - t0;
    lastCpu = cpuMs() - c0;
    return wall;
  };
  // The floor encodes the same finished cut-out every run.
  const finished = decontaminate(withAlpha(rgb, await refineMask(mask, rgb, W, H)), W, H);
  const floor = async () => {
    const pngFloorMs = await ms(() => sharp(finished, { raw: { width: W, height: H, channels: 4 } }).png({ compressionLevel: 6 }).toBuffer());
    return { pngFloorMs, pngFloorCpuMs: lastCpu };
  };
  const ours = async () => {
    let alpha: Uint8Array = new Uint8Array(0);
    const refineMs = await ms(async () => (alpha = await refineMask(mask, rgb, W, H)));
    const refineCpuMs = lastCpu;
    const cut = withAlpha(rgb, alpha);
    const decontaminateMs = await ms(() => decontaminate(cut, W, H));
    const decontaminateCpuMs = lastCpu;
    const scoreMs = await ms(() => scoreMask(mask, W, H));
    return { refineMs, refineCpuMs, decontaminateMs, decontaminateCpuMs, scoreMs, scoreCpuMs: lastCpu };
  };
  await ours(); // warm-up: the first call also compiles the code
  const runs: Timing[] = [];
  for (let run = 0; run < RUNS; run++) {
    // Alternating who goes first, so load from other work on a shared machine falls on both alike.
    if (run % 2 === 0) {
      const o = await ours();
      runs.push({ megapixels: (W * H) / 1e6, ...o, ...(await floor()) });
    } else {
      const f = await floor();
      runs.push({ megapixels: (W * H) / 1e6, ...(await ours()), ...f });
    }
  }
  const median = (k: keyof Timing) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  const keys = ['refineMs', 'decontaminateMs', 'scoreMs', 'pngFloorMs', 'refineCpuMs', 'decontaminateCpuMs', 'scoreCpuMs', 'pngFloorCpuMs'] as const;
  return { megapixels: (W * H) / 1e6, ...(Object.fromEntries(keys.map((k) => [k, median(k)])) as Omit<Timing, 'megapixels'>) };
}

async function pngSizes(): Promise<{ photos: number; medianRatio: number; rawKiB: number; cleanKiB: number; jpegKiB: number }> {
  const ok = qualityLabels('calibration').filter((l) => l.label === 'ok');
  await ensureMasks(
    ok.map((l) => l.photo),
    log,
  );
  const ratios: number[] = [];
  let rawBytes = 0;
  let cleanBytes = 0;
  let jpegBytes = 0;
  for (const l of ok) {
    const image = await loadPhoto(l.photo);
    const { width: W, height: H } = image;
    const cut = await makeCutout((await cachedMask(l.photo))!, image.rgb, W, H);
    const raw4 = { raw: { width: W, height: H, channels: 4 as const } };
    const naive = (await sharp(withAlpha(image.rgb, cut.alpha), raw4).png({ compressionLevel: 6 }).toBuffer()).length;
    const clean = (await sharp(cut.rgba, raw4).png({ compressionLevel: 6 }).toBuffer()).length;
    ratios.push(naive / clean);
    rawBytes += naive;
    cleanBytes += clean;
    jpegBytes += (await fs.stat(path.resolve(root, '../shared/datasets/grocery-store', l.photo))).size;
  }
  ratios.sort((a, b) => a - b);
  return { photos: ok.length, medianRatio: ratios[Math.floor(ratios.length / 2)]!, rawKiB: rawBytes / 1024 / ok.length, cleanKiB: cleanBytes / 1024 / ok.length, jpegKiB: jpegBytes / 1024 / ok.length };
}

await ensureMasks(
  SHOWCASE.map((s) => s.rel),
  log,
);
await fs.mkdir(docsDir, { recursive: true });
const images: string[] = [];
for (const item of SHOWCASE) images.push(await showcase(item));
log(`docs images: ${images.join(', ')}`);

const sizes = [
  [1155, 866],
  [4000, 3000],
] as const;
const timings: Timing[] = [];
for (const [W, H] of sizes) {
  const t = await time(W, H, SHOWCASE[0]!.rel);
  timings.push(t);
  const per = (v: number) => (v / t.megapixels).toFixed(0);
  const total = t.refineMs + t.decontaminateMs + t.scoreMs;
  const totalCpu = t.refineCpuMs + t.decontaminateCpuMs + t.scoreCpuMs;
  log(
    `${W}×${H} (${t.megapixels.toFixed(1)} MP), median of ${RUNS}, wall (CPU) ms: refineMask ${t.refineMs.toFixed(0)} (${t.refineCpuMs.toFixed(0)}) = ${per(t.refineMs)} ms/MP, ` +
      `decontaminate ${t.decontaminateMs.toFixed(0)} (${t.decontaminateCpuMs.toFixed(0)}) = ${per(t.decontaminateMs)} ms/MP, scoreMask ${t.scoreMs.toFixed(0)} (${t.scoreCpuMs.toFixed(0)}); ` +
      `all three ${total.toFixed(0)} (${totalCpu.toFixed(0)}) = ${(total / t.pngFloorMs).toFixed(2)}× (${(totalCpu / t.pngFloorCpuMs).toFixed(2)}× in CPU) the PNG encode of the same cut-out, ${t.pngFloorMs.toFixed(0)} (${t.pngFloorCpuMs.toFixed(0)}) ms`,
  );
}
const png = await pngSizes();
log(
  `PNG of the ${png.photos} cut-outs labelled ok: ${png.rawKiB.toFixed(0)} KiB with the photo's colour kept under alpha 0, ${png.cleanKiB.toFixed(0)} KiB decontaminated ` +
    `(median ${png.medianRatio.toFixed(1)}× smaller; their JPEG sources average ${png.jpegKiB.toFixed(0)} KiB)`,
);
const big = timings[timings.length - 1]!;
console.log(
  JSON.stringify({
    bench: 'refine-crops',
    date: new Date().toISOString(),
    machine: `${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg()[0]!.toFixed(1)}`,
    runs: RUNS,
    timings: timings.map((t) => ({
      ...t,
      refineMsPerMP: t.refineMs / t.megapixels,
      decontaminateMsPerMP: t.decontaminateMs / t.megapixels,
      scoreMsPerMP: t.scoreMs / t.megapixels,
      refineCpuMsPerMP: t.refineCpuMs / t.megapixels,
      decontaminateCpuMsPerMP: t.decontaminateCpuMs / t.megapixels,
    })),
    ratioToPngFloor12MP: (big.refineMs + big.decontaminateMs + big.scoreMs) / big.pngFloorMs,
    cpuRatioToPngFloor12MP: (big.refineCpuMs + big.decontaminateCpuMs + big.scoreCpuMs) / big.pngFloorCpuMs,
    png,
    images,
  }),
);
