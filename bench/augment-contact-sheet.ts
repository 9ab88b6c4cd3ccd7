/**
 * docs/images/augmentation-contact-sheet.jpg: 24 synthetic outputs (catalog images of the
 * grocery-store set made into cut-outs by a white threshold, on the bundled backgrounds)
 * and 12 real variants (6 clean photos, 6 letterboxed ones cropped to a box standing in
 * for the segmenter's cut-out), each captioned with what was applied.
 *
 *   node --import tsx bench/augment-contact-sheet.ts [output.jpg]
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { AppliedOps } from '../src-main/features/augmentation/augment.js';
import { realVariant, synthesize } from '../src-main/features/augmentation/augment.js';
import { bundledBackgroundsDir, listBackgrounds } from '../src-main/features/augmentation/backgrounds.js';
import { boxCutout, cutoutFromWhite, datasetMissing, iconicImages, letterboxed, pickPhotos } from '../test/features/augmentation/fixtures.js';

const TILE = 256;
const COLS = 6;
const CAPTION = 34;
const out = process.argv[2] ?? path.join('docs', 'images', 'augmentation-contact-sheet.jpg');

const missing = datasetMissing();
if (missing) {
  console.error(`the contact sheet needs the grocery-store photos: ${missing}`);
  process.exit(2);
}

const backgrounds = await listBackgrounds([{ name: 'bundled', dir: bundledBackgroundsDir() }]);
const tiles: { jpeg: Buffer; caption: string[] }[] = [];

const icons = iconicImages();
for (let i = 0; i < 24; i++) {
  const file = icons[Math.floor((i * icons.length) / 24)]!;
  const r = await synthesize(await cutoutFromWhite(file), { seed: 7, index: i, backgrounds });
  tiles.push({ jpeg: r.jpeg, caption: describe(r.applied) });
}
const photos = pickPhotos('val', 12);
for (let i = 0; i < 12; i++) {
  const file = photos[i]!;
  if (i % 2 === 0) {
    const r = await realVariant(await fs.readFile(file), { seed: 7, index: i });
    tiles.push({ jpeg: r.jpeg, caption: ['real, clean', ...describe(r.applied)] });
  } else {
    // Letterboxed like a raw shelf photo; the "cut-out" is the central 70 % of the photo.
    const lb = await letterboxed(file);
    const inner = lb.inner;
    const box = { x: inner.x + Math.round(inner.width * 0.15), y: inner.y + Math.round(inner.height * 0.15), width: Math.round(inner.width * 0.7), height: Math.round(inner.height * 0.7) };
    const r = await realVariant(lb.jpeg, { seed: 7, index: i, cutout: await boxCutout(lb.jpeg, box) });
    tiles.push({ jpeg: r.jpeg, caption: ['real, raw (letterboxed)', ...describe(r.applied)] });
  }
}

const rows = Math.ceil(tiles.length / COLS);
const layers = await Promise.all(
  tiles.flatMap((t, i) => {
    const left = (i % COLS) * TILE;
    const top = Math.floor(i / COLS) * (TILE + CAPTION);
    return [
      sharp(t.jpeg).resize(TILE, TILE, { fit: 'fill' }).toBuffer().then((input) => ({ input, left, top })),
      Promise.resolve({ input: captionSvg(t.caption), left, top: top + TILE }),
    ];
  }),
);
await fs.mkdir(path.dirname(out), { recursive: true });
await sharp({ create: { width: COLS * TILE, height: rows * (TILE + CAPTION), channels: 3, background: '#111' } })
  .composite(layers)
  .jpeg({ quality: 85 })
  .toFile(out);
console.log(`wrote ${out}: ${tiles.length} tiles`);

function describe(a: AppliedOps): string[] {
  const ops = a.steps.filter((s) => s.applied && s.params.op !== 'resize').map((s) => (s.applied ? s.params.op : ''));
  const head =
    a.kind === 'synthetic'
      ? `${a.pipeline}${a.shadow?.applied ? ', shadow' : ''}, ${a.background?.kind === 'image' ? a.background.id.replace(/^bundled\//, '').replace(/\.jpg$/, '') : 'solid'}`
      : null;
  return [...(head ? [head] : []), ops.join(', ') || 'no transform'];
}

function captionSvg(lines: string[]): Buffer {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const text = lines
    .slice(0, 2)
    .map((l, i) => `<text x="4" y="${13 + i * 14}" font-family="sans-serif" font-size="11" fill="#ddd">${esc(l.length > 44 ? l.slice(0, 43) + '…' : l)}</text>`)
    .join('');
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${TILE}" height="${CAPTION}">${text}</svg>`);
}
