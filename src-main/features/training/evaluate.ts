/**
 * Retrieval recall@k: a query counts as found at k when one of its k most similar
 * gallery rows (cosine similarity of L2-normalised vectors) has the query's label.
 * The same measure the embedder bench reports, so before/after figures compare.
 */
import * as tf from '@tensorflow/tfjs';

export interface RecallInput {
  /** L2-normalised rows. */
  vectors: Float32Array;
  labels: Int32Array;
}

export function recallAtK(gallery: RecallInput, queries: RecallInput, dim: number, ks: readonly number[]): Record<number, number> {
  const galleryRows = gallery.labels.length;
  const queryRows = queries.labels.length;
  const result: Record<number, number> = {};
  if (queryRows === 0 || galleryRows === 0) {
    for (const k of ks) result[k] = Number.NaN;
    return result;
  }
  const kMax = Math.min(Math.max(...ks), galleryRows);
  const hits = new Map<number, number>(ks.map((k) => [k, 0]));
  const galleryT = tf.tidy(() => tf.transpose(tf.tensor2d(gallery.vectors, [galleryRows, dim])));
  try {
    const chunk = 256;
    for (let q = 0; q < queryRows; q += chunk) {
      const n = Math.min(chunk, queryRows - q);
      const top = tf.tidy(() => {
        const sims = tf.matMul(tf.tensor2d(queries.vectors.subarray(q * dim, (q + n) * dim), [n, dim]), galleryT);
        return tf.topk(sims, kMax).indices.dataSync();
      });
      for (let i = 0; i < n; i++) {
        const label = queries.labels[q + i]!;
        let firstHit = Infinity;
        for (let j = 0; j < kMax; j++) {
          if (gallery.labels[top[i * kMax + j]!] === label) {
            firstHit = j;
            break;
          }
        }
        for (const k of ks) if (firstHit < k) hits.set(k, hits.get(k)! + 1);
      }
    }
  } finally {
    galleryT.dispose();
  }
  for (const k of ks) result[k] = hits.get(k)! / queryRows;
  return result;
}
