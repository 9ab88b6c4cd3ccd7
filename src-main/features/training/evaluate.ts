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

export type EvaluationSource = 'train' | 'valid' | 'gallery';

interface Pick {
  source: EvaluationSource;
  rows: number[];
}

/** Rows of one or more sources, gathered from per-source vectors. */
function gather(picks: readonly Pick[], vectorsOf: (s: EvaluationSource) => Float32Array, labelsOf: (s: EvaluationSource) => Int32Array, dim: number): RecallInput {
  const count = picks.reduce((n, p) => n + p.rows.length, 0);
  const vectors = new Float32Array(count * dim);
  const labels = new Int32Array(count);
  let o = 0;
  for (const p of picks) {
    const v = vectorsOf(p.source);
    const l = labelsOf(p.source);
    for (const r of p.rows) {
      vectors.set(v.subarray(r * dim, (r + 1) * dim), o * dim);
      labels[o++] = l[r]!;
    }
  }
  return { vectors, labels };
}

export interface RetrievalScores {
  /** recall@k of the valid split's real rows against the gallery. */
  recall: Record<string, number>;
  /** recall@k of synthetic rows (any split) whose product has a real photo in the gallery, against the gallery's real rows; null without both. */
  syntheticToReal: Record<string, number> | null;
}

/**
 * Which rows are queries and gallery, fixed once per run; `measure` then needs only one
 * vector array per source (train, valid, and the gallery when it is a set of its own),
 * so each epoch embeds every row once.
 */
export class RetrievalEvaluation {
  private readonly gallery: Pick[];
  private readonly queries: Pick[];
  private readonly syntheticQueries: Pick[];
  private readonly realGallery: Pick[];
  readonly sources: EvaluationSource[];

  constructor(
    private readonly sets: { train: { labels: Int32Array; domains: Uint8Array }; valid: { labels: Int32Array; domains: Uint8Array }; gallery?: { labels: Int32Array; domains: Uint8Array } },
    galleryDomains: readonly number[],
    private readonly ks: readonly number[],
    realDomain: number,
    syntheticDomain: number,
  ) {
    const galleryAll: EvaluationSource = sets.gallery ? 'gallery' : 'train';
    const rowsWhere = (source: EvaluationSource, domains: readonly number[]) => {
      const d = this.set(source).domains;
      const rows: number[] = [];
      for (let i = 0; i < d.length; i++) if (domains.includes(d[i]!)) rows.push(i);
      return rows;
    };
    this.gallery = [{ source: galleryAll, rows: rowsWhere(galleryAll, galleryDomains) }];
    this.queries = [{ source: 'valid', rows: rowsWhere('valid', [realDomain]) }];
    this.realGallery = [{ source: galleryAll, rows: rowsWhere(galleryAll, [realDomain]) }];
    // A synthetic query whose product has no real photo in the gallery cannot be answered
    // (a held-out product's frames): counting it would only lower the figure.
    const galleryLabels = this.set(galleryAll).labels;
    const answerable = new Set(this.realGallery[0]!.rows.map((r) => galleryLabels[r]!));
    const syntheticRows = (source: EvaluationSource) => rowsWhere(source, [syntheticDomain]).filter((r) => answerable.has(this.set(source).labels[r]!));
    this.syntheticQueries = [
      { source: 'train', rows: syntheticRows('train') },
      { source: 'valid', rows: syntheticRows('valid') },
    ];
    const needs = new Set<EvaluationSource>(['valid', galleryAll]);
    if (this.syntheticQueries[0]!.rows.length) needs.add('train');
    this.sources = [...needs];
  }

  private set(source: EvaluationSource) {
    const s = this.sets[source];
    if (!s) throw new Error(`no ${source} set`);
    return s;
  }

  measure(vectorsOf: (source: EvaluationSource) => Float32Array, dim: number): RetrievalScores {
    const labelsOf = (s: EvaluationSource) => this.set(s).labels;
    const score = (gallery: Pick[], queries: Pick[]) => {
      const r = recallAtK(gather(gallery, vectorsOf, labelsOf, dim), gather(queries, vectorsOf, labelsOf, dim), dim, this.ks);
      return Object.fromEntries(this.ks.map((k) => [String(k), r[k]!]));
    };
    const synthetic = this.syntheticQueries.some((p) => p.rows.length);
    return { recall: score(this.gallery, this.queries), syntheticToReal: synthetic ? score(this.realGallery, this.syntheticQueries) : null };
  }
}
