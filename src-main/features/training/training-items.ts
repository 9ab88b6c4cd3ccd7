/**
 * Which images a run trains and evaluates on, read from the library when the run starts:
 * the dataset's live member products with their split, and each product's live images
 * with their domain.
 *   real:      approved photos (products' `real` images);
 *   synthetic: frames and renders (`synthetic`), and the augmentations made for this
 *              dataset (`augmented` with source dataset = this one), each in the domain of
 *              what it was made from (a cut-out on a background is synthetic; a variant
 *              of a real photo is real), train split only: valid and test measure on
 *              images as they were captured.
 * Read-only SQL on the products' table (products come before training), as the
 * embeddings feature's scopes do, so a dataset of 100,000 images is one query.
 */
import type { Split, TrainingSplitCounts } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import { originOf, type DatasetMember } from '../datasets/public.js';
import type { DomainName } from './dataset.js';

export interface TrainingItem {
  /** The product image's id. */
  id: string;
  sha256: string;
  productId: string;
  split: Split;
  domain: DomainName;
}

interface ImageRow {
  id: string;
  sha256: string;
  product_id: string;
  type: 'real' | 'synthetic' | 'augmented';
  meta: string;
}

export function trainingItems(db: Db, datasetId: string, members: readonly DatasetMember[]): TrainingItem[] {
  const splitOf = new Map(members.map((m) => [m.productId, m.split]));
  const rows = db
    .prepare(
      `SELECT id, sha256, product_id, type, meta FROM product_images
       WHERE deleted = 0 AND product_id IN (SELECT value FROM json_each(?))
         AND (type IN ('real', 'synthetic') OR (type = 'augmented' AND source_kind = 'dataset' AND source_id = ?))
       ORDER BY product_id, type, created_at, id`,
    )
    .all(JSON.stringify([...splitOf.keys()]), datasetId) as ImageRow[];
  const items: TrainingItem[] = [];
  for (const r of rows) {
    const split = splitOf.get(r.product_id)!;
    let domain: DomainName;
    if (r.type === 'augmented') {
      if (split !== 'train') continue;
      const origin = originOf(parseMeta(r.meta));
      domain = origin?.kind === 'real' ? 'real' : 'synthetic';
    } else domain = r.type;
    items.push({ id: r.id, sha256: r.sha256, productId: r.product_id, split, domain });
  }
  return items;
}

function parseMeta(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Products (with at least one image) and images per split and domain. */
export function countItems(items: readonly TrainingItem[]): TrainingSplitCounts {
  const products = { train: new Set<string>(), valid: new Set<string>(), test: new Set<string>() };
  const images = { train: { real: 0, synthetic: 0 }, valid: { real: 0, synthetic: 0 }, test: { real: 0, synthetic: 0 } };
  for (const it of items) {
    products[it.split].add(it.productId);
    images[it.split][it.domain]++;
  }
  return { products: { train: products.train.size, valid: products.valid.size, test: products.test.size }, images };
}

/**
 * Why a run on these items cannot train or be measured (null: it can). Training needs two
 * products with images in train. Measuring needs a valid product with a real photo (the
 * query) and a synthetic image (its reference in the gallery: valid products are held
 * out of training, so they can only be recognised from their own references).
 */
export function splitProblem(items: readonly TrainingItem[]): { errorCode: 'dataset_empty' | 'split_invalid'; reason: string } | null {
  const counts = countItems(items);
  const total = counts.products.train + counts.products.valid + counts.products.test;
  if (total === 0) return { errorCode: 'dataset_empty', reason: 'the dataset has no product with an image' };
  if (counts.products.train < 2) return { errorCode: 'split_invalid', reason: `the train split needs at least 2 products with images (it has ${counts.products.train})` };
  if (counts.images.valid.real === 0) return { errorCode: 'split_invalid', reason: 'the valid split has no real photo to measure recall on' };
  const validReferences = new Set(items.filter((it) => it.split === 'valid' && it.domain === 'synthetic').map((it) => it.productId));
  if (!items.some((it) => it.split === 'valid' && it.domain === 'real' && validReferences.has(it.productId)))
    return { errorCode: 'split_invalid', reason: 'no valid product has both a real photo and a synthetic image (a frame or catalog image) to recognise it by' };
  return null;
}
