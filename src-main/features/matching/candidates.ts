/**
 * Candidates for a product: the pool's images ranked by similarity to the product's
 * frames (its synthetic images; for a product with none, its approved real images). Each
 * frame queries the pool's vector index for its nearest images; the union is then scored
 * exactly and ranked.
 *
 * The default score (`contrast`) is the cosine to the centroid of the product's unit frame
 * vectors, lowered by CONTRAST_WEIGHT × how far it falls short of the best other product's
 * centroid: score = max(0, own − 3 · max(0, best other − own)). A shelf photo shows one product, so
 * a photo that another product's frames explain better is pushed under the threshold; with
 * no other product the score is the plain centroid cosine. On the grocery protocol
 * (bench:matching: 81 products, frames = iconic + 3 train photos, pool = 296 val photos,
 * offline embedder) it raised precision at the default 0.70 from 14.9% (best frame, `max`,
 * the earlier default) to about 45%, recall from 68% to about 57%; tried and left out:
 * frame mean (54% / 13%), centroid alone (14% / 69%), ½ max + ½ centroid (15% / 69%),
 * scaling by the product's own frame-to-frame similarity (12% / 67%), keeping only the top-k
 * products per photo (top-1: 49% / 42%).
 */
import { ContractError, type CandidatesAnswer, type FrameCombine, type MatchingPool } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import type { EmbeddingsApi } from '../embeddings/public.js';
import type { DecisionLog } from './decisions.js';

/** Nearest images asked of the index per frame: candidates beyond these are not offered. */
export const NEIGHBOURS_PER_FRAME = 1000;

/** How much a shortfall behind the best other product costs (`contrast`): 3 measured best for F1 and precision at 0.70 on the grocery protocol. */
export const CONTRAST_WEIGHT = 3;

/** Competing products' frames embedded on demand per ranking (the rest join once their vectors exist, e.g. from an extraction of the products). */
const COMPETITOR_FRAMES_PER_CALL = 512;

export interface CandidateQuery {
  productId: string;
  pool: MatchingPool;
  threshold: number;
  offset: number;
  limit: number;
  combine: FrameCombine;
  allowShared: boolean;
  /** The embedder to rank with (its pool index is extracted on first use); default: the feature's. */
  modelId?: string;
}

export interface RankedCandidate {
  assetId: string;
  score: number;
}

export class CandidateFinder {
  constructor(
    private readonly db: Db,
    private readonly embeddings: EmbeddingsApi,
    private readonly decisions: DecisionLog,
    /** The model when a query names none: the active embedder, read per query (training.activate may change it). */
    private readonly modelId: () => string,
  ) {}

  async find(q: CandidateQuery): Promise<CandidatesAnswer> {
    const scope = q.pool.kind === 'project' ? { kind: 'project' as const, projectId: q.pool.projectId } : { kind: 'library' as const };
    const modelId = q.modelId ?? this.modelId();
    const index = this.embeddings.indexFor(scope, modelId);
    let updating: string | null = null;
    if (!index || this.embeddings.extraction.isBehind(index)) {
      // Missing or behind its pool: (re)extract; the caller asks again when the job is done.
      updating = this.embeddings.extraction.extract({ scope, modelId }).jobId;
      if (!index || !index.blobSha256) return { state: 'indexing', jobId: updating, items: [], total: 0, best: null, frames: 0, framesFailed: 0 };
    }
    const ranked = await this.rank({ ...q, modelId }, index!.id);
    const page = ranked.items.slice(q.offset, q.offset + q.limit);
    const facts = this.facts(page.map((c) => c.assetId));
    return {
      state: 'ready',
      jobId: updating,
      items: page.flatMap((c) => {
        const f = facts.get(c.assetId);
        return f ? [{ assetId: c.assetId, score: c.score, ...f }] : [];
      }),
      total: ranked.items.length,
      best: ranked.best,
      frames: ranked.frames,
      framesFailed: ranked.framesFailed,
    };
  }

  /** Every candidate at or above the threshold, best first (the bench reads this directly). */
  async rank(q: Omit<CandidateQuery, 'offset' | 'limit' | 'pool'>, indexId: string): Promise<{ items: RankedCandidate[]; best: number | null; frames: number; framesFailed: number }> {
    const modelId = q.modelId ?? this.modelId();
    const images = (type: 'synthetic' | 'real') =>
      this.db
        .prepare('SELECT id, sha256 FROM product_images WHERE product_id = ? AND type = ? AND deleted = 0 ORDER BY frame_index, created_at, id')
        .all(q.productId, type) as { id: string; sha256: string }[];
    // A product without a video has no frames: its approved images (a catalog photo
    // approved by hand, say) stand in for them.
    let frames = images('synthetic');
    if (frames.length === 0) frames = images('real');
    if (frames.length === 0) throw Object.assign(new ContractError('invalid_input', `product ${q.productId} has no frames or approved images to match with`), { errorCode: 'no_frames' });
    const embedded = await this.embeddings.embedItems(modelId, frames);
    const queries = frames.flatMap((f) => embedded.vectors.get(f.id) ?? []);
    if (queries.length === 0) throw new ContractError('invalid_input', `none of product ${q.productId}'s frames can be embedded`);

    const excluded = this.decisions.decidedFor(q.productId);
    if (!q.allowShared) for (const id of this.decisions.takenByOthers(q.productId)) excluded.add(id);
    const union = new Set<string>();
    for (const v of queries) {
      for (const hit of await this.embeddings.search(indexId, v, NEIGHBOURS_PER_FRAME)) if (!excluded.has(hit.id)) union.add(hit.id);
    }
    const shas = this.shas([...union]);
    const items: RankedCandidate[] = [];
    const centroid = unitMean(queries);
    const others = q.combine === 'contrast' ? await this.competitorCentroids(q.productId, modelId) : [];
    // Under the threshold: the centroid cosine (for `contrast`, an upper bound of the score) kept to find the best score.
    const under: { v: Float32Array; bound: number; exact: boolean }[] = [];
    for (const id of union) {
      const v = this.embeddings.vectors.get(modelId, shas.get(id)!);
      if (!v) continue;
      // Contrast only lowers the centroid cosine, so what is under the threshold already stays out unscored.
      const score = q.combine === 'contrast' ? contrast(centroid, others, v, q.threshold) : combine(queries, v, q.combine);
      if (score >= q.threshold) items.push({ assetId: id, score });
      else under.push({ v, bound: score, exact: q.combine !== 'contrast' || dot(centroid, v) >= q.threshold });
    }
    items.sort((a, b) => b.score - a.score || a.assetId.localeCompare(b.assetId));
    return { items, best: items[0]?.score ?? bestUnder(under, (v) => contrast(centroid, others, v)), frames: frames.length, framesFailed: embedded.failures.length };
  }

  /** Frame-set key and centroid per product, reused while its frames stay the same. */
  private readonly centroids = new Map<string, { key: string; centroid: Float32Array }>();

  /**
   * The unit centroids of every other live product's frames (synthetic images, else its
   * real ones), embedding at most COMPETITOR_FRAMES_PER_CALL missing frames per call.
   */
  private async competitorCentroids(productId: string, modelId: string): Promise<Float32Array[]> {
    const rows = this.db
      .prepare(
        `SELECT i.product_id AS productId, i.id, i.sha256, i.type FROM product_images i JOIN products p ON p.id = i.product_id
         WHERE i.deleted = 0 AND p.deleted = 0 AND i.product_id != ? AND i.type IN ('synthetic', 'real') ORDER BY i.product_id, i.frame_index, i.created_at, i.id`,
      )
      .all(productId) as { productId: string; id: string; sha256: string; type: 'synthetic' | 'real' }[];
    const grouped = new Map<string, { synthetic: { id: string; sha256: string }[]; real: { id: string; sha256: string }[] }>();
    for (const r of rows) {
      const g = grouped.get(r.productId) ?? { synthetic: [], real: [] };
      g[r.type].push({ id: r.id, sha256: r.sha256 });
      grouped.set(r.productId, g);
    }
    // A product's approved real images count only when it has no frames (as for the product itself).
    const byProduct = new Map([...grouped].map(([id, g]) => [id, g.synthetic.length ? g.synthetic : g.real]));
    const { vectors } = this.embeddings;
    const missing = [...byProduct.values()].flat().filter((f) => !vectors.has(modelId, f.sha256)).slice(0, COMPETITOR_FRAMES_PER_CALL);
    if (missing.length) await this.embeddings.embedItems(modelId, missing);
    const out: Float32Array[] = [];
    for (const [id, frames] of byProduct) {
      const key = `${modelId}:${frames.map((f) => f.sha256).join(',')}`;
      const cached = this.centroids.get(id);
      if (cached?.key === key) {
        out.push(cached.centroid);
        continue;
      }
      const vs = frames.flatMap((f) => vectors.get(modelId, f.sha256) ?? []);
      if (vs.length === 0) continue;
      const centroid = unitMean(vs);
      if (vs.length === frames.length) this.centroids.set(id, { key, centroid });
      out.push(centroid);
    }
    return out;
  }

  private shas(ids: string[]): Map<string, string> {
    const rows = this.db.prepare('SELECT id, sha256 FROM assets WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as { id: string; sha256: string }[];
    return new Map(rows.map((r) => [r.id, r.sha256]));
  }

  private facts(ids: string[]): Map<string, { projectId: string; fileName: string; width: number; height: number }> {
    const rows = this.db
      .prepare("SELECT id, project_id AS projectId, file_name AS fileName, width, height FROM assets WHERE deleted = 0 AND id IN (SELECT value FROM json_each(?))")
      .all(JSON.stringify(ids)) as { id: string; projectId: string; fileName: string; width: number; height: number }[];
    return new Map(rows.map(({ id, ...f }) => [id, f]));
  }
}

/** The unit-length mean of unit vectors (the direction the frames share). */
export function unitMean(vectors: readonly Float32Array[]): Float32Array {
  const m = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < m.length; i++) m[i]! += v[i]!;
  let n = 0;
  for (let i = 0; i < m.length; i++) n += m[i]! * m[i]!;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < m.length; i++) m[i]! /= n;
  return m;
}

/**
 * The best score among candidates under the threshold, so an empty grid can say how low
 * the threshold must go. Their bounds are exact scores or (for `contrast`, cut short
 * under the threshold) centroid cosines, which the score never exceeds: scored exactly in
 * falling bound order until no bound can beat the best found, so a large pool is not
 * scored in full.
 */
function bestUnder(under: { v: Float32Array; bound: number; exact: boolean }[], score: (v: Float32Array) => number): number | null {
  under.sort((a, b) => b.bound - a.bound);
  let best: number | null = null;
  for (const u of under) {
    if (best !== null && u.bound <= best) break;
    const s = u.exact ? u.bound : score(u.v);
    if (best === null || s > best) best = s;
  }
  return best;
}

function dot(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += a[i]! * b[i]!;
  return d;
}

/**
 * `contrast`: the cosine to the product's centroid, lowered by CONTRAST_WEIGHT × its
 * shortfall behind the best other centroid. Below `floor` already, it is returned as is.
 */
export function contrast(centroid: Float32Array, others: readonly Float32Array[], v: Float32Array, floor = -Infinity): number {
  const own = dot(centroid, v);
  if (own < floor) return own;
  let best = -Infinity;
  for (const o of others) best = Math.max(best, dot(o, v));
  // Not below 0: the score reads as a similarity (the offline embedder's cosines are ≥ 0), and threshold 0 offers everything.
  return Math.max(0, own - CONTRAST_WEIGHT * Math.max(0, best - own));
}

/** Cosine similarity of a unit vector to a set of unit query vectors, combined. */
export function combine(queries: readonly Float32Array[], v: Float32Array, how: 'max' | 'mean'): number {
  let best = -Infinity;
  let sum = 0;
  for (const q of queries) {
    let d = 0;
    for (let i = 0; i < v.length; i++) d += q[i]! * v[i]!;
    if (d > best) best = d;
    sum += d;
  }
  return how === 'max' ? best : sum / queries.length;
}
