/**
 * Exact (brute-force) k-nearest-neighbour search by inner product over a row-major
 * Float32Array. Written by hand because the only native peer installed (usearch) is a
 * dev dependency and hnswlib-node's BruteforceSearch would need every vector copied
 * through a JS array (≈1 ms each); plain loops over one typed array, unrolled and blocked
 * four queries at a time, keep this within a small factor of memory bandwidth in V8.
 * Pure functions of their inputs, so they run the same in a worker thread.
 */

export interface ExactHit {
  row: number;
  score: number;
}

/** A k-best list kept sorted (best first); k is small (tens), so insertion beats a heap. */
class TopK {
  readonly rows: Int32Array;
  readonly scores: Float64Array;
  size = 0;
  /** Score a candidate must beat to enter once the list is full. */
  floor = -Infinity;

  constructor(readonly k: number) {
    this.rows = new Int32Array(k);
    this.scores = new Float64Array(k);
  }

  offer(row: number, score: number): void {
    if (score <= this.floor) return;
    // Equal scores keep the earlier row first, so results do not depend on blocking.
    let i = this.size < this.k ? this.size : this.k - 1;
    while (i > 0 && this.scores[i - 1]! < score) {
      this.scores[i] = this.scores[i - 1]!;
      this.rows[i] = this.rows[i - 1]!;
      i--;
    }
    this.scores[i] = score;
    this.rows[i] = row;
    if (this.size < this.k) this.size++;
    if (this.size === this.k) this.floor = this.scores[this.k - 1]!;
  }

  hits(): ExactHit[] {
    const out: ExactHit[] = [];
    for (let i = 0; i < this.size; i++) out.push({ row: this.rows[i]!, score: this.scores[i]! });
    return out;
  }
}

/** Inner product of `a[ao .. ao+dim)` and `b[bo .. bo+dim)`, eight accumulators for ILP. */
export function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  let j = 0;
  for (; j + 7 < dim; j += 8) {
    const x = ao + j;
    const y = bo + j;
    s0 += a[x]! * b[y]!;
    s1 += a[x + 1]! * b[y + 1]!;
    s2 += a[x + 2]! * b[y + 2]!;
    s3 += a[x + 3]! * b[y + 3]!;
    s4 += a[x + 4]! * b[y + 4]!;
    s5 += a[x + 5]! * b[y + 5]!;
    s6 += a[x + 6]! * b[y + 6]!;
    s7 += a[x + 7]! * b[y + 7]!;
  }
  for (; j < dim; j++) s0 += a[ao + j]! * b[bo + j]!;
  return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
}

/**
 * The k rows of `matrix` (the first `count` rows of `dim` floats) with the largest inner
 * product with `query`, best first; `allow(row)` false skips a row.
 */
export function exactTopK(
  matrix: Float32Array,
  dim: number,
  count: number,
  query: Float32Array,
  k: number,
  allow?: (row: number) => boolean,
): ExactHit[] {
  checkShapes(matrix, dim, count, query, 1);
  if (k <= 0 || count === 0) return [];
  const top = new TopK(Math.min(k, count));
  for (let r = 0, o = 0; r < count; r++, o += dim) {
    if (allow && !allow(r)) continue;
    top.offer(r, dot(matrix, o, query, 0, dim));
  }
  return top.hits();
}

/**
 * `exactTopK` for many queries (row-major in `queries`). Four queries share each pass
 * over a matrix row, so the matrix streams through the cache a quarter as often and each
 * loaded element feeds four products.
 */
export function exactTopKBatch(
  matrix: Float32Array,
  dim: number,
  count: number,
  queries: Float32Array,
  k: number,
  allow?: (row: number) => boolean,
): ExactHit[][] {
  const nq = queries.length / dim;
  checkShapes(matrix, dim, count, queries, nq);
  const results: ExactHit[][] = [];
  if (k <= 0 || count === 0) return Array.from({ length: nq }, () => []);
  const kk = Math.min(k, count);
  let q = 0;
  for (; q + 3 < nq; q += 4) {
    const t0 = new TopK(kk), t1 = new TopK(kk), t2 = new TopK(kk), t3 = new TopK(kk);
    const b0 = q * dim, b1 = b0 + dim, b2 = b1 + dim, b3 = b2 + dim;
    for (let r = 0, o = 0; r < count; r++, o += dim) {
      if (allow && !allow(r)) continue;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < dim; j++) {
        const v = matrix[o + j]!;
        s0 += v * queries[b0 + j]!;
        s1 += v * queries[b1 + j]!;
        s2 += v * queries[b2 + j]!;
        s3 += v * queries[b3 + j]!;
      }
      t0.offer(r, s0);
      t1.offer(r, s1);
      t2.offer(r, s2);
      t3.offer(r, s3);
    }
    results.push(t0.hits(), t1.hits(), t2.hits(), t3.hits());
  }
  for (; q < nq; q++) results.push(exactTopK(matrix, dim, count, queries.subarray(q * dim, (q + 1) * dim), k, allow));
  return results;
}

function checkShapes(matrix: Float32Array, dim: number, count: number, queries: Float32Array, nq: number): void {
  if (!Number.isInteger(dim) || dim <= 0) throw new Error(`dimension must be a positive integer, got ${dim}`);
  if (count * dim > matrix.length) throw new Error(`${count} rows of ${dim} need ${count * dim} floats, the matrix has ${matrix.length}`);
  if (!Number.isInteger(nq) || queries.length !== nq * dim) throw new Error(`queries hold ${queries.length} floats, not a whole number of ${dim}-dimensional vectors`);
}
