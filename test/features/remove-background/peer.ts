/**
 * Shared by the correctness test and bench:segment: picking dataset images and
 * measuring agreement with @imgly/background-removal-node, the peer.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';

export const datasetDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/datasets/grocery-store/train');

/** null when the dataset is there; otherwise why the test or bench cannot run. */
export function datasetMissing(): string | null {
  return fs.existsSync(datasetDir) ? null : `${datasetDir} is absent (the grocery-store dataset lives in ../shared beside the checkout)`;
}

/** `count` images spread evenly over the sorted training set (every class family represented, same pick every run). */
export function pickImages(count: number): string[] {
  const all: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(jpe?g|png)$/i.test(e.name)) all.push(p);
    }
  };
  walk(datasetDir);
  const step = all.length / count;
  return Array.from({ length: count }, (_, i) => all[Math.floor(i * step)]!);
}

/** The peer's publicPath, resolved from the package rather than the working directory. */
export function peerPublicPath(): string {
  const entry = createRequire(import.meta.url).resolve('@imgly/background-removal-node');
  return pathToFileURL(path.dirname(entry)).href + '/';
}

/** Intersection over union of two 8-bit masks of the same size, each cut at 128. */
export function iou(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`masks differ in size: ${a.length} vs ${b.length}`);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! >= 128;
    const y = b[i]! >= 128;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}

/**
 * The peer's mask exactly: removeBackground() with output 'image/x-rgba8' gives raw
 * RGBA. (Its PNG output is not fit for comparing masks: it always passes a quality to
 * sharp's PNG encoder, which turns on palette quantisation with dithering, and on soft
 * masks the dithered alpha alone moves IoU at 50% by up to 0.6.)
 */
export const peerOutput = { format: 'image/x-rgba8' as const };

export async function peerAlpha(blob: Blob): Promise<Uint8Array> {
  const rgba = new Uint8Array(await blob.arrayBuffer());
  const alpha = new Uint8Array(rgba.length / 4);
  for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[i * 4 + 3]!;
  return alpha;
}

/** The alpha channel of an encoded image, as raw bytes. */
export async function alphaOf(image: Buffer | string): Promise<{ alpha: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(image).ensureAlpha().extractChannel(3).raw().toBuffer({ resolveWithObject: true });
  return { alpha: new Uint8Array(data), width: info.width, height: info.height };
}

/** A one-band image (our mask preset) as raw bytes. */
export async function greyOf(image: string): Promise<Uint8Array> {
  const { data } = await sharp(image).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}
