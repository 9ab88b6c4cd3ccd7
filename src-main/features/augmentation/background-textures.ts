/**
 * The bundled background set, generated: store shelves out of focus, wood, counter
 * surfaces, studio gradients and bokeh. Each texture is an SVG drawn from a seeded
 * stream and rendered by sharp (librsvg: feTurbulence for grain and wood, feGaussianBlur
 * for depth of field), so the set is reproducible, owes nothing to anyone's photos, and
 * carries the project's licence (MIT).
 *
 *   node --import tsx src-main/features/augmentation/background-textures.ts resources/backgrounds
 *
 * writes the JPEGs (the committed set was made this way; README.md there says so).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { Rng } from './rng.js';

export const TEXTURE_SIZE = 512;
export const TEXTURE_KINDS = ['shelf', 'wood', 'surface', 'gradient', 'bokeh'] as const;
export type TextureKind = (typeof TEXTURE_KINDS)[number];

type Rgb = [number, number, number];
const hex = ([r, g, b]: Rgb) => `#${[r, g, b].map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0')).join('')}`;
const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
const shade = (c: Rgb, f: number): Rgb => [c[0] * f, c[1] * f, c[2] * f];
const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(0, items.length - 1)]!;

const SHELF_BOARDS: Rgb[] = [
  [235, 235, 232],
  [205, 208, 210],
  [150, 154, 160],
  [60, 62, 66],
  [188, 150, 108],
  [225, 222, 210],
];
const BACK_PANELS: Rgb[] = [
  [228, 226, 220],
  [196, 200, 204],
  [120, 124, 130],
  [240, 238, 232],
  [170, 150, 128],
  [205, 215, 222],
];
const PACKAGING: Rgb[] = [
  [220, 40, 40],
  [240, 200, 40],
  [40, 140, 70],
  [30, 90, 180],
  [245, 245, 240],
  [250, 140, 30],
  [120, 60, 140],
  [90, 170, 200],
  [200, 80, 120],
  [150, 110, 70],
];
const WOODS: Rgb[] = [
  [196, 160, 118],
  [170, 125, 82],
  [128, 86, 54],
  [215, 190, 150],
  [150, 104, 70],
  [98, 66, 44],
];
const SURFACES: Rgb[] = [
  [214, 214, 210],
  [190, 186, 178],
  [232, 228, 218],
  [160, 164, 168],
  [205, 196, 182],
  [120, 122, 124],
];
const LIGHT_NEUTRALS: Rgb[] = [
  [248, 248, 246],
  [236, 238, 240],
  [240, 234, 224],
  [226, 230, 226],
  [214, 218, 224],
  [232, 224, 228],
];

/** Fine film grain over everything: smooth gradients band in JPEG without it. */
function grain(rng: Rng, opacity: number): string {
  return `<filter id="grain" x="0" y="0" width="100%" height="100%"><feTurbulence type="fractalNoise" baseFrequency="0.9" numOctaves="2" seed="${rng.int(1, 9999)}"/><feColorMatrix type="saturate" values="0"/></filter>
<rect width="100%" height="100%" filter="url(#grain)" opacity="${opacity.toFixed(3)}" style="mix-blend-mode:overlay"/>`;
}

function shelf(rng: Rng): string {
  const S = TEXTURE_SIZE;
  const board = pick(rng, SHELF_BOARDS);
  const back = pick(rng, BACK_PANELS);
  const gap = rng.int(130, 230);
  const boardH = rng.int(14, 30);
  const railH = rng.int(10, 22);
  const rail: Rgb = rng.chance(0.6) ? [245, 245, 242] : pick(rng, SHELF_BOARDS);
  const parts: string[] = [`<rect width="${S}" height="${S}" fill="${hex(back)}"/>`];
  for (let top = -rng.int(0, gap); top < S; top += gap) {
    const floor = top + gap - boardH - railH;
    // Products standing on the shelf: blocks of packaging colours, lit from above.
    for (let x = -rng.int(0, 40); x < S; ) {
      const w = rng.int(26, 70);
      const h = Math.round((gap - boardH - railH) * rng.uniform(0.55, 0.9));
      // Packaging under store light and out of focus is less saturated than its print.
      const c = mix(pick(rng, PACKAGING), [140, 140, 140], rng.uniform(0.1, 0.35));
      parts.push(`<rect x="${x}" y="${floor - h}" width="${w - rng.int(2, 8)}" height="${h}" rx="${rng.int(0, 6)}" fill="${hex(c)}"/>`);
      parts.push(`<rect x="${x}" y="${floor - h}" width="${w - 8}" height="${Math.round(h * 0.35)}" fill="${hex(mix(c, [255, 255, 255], 0.5))}" opacity="${rng.uniform(0.15, 0.5).toFixed(2)}"/>`);
      x += w;
    }
    parts.push(`<rect x="0" y="${floor}" width="${S}" height="${boardH}" fill="${hex(board)}"/>`);
    parts.push(`<rect x="0" y="${floor + boardH}" width="${S}" height="${railH}" fill="${hex(rail)}"/>`);
    parts.push(`<rect x="0" y="${floor + boardH + railH}" width="${S}" height="${rng.int(4, 10)}" fill="${hex(shade(back, 0.55))}"/>`);
    // Price tags on the rail.
    for (let x = rng.int(0, 60); x < S; x += rng.int(50, 120)) {
      const tag = rng.chance(0.7) ? [250, 250, 245] : pick(rng, [[250, 220, 40], [230, 50, 40]] as Rgb[]);
      parts.push(`<rect x="${x}" y="${floor + boardH + 1}" width="${rng.int(22, 40)}" height="${railH - 2}" fill="${hex(tag as Rgb)}"/>`);
    }
  }
  const blur = rng.uniform(4, 9);
  const light = `<linearGradient id="light" x1="0" y1="0" x2="${rng.uniform(-0.3, 0.3).toFixed(2)}" y2="1"><stop offset="0" stop-color="#fff" stop-opacity="${rng.uniform(0, 0.25).toFixed(2)}"/><stop offset="1" stop-color="#000" stop-opacity="${rng.uniform(0, 0.3).toFixed(2)}"/></linearGradient>`;
  return `<defs>${light}<filter id="dof"><feGaussianBlur stdDeviation="${blur.toFixed(2)}"/></filter></defs>
<g filter="url(#dof)">${parts.join('')}</g><rect width="${S}" height="${S}" fill="url(#light)"/>${grain(rng, 0.25)}`;
}

function wood(rng: Rng): string {
  const S = TEXTURE_SIZE;
  const base = pick(rng, WOODS);
  const dark = shade(base, rng.uniform(0.55, 0.75));
  const vertical = rng.chance(0.4);
  const [fx, fy] = [rng.uniform(0.002, 0.006), rng.uniform(0.05, 0.12)];
  const freq = vertical ? `${fy.toFixed(4)} ${fx.toFixed(4)}` : `${fx.toFixed(4)} ${fy.toFixed(4)}`;
  // The noise (alpha channel) picks a colour between the dark and the base tone.
  const m = (d: number, b: number) => `0 0 0 ${((b - d) / 255).toFixed(4)} ${(d / 255).toFixed(4)}`;
  const planks: string[] = [];
  const plank = rng.int(90, 200);
  for (let p = rng.int(20, plank); p < S; p += plank) {
    planks.push(vertical ? `<rect x="${p}" y="0" width="2" height="${S}" fill="${hex(shade(dark, 0.7))}" opacity="0.7"/>` : `<rect x="0" y="${p}" width="${S}" height="2" fill="${hex(shade(dark, 0.7))}" opacity="0.7"/>`);
  }
  return `<filter id="wood" x="0" y="0" width="100%" height="100%"><feTurbulence type="fractalNoise" baseFrequency="${freq}" numOctaves="4" seed="${rng.int(1, 9999)}"/>
<feColorMatrix type="matrix" values="${m(dark[0], base[0])} ${m(dark[1], base[1])} ${m(dark[2], base[2])} 0 0 0 0 1"/></filter>
<rect width="${S}" height="${S}" filter="url(#wood)"/>${rng.chance(0.5) ? planks.join('') : ''}
<defs><radialGradient id="lamp" cx="${rng.uniform(0.2, 0.8).toFixed(2)}" cy="${rng.uniform(0, 0.5).toFixed(2)}" r="0.9"><stop offset="0" stop-color="#fff" stop-opacity="${rng.uniform(0.05, 0.25).toFixed(2)}"/><stop offset="1" stop-color="#000" stop-opacity="${rng.uniform(0.05, 0.3).toFixed(2)}"/></radialGradient></defs>
<rect width="${S}" height="${S}" fill="url(#lamp)"/>`;
}

function surface(rng: Rng): string {
  const S = TEXTURE_SIZE;
  const base = pick(rng, SURFACES);
  const spread = rng.uniform(0.06, 0.18);
  const lo = shade(base, 1 - spread);
  const m = (d: number, b: number) => `0 0 0 ${((b - d) / 255).toFixed(4)} ${(d / 255).toFixed(4)}`;
  return `<filter id="s" x="0" y="0" width="100%" height="100%"><feTurbulence type="fractalNoise" baseFrequency="${rng.uniform(0.01, 0.05).toFixed(4)}" numOctaves="5" seed="${rng.int(1, 9999)}"/>
<feColorMatrix type="matrix" values="${m(lo[0], base[0])} ${m(lo[1], base[1])} ${m(lo[2], base[2])} 0 0 0 0 1"/></filter>
<rect width="${S}" height="${S}" filter="url(#s)"/>
<defs><linearGradient id="l" x1="${rng.uniform(0, 1).toFixed(2)}" y1="0" x2="${rng.uniform(0, 1).toFixed(2)}" y2="1"><stop offset="0" stop-color="#fff" stop-opacity="${rng.uniform(0, 0.3).toFixed(2)}"/><stop offset="1" stop-color="#000" stop-opacity="${rng.uniform(0, 0.25).toFixed(2)}"/></linearGradient></defs>
<rect width="${S}" height="${S}" fill="url(#l)"/>${grain(rng, 0.3)}`;
}

function gradient(rng: Rng): string {
  const S = TEXTURE_SIZE;
  const a = pick(rng, LIGHT_NEUTRALS);
  const b = shade(pick(rng, LIGHT_NEUTRALS), rng.uniform(0.72, 0.95));
  const fill = rng.chance(0.5)
    ? `<radialGradient id="g" cx="${rng.uniform(0.3, 0.7).toFixed(2)}" cy="${rng.uniform(0.2, 0.6).toFixed(2)}" r="${rng.uniform(0.6, 1).toFixed(2)}"><stop offset="0" stop-color="${hex(a)}"/><stop offset="1" stop-color="${hex(b)}"/></radialGradient>`
    : `<linearGradient id="g" x1="0" y1="0" x2="${rng.uniform(-0.4, 0.4).toFixed(2)}" y2="1"><stop offset="0" stop-color="${hex(a)}"/><stop offset="1" stop-color="${hex(b)}"/></linearGradient>`;
  return `<defs>${fill}</defs><rect width="${S}" height="${S}" fill="url(#g)"/>${grain(rng, 0.18)}`;
}

function bokeh(rng: Rng): string {
  const S = TEXTURE_SIZE;
  const warm = rng.chance(0.5);
  const top: Rgb = warm ? [rng.int(90, 170), rng.int(70, 130), rng.int(50, 100)] : [rng.int(120, 200), rng.int(125, 205), rng.int(130, 215)];
  const bottom = shade(top, rng.uniform(0.4, 0.8));
  const circles: string[] = [];
  const n = rng.int(25, 70);
  for (let i = 0; i < n; i++) {
    const c = rng.chance(0.5) ? pick(rng, PACKAGING) : pick(rng, LIGHT_NEUTRALS);
    circles.push(`<circle cx="${rng.int(-20, S + 20)}" cy="${rng.int(-20, S + 20)}" r="${rng.int(8, 48)}" fill="${hex(mix(c, [255, 255, 255], 0.3))}" opacity="${rng.uniform(0.15, 0.6).toFixed(2)}"/>`);
  }
  return `<defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hex(top)}"/><stop offset="1" stop-color="${hex(bottom)}"/></linearGradient>
<filter id="blur" x="-10%" y="-10%" width="120%" height="120%"><feGaussianBlur stdDeviation="${rng.uniform(3, 9).toFixed(2)}"/></filter></defs>
<rect width="${S}" height="${S}" fill="url(#bg)"/><g filter="url(#blur)">${circles.join('')}</g>${grain(rng, 0.2)}`;
}

const DRAW: Record<TextureKind, (rng: Rng) => string> = { shelf, wood, surface, gradient, bokeh };

/** One texture as a JPEG, the same bytes for the same kind and number on one machine. */
export async function renderTexture(kind: TextureKind, n: number, quality = 82): Promise<Buffer> {
  const body = DRAW[kind](Rng.from('background-texture', kind, n));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${TEXTURE_SIZE}" height="${TEXTURE_SIZE}">${body}</svg>`;
  return sharp(Buffer.from(svg)).flatten({ background: '#808080' }).jpeg({ quality, mozjpeg: true }).toBuffer();
}

/** Writes `perKind` textures of every kind into `dir` as `<kind>-NN.jpg`; returns the file names. */
export async function writeTextureSet(dir: string, perKind: number): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const names: string[] = [];
  for (const kind of TEXTURE_KINDS) {
    for (let n = 1; n <= perKind; n++) {
      const name = `${kind}-${String(n).padStart(2, '0')}.jpg`;
      await fs.writeFile(path.join(dir, name), await renderTexture(kind, n));
      names.push(name);
    }
  }
  return names;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node --import tsx src-main/features/augmentation/background-textures.ts <output folder> [per kind, default 8]');
    process.exit(2);
  }
  const names = await writeTextureSet(dir, Number(process.argv[3] ?? 8));
  console.log(`wrote ${names.length} backgrounds to ${dir}`);
}
