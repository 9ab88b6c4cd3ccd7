/**
 * Candidates for a product: the pool's images ranked by similarity to the product's
 * frames (its synthetic images; for a product with none, its approved real images). Each frame queries the pool's vector index for its
 * nearest images; the union is then scored exactly against every frame and the scores
 * combined — by default the best frame's (`max`: a shelf photo shows the product from one
 * side, which one frame matches; bench:matching measures it against `mean`).
 */
import { ContractError, type CandidatesAnswer, type MatchingPool } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import type { EmbeddingsApi } from '../embeddings/public.js';
import type { DecisionLog } from './decisions.js';

/** Nearest images asked of the index per frame: candidates beyond these are not offered. */
export const NEIGHBOURS_PER_FRAME = 1000;

export interface CandidateQuery {
  productId: string;
  pool: MatchingPool;
  threshold: number;
  offset: number;
  limit: number;
  combine: 'max' | 'mean';
  allowShared: boolean;
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
    private readonly modelId: string,
  ) {}

  async find(q: CandidateQuery): Promise<CandidatesAnswer> {
    const scope = q.pool.kind === 'project' ? { kind: 'project' as const, projectId: q.pool.projectId } : { kind: 'library' as const };
    const index = this.embeddings.indexFor(scope, this.modelId);
    const poolSize = this.poolSize(q.pool);
    let updating: string | null = null;
    if (!index || index.state !== 'ready' || index.vectors + index.failed < poolSize) {
      // Missing or behind its pool: (re)extract; the caller asks again when the job is done.
      updating = this.embeddings.extraction.extract({ scope, modelId: this.modelId }).jobId;
      if (!index || !index.blobSha256) return { state: 'indexing', jobId: updating, items: [], total: 0, frames: 0, framesFailed: 0 };
    }
    const ranked = await this.rank(q, index!.id);
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
      frames: ranked.frames,
      framesFailed: ranked.framesFailed,
    };
  }

  /** Every candidate at or above the threshold, best first (the bench reads this directly). */
  async rank(q: Omit<CandidateQuery, 'offset' | 'limit' | 'pool'>, indexId: string): Promise<{ items: RankedCandidate[]; frames: number; framesFailed: number }> {
    const images = (type: 'synthetic' | 'real') =>
      this.db
        .prepare('SELECT id, sha256 FROM product_images WHERE product_id = ? AND type = ? AND deleted = 0 ORDER BY frame_index, created_at, id')
        .all(q.productId, type) as { id: string; sha256: string }[];
    // A product without a video has no frames: its approved images (a catalog photo
    // approved by hand, say) stand in for them.
    let frames = images('synthetic');
    if (frames.length === 0) frames = images('real');
    if (frames.length === 0) throw Object.assign(new ContractError('invalid_input', `product ${q.productId} has no frames or approved images to match with`), { errorCode: 'no_frames' });
    const embedded = await this.embeddings.embedItems(this.modelId, frames);
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
    for (const id of union) {
      const v = this.embeddings.vectors.get(this.modelId, shas.get(id)!);
      if (!v) continue;
      const score = combine(queries, v, q.combine);
      if (score >= q.threshold) items.push({ assetId: id, score });
    }
    items.sort((a, b) => b.score - a.score || a.assetId.localeCompare(b.assetId));
    return { items, frames: frames.length, framesFailed: embedded.failures.length };
  }

  private poolSize(pool: MatchingPool): number {
    return pool.kind === 'project'
      ? (this.db.prepare("SELECT COUNT(*) FROM assets WHERE project_id = ? AND kind = 'original' AND deleted = 0").pluck().get(pool.projectId) as number)
      : (this.db.prepare("SELECT COUNT(*) FROM assets a JOIN projects p ON p.id = a.project_id WHERE a.kind = 'original' AND a.deleted = 0 AND p.deleted = 0").pluck().get() as number);
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
