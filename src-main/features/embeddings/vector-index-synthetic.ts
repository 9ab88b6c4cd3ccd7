/**
 * Seeded synthetic embeddings with the structure of a product library, for the index's
 * bench and tests when real embeddings are not at hand. Not used by the product.
 *
 * Each vector is L2-normalise(μ + product centre + category variation + noise):
 *   μ                 a shared non-negative direction (pooled ReLU features and colour
 *                     histograms are non-negative, so unrelated images are not orthogonal)
 *   product centre    category centre + a product offset (products nest in categories)
 *   variation         a mix of `variationRank` directions belonging to the category
 *                     (pose, light, background: the low-rank part of real spread)
 *   noise             isotropic, over every dimension
 * plus near-duplicate runs (consecutive video frames, re-shot photos): with probability
 * `duplicateShare` a vector is the previous one plus a little noise.
 * Squared norms set the expected cosines: unrelated ≈ mean², same category ≈ mean² +
 * category², same product ≈ that + product²; the defaults give ≈ 0.30 / 0.45 / 0.75.
 */

export interface ClusteredSpec {
  dim: number;
  products?: number;
  categories?: number;
  seed?: number;
  variationRank?: number;
  /** Squared norms of the parts, before normalisation (defaults sum to 1). */
  meanSq?: number;
  categorySq?: number;
  productSq?: number;
  variationSq?: number;
  noiseSq?: number;
  duplicateShare?: number;
  duplicateNoiseSq?: number;
}

export interface ClusteredSample {
  vectors: Float32Array;
  product: Int32Array;
  category: Int32Array;
}

/** mulberry32: a small, fast, seedable PRNG (Math.random cannot be seeded). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviates by Box-Muller, both halves used. */
export function seededGaussian(seed: number): () => number {
  const u = seededRandom(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const theta = 2 * Math.PI * u();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

export class ClusteredVectors {
  readonly dim: number;
  readonly products: number;
  readonly categories: number;
  private readonly spec: Required<ClusteredSpec>;
  private readonly mean: Float32Array;
  private readonly productCentres: Float32Array;
  private readonly productCategory: Int32Array;
  private readonly variation: Float32Array;

  constructor(spec: ClusteredSpec) {
    this.spec = {
      products: 2000,
      categories: 50,
      seed: 1,
      variationRank: 16,
      meanSq: 0.3,
      categorySq: 0.15,
      productSq: 0.3,
      variationSq: 0.15,
      noiseSq: 0.1,
      duplicateShare: 0.1,
      duplicateNoiseSq: 0.02,
      ...spec,
    };
    const { dim, products, categories, variationRank: rank, seed } = this.spec;
    this.dim = dim;
    this.products = products;
    this.categories = categories;
    const g = seededGaussian(seed);
    this.mean = new Float32Array(dim);
    for (let i = 0; i < dim; i++) this.mean[i] = Math.abs(g());
    scaleTo(this.mean, 0, dim, Math.sqrt(this.spec.meanSq));
    const catCentres = randomRows(g, categories, dim, Math.sqrt(this.spec.categorySq));
    this.productCentres = randomRows(g, products, dim, Math.sqrt(this.spec.productSq));
    this.productCategory = new Int32Array(products);
    for (let p = 0; p < products; p++) {
      const c = p % categories;
      this.productCategory[p] = c;
      for (let i = 0; i < dim; i++) this.productCentres[p * dim + i]! += catCentres[c * dim + i]!;
    }
    this.variation = randomRows(g, categories * rank, dim, 1);
  }

  /** `count` vectors of random products; `seed` picks the sample (same seed, same vectors). */
  sample(count: number, seed: number): ClusteredSample {
    const { dim, spec } = this;
    const rank = spec.variationRank;
    const u = seededRandom(seed);
    const g = seededGaussian(seed ^ 0x9e3779b9);
    const vectors = new Float32Array(count * dim);
    const product = new Int32Array(count);
    const category = new Int32Array(count);
    const varScale = Math.sqrt(spec.variationSq / rank);
    const noiseScale = Math.sqrt(spec.noiseSq / dim);
    const dupScale = Math.sqrt(spec.duplicateNoiseSq / dim);
    const coef = new Float64Array(rank);
    for (let n = 0; n < count; n++) {
      const o = n * dim;
      if (n > 0 && u() < spec.duplicateShare) {
        product[n] = product[n - 1]!;
        category[n] = category[n - 1]!;
        for (let i = 0; i < dim; i++) vectors[o + i] = vectors[o - dim + i]! + g() * dupScale;
      } else {
        const p = Math.floor(u() * this.products);
        const c = this.productCategory[p]!;
        product[n] = p;
        category[n] = c;
        for (let j = 0; j < rank; j++) coef[j] = g() * varScale;
        const po = p * dim;
        for (let i = 0; i < dim; i++) vectors[o + i] = this.mean[i]! + this.productCentres[po + i]! + g() * noiseScale;
        for (let j = 0; j < rank; j++) {
          const vo = (c * rank + j) * dim;
          const a = coef[j]!;
          for (let i = 0; i < dim; i++) vectors[o + i]! += a * this.variation[vo + i]!;
        }
      }
      scaleTo(vectors, o, dim, 1);
    }
    return { vectors, product, category };
  }
}

function randomRows(g: () => number, rows: number, dim: number, norm: number): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < dim; i++) out[r * dim + i] = g();
    scaleTo(out, r * dim, dim, norm);
  }
  return out;
}

function scaleTo(v: Float32Array, offset: number, dim: number, norm: number): void {
  let s = 0;
  for (let i = 0; i < dim; i++) s += v[offset + i]! * v[offset + i]!;
  const f = norm / Math.sqrt(s);
  for (let i = 0; i < dim; i++) v[offset + i]! *= f;
}
