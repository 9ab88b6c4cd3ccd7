/**
 * Products with images for the datasets and augmentation tests: frames (synthetic images)
 * with their cut-outs, and real shelf photos, clean or letterboxed. Images are drawn here
 * (a textured box on a plain background), stored through the engine's blob store and
 * handed to the catalog through products' public API, as the videos feature does.
 */
import sharp from 'sharp';
import type { Engine } from '../../../src-main/engine/engine.js';
import { productsFeature } from '../../../src-main/features/products/public.js';
import type { NewProductImage } from '../../../src-main/features/products/public.js';

async function put(engine: Engine, data: Buffer): Promise<string> {
  return (await engine.store.putBuffer(data)).sha256;
}

/** A frame 320×240: a box of colour `hue` (0–360) with stripes on light grey; and its cut-out (the box opaque). */
export async function frameWithCutout(hue: number, shift = 0): Promise<{ frame: Buffer; cutout: Buffer }> {
  const w = 320;
  const h = 240;
  const rgb = Buffer.alloc(w * h * 3, 215);
  const alpha = Buffer.alloc(w * h, 0);
  const c = [Math.round(127 + 120 * Math.cos((hue * Math.PI) / 180)), Math.round(127 + 120 * Math.cos(((hue - 120) * Math.PI) / 180)), Math.round(127 + 120 * Math.cos(((hue + 120) * Math.PI) / 180))];
  for (let y = 50; y < 200; y++) {
    for (let x = 100 + shift; x < 220 + shift; x++) {
      const i = y * w + x;
      const stripe = (y >> 3) % 2 === 0 ? 1 : 0.6;
      rgb[i * 3] = Math.round(c[0]! * stripe);
      rgb[i * 3 + 1] = Math.round(c[1]! * stripe);
      rgb[i * 3 + 2] = Math.round(c[2]! * stripe);
      alpha[i] = 255;
    }
  }
  const raw = { raw: { width: w, height: h, channels: 3 as const } };
  const frame = await sharp(rgb, raw).png().toBuffer();
  const cutout = await sharp(rgb, raw).joinChannel(alpha, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
  return { frame, cutout };
}

/** A shelf-like photo 480×360 (noise, a product box); letterboxed: padded with black to 640×480. */
export async function shelfPhoto(seed: number, letterboxed = false): Promise<Buffer> {
  const base = sharp({ create: { width: 480, height: 360, channels: 3, background: { r: 120 + seed * 7, g: 110, b: 90 }, noise: { type: 'gaussian', mean: 128, sigma: 30 } } });
  const box = await sharp({ create: { width: 160, height: 220, channels: 3, background: { r: 200, g: 40 + seed * 10, b: 40 } } }).png().toBuffer();
  const photo = await sharp(await base.png().toBuffer()).composite([{ input: box, left: 160, top: 70 }]).jpeg({ quality: 90 }).toBuffer();
  if (!letterboxed) return photo;
  return sharp(photo).extend({ top: 60, bottom: 60, left: 80, right: 80, background: { r: 0, g: 0, b: 0 } }).jpeg({ quality: 90 }).toBuffer();
}

/** Stores an image and its thumbnail, as a NewProductImage. */
export async function stored(engine: Engine, data: Buffer, type: NewProductImage['type'], extra: Partial<NewProductImage> = {}): Promise<NewProductImage> {
  const meta = await sharp(data).metadata();
  const thumb = await sharp(data).resize(64, 64, { fit: 'inside' }).webp().toBuffer();
  return {
    type,
    sha256: await put(engine, data),
    format: meta.format!,
    width: meta.width!,
    height: meta.height!,
    bytes: data.length,
    thumbSha256: await put(engine, thumb),
    source: { kind: 'file', id: null },
    ...extra,
  };
}

export interface MadeProduct {
  id: string;
  barcode: string;
  frames: string[];
  reals: string[];
}

/**
 * `count` products, barcodes 4000000000017 + k·10 (valid EAN-13s are not needed: the
 * check digit is waived), each with `frames` frames (with cut-outs) and `reals` real photos.
 */
export async function makeProducts(engine: Engine, count: number, opts: { frames?: number; reals?: number; letterboxedReal?: boolean } = {}): Promise<MadeProduct[]> {
  const { catalog } = engine.use(productsFeature);
  const out: MadeProduct[] = [];
  for (let k = 0; k < count; k++) {
    const barcode = String(40000000000 + k * 10).padStart(13, '0');
    const p = catalog.create({ barcodes: [barcode], allowInvalidCheckDigit: true, brandName: 'Test', productName: `Product ${k}` });
    const images: NewProductImage[] = [];
    for (let f = 0; f < (opts.frames ?? 2); f++) {
      const { frame, cutout } = await frameWithCutout(k * 40 + f * 15, f * 10);
      images.push(await stored(engine, frame, 'synthetic', { cutoutSha256: await put(engine, cutout), frameIndex: f, source: { kind: 'video', id: null } }));
    }
    const frameCount = images.length;
    for (let r = 0; r < (opts.reals ?? 1); r++) images.push(await stored(engine, await shelfPhoto(k + r, opts.letterboxedReal === true && r === 0), 'real', { source: { kind: 'asset', id: null } }));
    const ids = catalog.addImages(p.id, images);
    out.push({ id: p.id, barcode, frames: ids.slice(0, frameCount), reals: ids.slice(frameCount) });
  }
  return out;
}
