/**
 * The gate every vector passes before it reaches an index or a search: the right
 * dimension, finite, and unit length. A zero or garbage vector would sit in the index
 * forever as everybody's (or nobody's) neighbour, so it is refused with the id that
 * carried it; the caller reports that image as failed instead of indexing it.
 */

/** Embedders L2-normalise in float32; anything this far from 1 was not normalised at all. */
export const UNIT_NORM_TOLERANCE = 1e-3;

export type VectorInput = Float32Array | Float64Array | readonly number[];

export class VectorRejectedError extends Error {
  override readonly name = 'VectorRejectedError';
  /** Crosses the worker boundary (serveWorker sends it), so a job can tell bad input from a crash. */
  readonly errorCode = 'vector_rejected';
  constructor(
    readonly id: string,
    readonly reason: string,
  ) {
    super(`vector for ${id} refused: ${reason}`);
  }
}

/**
 * Checks one vector and returns a float32 copy renormalised exactly, so the exact
 * search and HNSW see the same numbers and tiny float drift cannot skew scores.
 * `id` names the vector in the error ("query" for searches).
 */
export function acceptVector(id: string, vector: VectorInput, dim: number): Float32Array {
  if (vector.length !== dim) throw new VectorRejectedError(id, `dimension ${vector.length}, the index holds ${dim}`);
  let sumSq = 0;
  for (let i = 0; i < dim; i++) {
    const x = vector[i]!;
    if (!Number.isFinite(x)) throw new VectorRejectedError(id, `component ${i} is ${x}`);
    sumSq += x * x;
  }
  const norm = Math.sqrt(sumSq);
  if (norm === 0) throw new VectorRejectedError(id, 'zero vector');
  if (Math.abs(norm - 1) > UNIT_NORM_TOLERANCE) throw new VectorRejectedError(id, `norm ${norm.toPrecision(6)}, expected an L2-normalised vector`);
  const out = new Float32Array(dim);
  const inv = 1 / norm;
  for (let i = 0; i < dim; i++) out[i] = vector[i]! * inv;
  return out;
}

/**
 * Checks every row of a row-major matrix before anything is added, so a batch with one
 * bad vector changes nothing; returns the renormalised copy.
 */
export function acceptMatrix(ids: readonly string[], matrix: Float32Array, dim: number): Float32Array {
  if (matrix.length !== ids.length * dim) {
    throw new Error(`matrix holds ${matrix.length} numbers, expected ${ids.length} ids × ${dim} dimensions = ${ids.length * dim}`);
  }
  const out = new Float32Array(matrix.length);
  for (let r = 0; r < ids.length; r++) {
    out.set(acceptVector(ids[r]!, matrix.subarray(r * dim, (r + 1) * dim), dim), r * dim);
  }
  return out;
}

/** L2-normalises in place (for callers that build vectors, e.g. benches); a zero row stays zero. */
export function normaliseRows(matrix: Float32Array, dim: number): Float32Array {
  for (let o = 0; o < matrix.length; o += dim) {
    let s = 0;
    for (let i = 0; i < dim; i++) s += matrix[o + i]! * matrix[o + i]!;
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < dim; i++) matrix[o + i]! *= inv;
  }
  return matrix;
}
