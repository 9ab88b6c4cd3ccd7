/**
 * Near-duplicate groups in a project: two images are linked when their difference hashes
 * are within a few bits (the same picture re-encoded or resized) or when their embeddings
 * are nearly parallel (crops, small edits: the index's nearest neighbours above a cosine
 * threshold); groups are the connected sets. In each group the image to keep is the one
 * with the most pixels (then the first imported); the others are what a reviewer may
 * move to the trash (assets.delete, undoable).
 */
import type { Db } from '../../engine/db/database.js';
import type { BlobStore } from '../../engine/store/blob-store.js';
import type { ImageEmbedder } from './image-embedder.js';
import type { IndexRegistry } from './index-registry.js';
import type { VectorStore } from './vector-store.js';

export const DEFAULT_DUPLICATE_SIMILARITY = 0.95;
export const DEFAULT_HASH_DISTANCE = 8;
/** Neighbours asked of the index per image. */
const NEIGHBOURS = 10;

export interface DuplicateMember {
  id: string;
  fileName: string;
  width: number;
  height: number;
  /** Cosine similarity to the image kept (null when either has no vector). */
  similarity: number | null;
  /** Hamming distance of the difference hashes to the image kept. */
  hashDistance: number | null;
}

export interface DuplicateGroup {
  keep: DuplicateMember;
  others: DuplicateMember[];
}

interface Row {
  id: string;
  sha256: string;
  fileName: string;
  width: number;
  height: number;
  seq: number;
}

export function hammingHex(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  while (x) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

export class NearDuplicates {
  constructor(
    private readonly deps: { db: Db; store: BlobStore; embedder: ImageEmbedder; registry: IndexRegistry; vectors: VectorStore },
  ) {}

  /** Difference hashes of these bytes, computed (in the image worker) and stored when missing. */
  async hashes(shas: readonly string[]): Promise<Map<string, string>> {
    const { db, store, embedder } = this.deps;
    const get = db.prepare('SELECT dhash FROM image_hashes WHERE sha256 = ?').pluck();
    const out = new Map<string, string>();
    const missing: string[] = [];
    for (const sha of new Set(shas)) {
      const h = get.get(sha) as string | undefined;
      if (h) out.set(sha, h);
      else missing.push(sha);
    }
    const made = await embedder.dhash(missing.map((s) => store.pathOf(s)));
    const put = db.prepare('INSERT OR IGNORE INTO image_hashes (sha256, dhash) VALUES (?, ?)');
    db.transaction(() => {
      made.forEach((r, i) => {
        if ('hash' in r) {
          put.run(missing[i]!, r.hash);
          out.set(missing[i]!, r.hash);
        }
      });
    })();
    return out;
  }

  /** Groups of a project's originals; `indexId` is the project's index for `modelId` (vectors linked through it). */
  async groups(projectId: string, indexId: string | null, modelId: string, opts: { similarity?: number; hashDistance?: number } = {}): Promise<DuplicateGroup[]> {
    const similarity = opts.similarity ?? DEFAULT_DUPLICATE_SIMILARITY;
    const maxBits = opts.hashDistance ?? DEFAULT_HASH_DISTANCE;
    const rows = this.deps.db
      .prepare("SELECT id, sha256, file_name AS fileName, width, height, seq FROM assets WHERE project_id = ? AND kind = 'original' AND deleted = 0 ORDER BY seq")
      .all(projectId) as Row[];
    const at = new Map(rows.map((r, i) => [r.id, i]));
    const parent = rows.map((_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
    const link = (a: number, b: number) => {
      const [x, y] = [find(a), find(b)];
      if (x !== y) parent[Math.max(x, y)] = Math.min(x, y);
    };

    // Hashes: all pairs (64-bit compares are cheap; a project of 10,000 is 50 M of them).
    const hashes = await this.hashes(rows.map((r) => r.sha256));
    const bits = rows.map((r) => (hashes.has(r.sha256) ? BigInt(`0x${hashes.get(r.sha256)!}`) : null));
    for (let i = 0; i < rows.length; i++) {
      const a = bits[i];
      if (a === null || a === undefined) continue;
      for (let j = i + 1; j < rows.length; j++) {
        const b = bits[j];
        if (b !== null && b !== undefined && popcount(a ^ b) <= maxBits) link(i, j);
      }
    }
    // Embeddings: each image's nearest neighbours in the index.
    const vector = (r: Row) => this.deps.vectors.get(modelId, r.sha256);
    if (indexId) {
      for (const [i, r] of rows.entries()) {
        const v = vector(r);
        if (!v) continue;
        for (const hit of await this.deps.registry.search(indexId, v, NEIGHBOURS + 1)) {
          const j = at.get(hit.id);
          if (j !== undefined && j !== i && hit.score >= similarity) link(i, j);
        }
      }
    }

    const byRoot = new Map<number, number[]>();
    rows.forEach((_, i) => {
      const root = find(i);
      byRoot.set(root, [...(byRoot.get(root) ?? []), i]);
    });
    const groups: DuplicateGroup[] = [];
    for (const members of byRoot.values()) {
      if (members.length < 2) continue;
      const sorted = members.map((i) => rows[i]!).sort((a, b) => b.width * b.height - a.width * a.height || a.seq - b.seq);
      const keep = sorted[0]!;
      const kv = vector(keep);
      const kh = hashes.get(keep.sha256);
      const member = (r: Row): DuplicateMember => {
        const v = vector(r);
        const h = hashes.get(r.sha256);
        return {
          id: r.id,
          fileName: r.fileName,
          width: r.width,
          height: r.height,
          similarity: kv && v ? dot(kv, v) : null,
          hashDistance: kh && h ? hammingHex(kh, h) : null,
        };
      };
      groups.push({ keep: member(keep), others: sorted.slice(1).map(member) });
    }
    return groups.sort((a, b) => b.others.length - a.others.length || a.keep.fileName.localeCompare(b.keep.fileName));
  }
}

function popcount(x: bigint): number {
  let n = 0;
  while (x) {
    x &= x - 1n;
    n++;
  }
  return n;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
