/**
 * Mask sequences for the consistency check, built from real product silhouettes (the
 * catalog photos keyed off their white backgrounds): the camera moves between samples
 * (pan, zoom, roll) and the model's edge wobbles by a pixel; a "jump" replaces one
 * frame's mask the way a segmentation model fails on video: it takes in the table or a
 * hand, loses part of the product, or locks onto another object.
 */
import fs from 'node:fs';
import path from 'node:path';
import { groceryDir, keyedProduct } from './make-video.js';

export interface Silhouette {
  name: string;
  mask: Uint8Array;
  width: number;
  height: number;
}

/**
 * The catalog products' silhouettes, in classes.csv order, up to `limit`. Keying by flood
 * fill from the border leaks into products that are white where they meet the frame (a
 * white milk carton): those come out ragged and speckled, not silhouettes, and are skipped
 * (listed in `skipped`).
 */
export async function catalogSilhouettes(limit = Infinity): Promise<Silhouette[] & { skipped: string[] }> {
  const lines = fs.readFileSync(path.join(groceryDir, 'classes.csv'), 'utf8').trim().split('\n').slice(1);
  const out = Object.assign([] as Silhouette[], { skipped: [] as string[] });
  for (const line of lines) {
    if (out.length >= limit) break;
    const rel = line.split(',')[4]!.replace(/^\//, '');
    const name = path.basename(rel, '_Iconic.jpg');
    const k = await keyedProduct(path.join(groceryDir, rel));
    if (!solid(k.mask, k.width, k.height)) {
      out.skipped.push(name);
      continue;
    }
    out.push({ name, mask: k.mask, width: k.width, height: k.height });
  }
  return out;
}

/**
 * At least 8% of the image, with a compact outline: edge pixels / √area stays under 9.5
 * for every cleanly keyed product (a pineapple's leaves reach 7.6) and goes to 10–20 where
 * the fill leaked into white packaging and left a ragged, speckled mask.
 */
function solid(mask: Uint8Array, w: number, h: number): boolean {
  let n = 0;
  let edge = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (mask[i]! < 128) continue;
      n++;
      if (mask[i - 1]! < 128 || mask[i + 1]! < 128 || mask[i - w]! < 128 || mask[i + w]! < 128) edge++;
    }
  }
  return n >= 0.08 * w * h && edge / Math.sqrt(n) < 9.5;
}

export interface View {
  /** Subject centre in output shares. */
  cx: number;
  cy: number;
  /** Subject height (of the source image) as a share of the output height. */
  scale: number;
  /** Roll, degrees. */
  roll: number;
}

/** The silhouette seen through a camera view, bilinear, W×H. */
export function render(s: Silhouette, view: View, W: number, H: number): Uint8Array {
  const out = new Uint8Array(W * H);
  const k = (view.scale * H) / s.height;
  const cos = Math.cos((view.roll * Math.PI) / 180);
  const sin = Math.sin((view.roll * Math.PI) / 180);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dx = (x + 0.5 - view.cx * W) / k;
      const dy = (y + 0.5 - view.cy * H) / k;
      const u = cos * dx + sin * dy + s.width / 2 - 0.5;
      const v = -sin * dx + cos * dy + s.height / 2 - 0.5;
      out[y * W + x] = sample(s, u, v);
    }
  }
  return out;
}

function sample(s: Silhouette, u: number, v: number): number {
  const x0 = Math.floor(u);
  const y0 = Math.floor(v);
  const fx = u - x0;
  const fy = v - y0;
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= s.width || y >= s.height ? 0 : s.mask[y * s.width + x]!);
  const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
  const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
  return Math.round(top * (1 - fy) + bottom * fy);
}

/** A smooth camera path: `count` views from a start to an end view. */
export function cameraPath(count: number, from: View, to: View): View[] {
  return Array.from({ length: count }, (_, i) => {
    const t = count > 1 ? i / (count - 1) : 0;
    return { cx: from.cx + (to.cx - from.cx) * t, cy: from.cy + (to.cy - from.cy) * t, scale: from.scale + (to.scale - from.scale) * t, roll: from.roll + (to.roll - from.roll) * t };
  });
}

/** The model's edge is never exact: grow or shrink the subject by `px` pixels, differently per frame. */
export function wobble(mask: Uint8Array, W: number, H: number, px: number, seed: number): Uint8Array {
  const grow = ((seed * 2654435761) >>> 0) % 2 === 0;
  let cur = mask;
  for (let step = 0; step < px; step++) {
    const next = new Uint8Array(cur);
    for (let y = 1; y < H - 1; y++) {
      for (let x = 1; x < W - 1; x++) {
        const i = y * W + x;
        const n = [cur[i - 1]!, cur[i + 1]!, cur[i - W]!, cur[i + W]!];
        next[i] = grow ? Math.max(cur[i]!, ...n) : Math.min(cur[i]!, ...n);
      }
    }
    cur = next;
  }
  return cur;
}

export type JumpKind = 'table' | 'hand' | 'half' | 'other_product';

/** One frame's mask as a failing model gives it. */
export function jump(kind: JumpKind, mask: Uint8Array, W: number, H: number, other?: Uint8Array): Uint8Array {
  const out = new Uint8Array(mask);
  if (kind === 'table') {
    // The table top in front of the product taken in as subject: a band across the lower third.
    for (let y = Math.floor(H * 0.68); y < H; y++) for (let x = 0; x < W; x++) out[y * W + x] = 255;
  } else if (kind === 'hand') {
    // A hand holding the product: an ellipse as large as a fist, reaching in from the right edge.
    const hx = W * 0.82;
    const hy = H * 0.55;
    const rx = W * 0.22;
    const ry = H * 0.2;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (((x - hx) / rx) ** 2 + ((y - hy) / ry) ** 2 <= 1) out[y * W + x] = 255;
  } else if (kind === 'half') {
    // Half of the product lost to the background (glare, a colour close to the backdrop).
    let sx = 0;
    let n = 0;
    for (let i = 0; i < mask.length; i++)
      if (mask[i]! >= 128) {
        sx += i % W;
        n++;
      }
    const cut = n ? sx / n : W / 2;
    for (let y = 0; y < H; y++) for (let x = 0; x < cut; x++) out[y * W + x] = 0;
  } else {
    if (!other) throw new Error('other_product needs the other mask');
    out.set(other);
  }
  return out;
}
