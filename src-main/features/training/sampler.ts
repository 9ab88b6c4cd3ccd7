/**
 * The domain-aware batch sampler: batches are built from anchor groups. For a product
 * that has both `real` rows (approved photos) and `synthetic` ones (frames, renders,
 * augmentations), the group's pair is, with probability p (0.57), a real anchor with a
 * synthetic positive, which teaches the head to bring the two domains together;
 * otherwise it is two rows of the product. Each group then takes one row from each of
 * the product's hardest neighbour products (by centroid similarity), so confusable
 * products meet in the same batches.
 */
import { DOMAIN, type LabelledFeatures } from './dataset.js';
import type { TrainingConfig } from './config.js';
import type { Rng } from './rng.js';

export type PairKind = 'real-synthetic' | 'same-product';

export interface AnchorGroup {
  product: number;
  kind: PairKind;
  anchor: number;
  positive: number;
  negatives: number[];
}

/** Rows of each product, split by domain. */
export class ProductIndex {
  readonly rowsOf: number[][];
  readonly realOf: number[][];
  readonly syntheticOf: number[][];
  /** Products that have at least one row. */
  readonly products: number[];

  constructor(set: LabelledFeatures, classCount: number) {
    this.rowsOf = Array.from({ length: classCount }, () => []);
    this.realOf = Array.from({ length: classCount }, () => []);
    this.syntheticOf = Array.from({ length: classCount }, () => []);
    for (let i = 0; i < set.labels.length; i++) {
      const c = set.labels[i]!;
      this.rowsOf[c]!.push(i);
      (set.domains[i] === DOMAIN.real ? this.realOf : this.syntheticOf)[c]!.push(i);
    }
    this.products = this.rowsOf.flatMap((rows, c) => (rows.length ? [c] : []));
  }
}

/**
 * For each product, the other products ordered by decreasing centroid cosine similarity,
 * cut to `pool` (top-k). `embeddings` are L2-normalised rows (count × dim).
 */
export function neighbourPools(embeddings: Float32Array, dim: number, index: ProductIndex, pool: number): number[][] {
  const classCount = index.rowsOf.length;
  const centroids = new Float64Array(classCount * dim);
  for (const c of index.products) {
    const rows = index.rowsOf[c]!;
    for (const r of rows) for (let k = 0; k < dim; k++) centroids[c * dim + k]! += embeddings[r * dim + k]!;
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += centroids[c * dim + k]! ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let k = 0; k < dim; k++) centroids[c * dim + k]! *= inv;
  }
  const pools: number[][] = Array.from({ length: classCount }, () => []);
  for (const a of index.products) {
    const scored: [number, number][] = [];
    for (const b of index.products) {
      if (b === a) continue;
      let s = 0;
      for (let k = 0; k < dim; k++) s += centroids[a * dim + k]! * centroids[b * dim + k]!;
      scored.push([b, s]);
    }
    // Ties broken by product id so the order never depends on sort stability details.
    scored.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    pools[a] = scored.slice(0, pool).map(([b]) => b);
  }
  return pools;
}

export class DomainAwareSampler {
  constructor(
    private readonly index: ProductIndex,
    private readonly config: TrainingConfig['sampler'],
  ) {}

  /** One anchor group for `product`, drawing from `rng`. */
  group(product: number, pools: readonly (readonly number[])[], rng: Rng): AnchorGroup {
    const { realOf, syntheticOf, rowsOf } = this.index;
    const real = realOf[product]!;
    const synthetic = syntheticOf[product]!;
    const all = rowsOf[product]!;
    if (all.length === 0) throw new Error(`product ${product} has no training rows`);
    let kind: PairKind = 'same-product';
    let anchor: number;
    let positive: number;
    if (real.length && synthetic.length && rng.next() < this.config.realToSyntheticProbability) {
      kind = 'real-synthetic';
      anchor = rng.pick(real);
      positive = rng.pick(synthetic);
    } else {
      anchor = rng.pick(all);
      // A second, different row when the product has one.
      positive = all.length > 1 ? all[(all.indexOf(anchor) + 1 + rng.int(all.length - 1)) % all.length]! : anchor;
    }
    const pool = pools[product] ?? [];
    const count = Math.min(this.config.hardNegativeProducts, pool.length);
    const chosen = this.config.negativeSelection === 'hardest' ? pool.slice(0, count) : rng.shuffle([...pool]).slice(0, count);
    const negatives = chosen.map((p) => rng.pick(rowsOf[p]!));
    return { product, kind, anchor, positive, negatives };
  }

  /**
   * The batches of one epoch: about as many rows as the training set, anchors cycling
   * through the products in a fresh random order (class-balanced), batches cut at whole
   * groups so a pair and its negatives are never split.
   */
  planEpoch(trainRows: number, batchSize: number, pools: readonly (readonly number[])[], rng: Rng): { batches: Int32Array[]; groups: AnchorGroup[] } {
    const groupSize = 2 + Math.min(this.config.hardNegativeProducts, Math.max(0, this.index.products.length - 1));
    const groupsPerBatch = Math.max(1, Math.floor(batchSize / groupSize));
    const steps = Math.max(1, Math.ceil(trainRows / (groupsPerBatch * groupSize)));
    const batches: Int32Array[] = [];
    const groups: AnchorGroup[] = [];
    let order: number[] = [];
    for (let s = 0; s < steps; s++) {
      const rows: number[] = [];
      for (let g = 0; g < groupsPerBatch; g++) {
        if (order.length === 0) order = rng.shuffle([...this.index.products]);
        const group = this.group(order.pop()!, pools, rng);
        groups.push(group);
        rows.push(group.anchor, group.positive, ...group.negatives);
      }
      batches.push(Int32Array.from(rows));
    }
    return { batches, groups };
  }
}
