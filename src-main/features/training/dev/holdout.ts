/**
 * Holdouts of the train photos, for choosing a recipe without looking at the val photos:
 * some train photos become queries; the rest (and the synthetic rows) stay gallery and
 * training data, with the views of the kept rows only (no view of a held-out photo leaks
 * into training).
 *
 * - 'interleaved': every 5th photo of each product. Its neighbours in the same capture
 *   sequence are near-duplicates: raw features already find 96 %+, it cannot rank recipes.
 * - 'block': the last fifth of each product's photos in file order; on the grocery set
 *   still the same bins, so the same story (raw 96.6 %).
 * - 'cluster': each product's photos split in two by 2-means on the raw features, the
 *   smaller group held out: photos of another capture condition than the gallery's, as
 *   the val photos (another store) are to the train photos.
 */
import { DOMAIN, rowCount, selectRows, type TrainingData } from '../dataset.js';

export type HoldoutKind = 'interleaved' | 'block' | 'cluster';
export const HOLDOUT_KINDS: readonly HoldoutKind[] = ['interleaved', 'block', 'cluster'];

function cosine(f: Float32Array, dim: number, a: number, b: Float64Array): number {
  let s = 0;
  let n = 0;
  for (let k = 0; k < dim; k++) {
    s += f[a * dim + k]! * b[k]!;
    n += b[k]! ** 2;
  }
  return n > 0 ? s / Math.sqrt(n) : 0;
}

function meanOf(f: Float32Array, dim: number, rows: readonly number[]): Float64Array {
  const m = new Float64Array(dim);
  for (const r of rows) for (let k = 0; k < dim; k++) m[k]! += f[r * dim + k]!;
  return m;
}

/** The smaller of two 2-means groups of `rows` (cosine on L2-normalised rows), deterministic: farthest-point start, 10 rounds. */
export function smallerCluster(f: Float32Array, dim: number, rows: readonly number[]): number[] {
  if (rows.length < 4) return [];
  const centre = meanOf(f, dim, rows);
  const farthestFrom = (m: Float64Array) => rows.reduce((best, r) => (cosine(f, dim, r, m) < cosine(f, dim, best, m) ? r : best), rows[0]!);
  const a0 = farthestFrom(centre);
  const b0 = farthestFrom(meanOf(f, dim, [a0]));
  let ca = meanOf(f, dim, [a0]);
  let cb = meanOf(f, dim, [b0]);
  let groupA: number[] = [];
  let groupB: number[] = [];
  for (let round = 0; round < 10; round++) {
    groupA = rows.filter((r) => cosine(f, dim, r, ca) >= cosine(f, dim, r, cb));
    groupB = rows.filter((r) => cosine(f, dim, r, ca) < cosine(f, dim, r, cb));
    if (!groupA.length || !groupB.length) return [];
    ca = meanOf(f, dim, groupA);
    cb = meanOf(f, dim, groupB);
  }
  const small = groupA.length <= groupB.length ? groupA : groupB;
  return small.length >= 2 ? small : [];
}

export function trainHoldout(data: TrainingData, viewFeatures: readonly Float32Array[], kind: HoldoutKind): { data: TrainingData; viewFeatures: Float32Array[] } {
  const dim = data.train.dimension;
  const photosOf = new Map<number, number[]>();
  for (let i = 0; i < rowCount(data.train); i++) {
    if (data.train.domains[i] !== DOMAIN.real) continue;
    const c = data.train.labels[i]!;
    photosOf.set(c, [...(photosOf.get(c) ?? []), i]);
  }
  const held = new Set<number>();
  for (const rows of photosOf.values()) {
    if (kind === 'cluster') for (const r of smallerCluster(data.train.features, dim, rows)) held.add(r);
    else rows.forEach((r, n) => (kind === 'interleaved' ? n % 5 === 4 : n >= rows.length - Math.round(rows.length / 5)) && held.add(r));
  }
  const keep = [...data.train.labels.keys()].filter((i) => !held.has(i));
  const pick = (f: Float32Array) => {
    const out = new Float32Array(keep.length * dim);
    keep.forEach((r, i) => out.set(f.subarray(r * dim, (r + 1) * dim), i * dim));
    return out;
  };
  return {
    data: { classNames: data.classNames, train: selectRows(data.train, keep), valid: selectRows(data.train, [...held].sort((a, b) => a - b)) },
    viewFeatures: viewFeatures.map(pick),
  };
}
