/**
 * Inputs for the augmentation tests, bench and contact sheet: real grocery photos, the
 * catalog ("iconic") images turned into cut-outs, and synthetic test patterns.
 *
 * The cut-outs here are NOT segmentation: the iconic images sit on near-white, so the
 * background is the near-white region connected to the border (a threshold and a flood
 * fill). Good enough to drive the pipelines; the app's cut-outs come from the segmenter.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export const datasetRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/datasets/grocery-store');

/** null when the grocery photos are there; otherwise why a test or bench cannot use them. */
export function datasetMissing(): string | null {
  return fs.existsSync(path.join(datasetRoot, 'train.txt')) ? null : `${datasetRoot} is absent (the grocery-store dataset lives in ../shared beside the checkout)`;
}

/** The catalog images, one per fine class, sorted by path. */
export function iconicImages(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/_Iconic\.jpg$/i.test(e.name)) out.push(p);
    }
  };
  walk(path.join(datasetRoot, 'iconic-images-and-descriptions'));
  return out;
}

/** `count` photos spread evenly over a split's list (same pick every run). */
export function pickPhotos(split: 'train' | 'val', count: number): string[] {
  const lines = fs
    .readFileSync(path.join(datasetRoot, `${split}.txt`), 'utf8')
    .split('\n')
    .map((l) => l.split(',')[0]!.trim())
    .filter(Boolean);
  const step = lines.length / count;
  return Array.from({ length: count }, (_, i) => path.join(datasetRoot, lines[Math.floor(i * step)]!));
}

/** An RGBA PNG: the near-white background connected to the image border made transparent. */
export async function cutoutFromWhite(file: string, tolerance = 10): Promise<Buffer> {
  const { data, info } = await sharp(file).rotate().toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const nearWhite = (i: number) => 255 - Math.min(data[i * 3]!, data[i * 3 + 1]!, data[i * 3 + 2]!) < tolerance;
  const background = new Uint8Array(width * height);
  const queue: number[] = [];
  const seed = (i: number) => {
    if (!background[i] && nearWhite(i)) {
      background[i] = 1;
      queue.push(i);
    }
  };
  for (let x = 0; x < width; x++) {
    seed(x);
    seed((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    seed(y * width);
    seed(y * width + width - 1);
  }
  while (queue.length) {
    const i = queue.pop()!;
    const x = i % width;
    if (x > 0) seed(i - 1);
    if (x < width - 1) seed(i + 1);
    if (i >= width) seed(i - width);
    if (i < (height - 1) * width) seed(i + width);
  }
  // The JPEG's ringing leaves a speckled, almost-white rim outside the threshold: the mask
  // gives up one more pixel wherever it touches the background.
  const alpha = Buffer.alloc(width * height);
  for (let i = 0; i < alpha.length; i++) {
    const x = i % width;
    const nearBackground =
      background[i] || (x > 0 && background[i - 1]) || (x < width - 1 && background[i + 1]) || (i >= width && background[i - width]) || (i < (height - 1) * width && background[i + width]);
    alpha[i] = nearBackground ? 0 : 255;
  }
  // A median takes off the spikes a threshold leaves along JPEG noise; a little blur softens the stair-steps.
  const soft = await sharp(alpha, { raw: { width, height, channels: 1 } }).median(5).blur(0.6).extractChannel(0).raw().toBuffer();
  return rgbaPng(data, soft, width, height);
}

/** A raw, letterboxed photo: the photo padded with black on all four sides to a square plus `pad` pixels. */
export async function letterboxed(file: string, pad = 24): Promise<{ jpeg: Buffer; width: number; height: number; inner: { x: number; y: number; width: number; height: number } }> {
  const meta = await sharp(file).rotate().metadata();
  const [w, h] = meta.autoOrient ? [meta.autoOrient.width, meta.autoOrient.height] : [meta.width!, meta.height!];
  const side = Math.max(w, h) + 2 * pad;
  const left = Math.floor((side - w) / 2);
  const top = Math.floor((side - h) / 2);
  const jpeg = await sharp(file)
    .rotate()
    .extend({ left, right: side - w - left, top, bottom: side - h - top, background: { r: 0, g: 0, b: 0 } })
    .jpeg({ quality: 92 })
    .toBuffer();
  return { jpeg, width: side, height: side, inner: { x: left, y: top, width: w, height: h } };
}

/** An RGBA PNG the size of a letterboxed photo whose alpha covers `box` (a stand-in for the segmenter's cut-out). */
export async function boxCutout(photoJpeg: Buffer, box: { x: number; y: number; width: number; height: number }): Promise<Buffer> {
  const { data, info } = await sharp(photoJpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const alpha = Buffer.alloc(info.width * info.height);
  for (let y = box.y; y < box.y + box.height; y++) alpha.fill(255, y * info.width + box.x, y * info.width + box.x + box.width);
  return rgbaPng(data, alpha, info.width, info.height);
}

function rgbaPng(rgb: Uint8Array, alpha: Uint8Array, width: number, height: number): Promise<Buffer> {
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = rgb[i * 3]!;
    rgba[i * 4 + 1] = rgb[i * 3 + 1]!;
    rgba[i * 4 + 2] = rgb[i * 3 + 2]!;
    rgba[i * 4 + 3] = alpha[i]!;
  }
  return sharp(rgba, { raw: { width, height, channels: 4 } }).png().toBuffer();
}
