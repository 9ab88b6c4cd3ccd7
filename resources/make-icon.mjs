#!/usr/bin/env node
// Draws the app icon (resources/icon.png, 1024×1024) from an SVG with sharp, so the
// icon is reproducible from source. electron-builder derives the .ico/.icns and the
// Linux sizes from this PNG. Run: node resources/make-icon.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const size = 1024;
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'icon.png');

// A workbench-orange tile; a product "cut-out" (a bottle silhouette) standing on a soft
// shadow inside crop marks: what the studio does, at a glance.
const svg = `
<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 1024 1024">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#f08a3c"/>
      <stop offset="1" stop-color="#c2410c"/>
    </linearGradient>
    <radialGradient id="shadow" cx="0.5" cy="0.5" r="0.5">
      <stop offset="0" stop-color="#000" stop-opacity="0.35"/>
      <stop offset="1" stop-color="#000" stop-opacity="0"/>
    </radialGradient>
  </defs>
  <rect x="64" y="64" width="896" height="896" rx="200" fill="url(#bg)"/>
  <g fill="none" stroke="#fff7ed" stroke-width="44" stroke-linecap="round" stroke-linejoin="round" opacity="0.9">
    <path d="M232 360 V232 H360"/>
    <path d="M664 232 H792 V360"/>
    <path d="M792 664 V792 H664"/>
    <path d="M360 792 H232 V664"/>
  </g>
  <ellipse cx="512" cy="722" rx="170" ry="34" fill="url(#shadow)"/>
  <path fill="#fff7ed" d="M468 262 h88 v64 c0 22 14 34 30 48 c34 30 54 66 54 118 v196 c0 28 -22 46 -50 46 h-156 c-28 0 -50 -18 -50 -46 v-196 c0 -52 20 -88 54 -118 c16 -14 30 -26 30 -48 z"/>
  <rect x="400" y="520" width="224" height="92" rx="14" fill="#c2410c" opacity="0.85"/>
</svg>`;

await sharp(Buffer.from(svg)).png({ compressionLevel: 9 }).toFile(out);
const meta = await sharp(out).metadata();
console.log(`${path.relative(process.cwd(), out)}: ${meta.width}×${meta.height} ${meta.format}`);
