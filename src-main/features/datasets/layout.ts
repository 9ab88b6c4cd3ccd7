/**
 * The layout external PyTorch trainers read (an ImageFolder per split):
 *
 *   {split}/{barcode}/frame_NNNN.png              a product's video frames (synthetic)
 *   {split}/{barcode}/syn_{stem}_{NNN}.jpg        augmented from frame {stem}
 *   {split}/{barcode}/real/{name}                 its real (shelf) photos
 *   {split}/{barcode}/real/{stem}_aug_{NNN}.jpg   augmented from real photo {stem}
 *   augmentation_report.json, dataset.json        the last run's report; the manifest
 *
 * A product without a barcode gets its id as the folder name.
 */
import type { ProductImage, Split } from '../../../src-shared/contract/index.js';
import { portableKey, portableName } from '../../engine/zip/portable-name.js';

export const MANIFEST = 'dataset.json';
export const MANIFEST_FORMAT = 'atolye-dataset';

/** What augmentation records in an augmented image's meta (products' `meta.augmentation`). */
export interface AugmentOrigin {
  kind: 'synthetic' | 'real';
  sourceImageId: string;
  index: number;
}

export function originOf(meta: Record<string, unknown>): AugmentOrigin | null {
  const a = meta['augmentation'] as Partial<AugmentOrigin> | undefined;
  if (!a || (a.kind !== 'synthetic' && a.kind !== 'real') || typeof a.sourceImageId !== 'string' || typeof a.index !== 'number') return null;
  return { kind: a.kind, sourceImageId: a.sourceImageId, index: a.index };
}

/** The extensions parseName reads as a real photo. */
const IMAGE_EXT = /\.(png|jpe?g|webp|tiff?|avif|heic)$/i;
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const EXT: Record<string, string> = { jpeg: 'jpg', jpg: 'jpg', png: 'png', webp: 'webp', tiff: 'tif', gif: 'gif', avif: 'avif', heif: 'heic' };
export const extOf = (format: string) => EXT[format] ?? format;

export interface LayoutImage extends Pick<ProductImage, 'id' | 'type' | 'format' | 'frameIndex'> {
  meta: Record<string, unknown>;
}

/** Each image's path inside its product's folder (null: left out, with why). */
export function namesFor(images: readonly LayoutImage[], datasetId: string, sourceOf: (img: LayoutImage) => { kind: string; id: string | null }): Map<string, string> {
  const names = new Map<string, string>();
  const stems = new Map<string, string>();
  const taken = new Set<string>();
  // Names compared as a case-insensitive file system would: "IMG.jpg" and "img.jpg" are one file there.
  const claim = (id: string, name: string) => {
    let n = name;
    for (let k = 2; taken.has(portableKey(n)); k++) n = name.replace(/(\.[^./]+)$/, `-${k}$1`);
    taken.add(portableKey(n));
    names.set(id, n);
  };
  let frame = 0;
  let real = 0;
  for (const img of images) {
    if (img.type === 'synthetic') {
      const stem = `frame_${pad(img.frameIndex ?? frame, 4)}`;
      frame++;
      stems.set(img.id, stem);
      claim(img.id, `${stem}.png`);
    } else if (img.type === 'real') {
      // The photo's own file name where it has one, made portable (a user's "CON.jpg" or
      // "a:b.jpg" would break a folder export on Windows), with an image extension the
      // import reads back (parseName), else a numbered one.
      const fallback = `real_${pad(real, 4)}.${extOf(img.format)}`;
      const given = typeof img.meta['fileName'] === 'string' ? portableName(img.meta['fileName'] as string, fallback) : null;
      const name = given === null ? fallback : IMAGE_EXT.test(given) && !/_aug_\d+\.jpe?g$/i.test(given) ? given : `${given}.${extOf(img.format)}`;
      real++;
      stems.set(img.id, name.replace(/\.[^.]+$/, ''));
      claim(img.id, `real/${name}`);
    }
  }
  for (const img of images) {
    if (img.type !== 'augmented') continue;
    const src = sourceOf(img);
    if (src.kind !== 'dataset' || src.id !== datasetId) continue;
    const origin = originOf(img.meta);
    if (!origin) continue;
    const stem = stems.get(origin.sourceImageId) ?? `source_${origin.sourceImageId.slice(0, 8)}`;
    claim(img.id, origin.kind === 'synthetic' ? `syn_${stem}_${pad(origin.index, 3)}.jpg` : `real/${stem}_aug_${pad(origin.index, 3)}.jpg`);
  }
  return names;
}

/** What a file's name in a product folder says it is. */
export type ParsedName =
  | { type: 'synthetic'; stem: string }
  | { type: 'real'; stem: string }
  | { type: 'augmented'; kind: 'synthetic' | 'real'; sourceStem: string; index: number }
  | null;

export function parseName(rel: string): ParsedName {
  const parts = rel.split('/');
  if (parts.length === 1) {
    const name = parts[0]!;
    const syn = /^syn_(.+)_(\d+)\.jpe?g$/i.exec(name);
    if (syn) return { type: 'augmented', kind: 'synthetic', sourceStem: syn[1]!, index: Number(syn[2]) };
    const frame = /^(frame_\d+)\.(png|jpe?g|webp)$/i.exec(name);
    if (frame) return { type: 'synthetic', stem: frame[1]! };
    return null;
  }
  if (parts.length === 2 && parts[0] === 'real') {
    const name = parts[1]!;
    const aug = /^(.+)_aug_(\d+)\.jpe?g$/i.exec(name);
    if (aug) return { type: 'augmented', kind: 'real', sourceStem: aug[1]!, index: Number(aug[2]) };
    if (IMAGE_EXT.test(name)) return { type: 'real', stem: name.replace(/\.[^.]+$/, '') };
  }
  return null;
}

export interface ManifestProduct {
  folder: string;
  barcode: string | null;
  brandName: string;
  productName: string;
  split: Split;
  files: { path: string; type: ProductImage['type']; origin?: AugmentOrigin & { source: string } }[];
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  name: string;
  description: string;
  splitRatios: { train: number; valid: number; test: number };
  splitSeed: number;
  exportedAt: string;
  counts: Record<Split, number>;
  products: ManifestProduct[];
}
