import path from 'node:path';
import type { BlobStore } from '../../engine/store/blob-store.js';
import { loadVectorIndex, saveVectorIndex, VectorIndex, type HnswParams } from './vector-index.js';
import type { VectorIndexRows } from './vector-index-rows.js';

/**
 * The heavy index work as one request → one saved index: build from vectors, or apply
 * a batch of upserts and removals to a saved index (compacting it when due). Runs in a
 * worker thread (vector-index-worker.ts) because hnswlib's inserts are synchronous native
 * calls: 100,000 vectors of 2,080 dimensions keep a core busy for minutes. The result is
 * a new blob plus its rows; the engine thread stores both and swaps in the loaded index.
 */

export type IndexJobRequest =
  | {
      kind: 'build';
      scope: string;
      modelId: string;
      dim: number;
      hnsw?: Partial<HnswParams>;
      ids: string[];
      /** Row-major, ids.length × dim, L2-normalised. */
      vectors: Float32Array;
    }
  | {
      kind: 'update';
      /** The saved index to start from. */
      base: { sha256: string; rows: VectorIndexRows };
      upsert?: { ids: string[]; vectors: Float32Array };
      remove?: string[];
      /** 'auto' compacts when the deleted share passes the index's threshold. */
      compact?: 'auto' | 'always' | 'never';
      /** Rebuild with these build parameters (ef alone needs no rebuild). */
      hnsw?: Partial<HnswParams>;
    };

export interface IndexJobResult {
  sha256: string;
  bytes: number;
  rows: VectorIndexRows;
  /** Whether the graph was rebuilt (compaction or new parameters). */
  rebuilt: boolean;
  /** Ids asked to be removed that were not in the index. */
  missing: string[];
}

export interface IndexJobProgress {
  phase: 'load' | 'add' | 'rebuild' | 'save';
  done: number;
  total: number;
}

export async function runIndexJob(store: BlobStore, req: IndexJobRequest, progress: (p: IndexJobProgress) => void = () => {}): Promise<IndexJobResult> {
  const scratchDir = path.join(path.dirname(store.root), 'tmp');
  let index: VectorIndex;
  let rebuilt = false;
  const missing: string[] = [];
  if (req.kind === 'build') {
    index = VectorIndex.create({ scope: req.scope, modelId: req.modelId, dim: req.dim, hnsw: req.hnsw, initialCapacity: req.ids.length, scratchDir });
    index.addMany(req.ids, req.vectors, (done, total) => progress({ phase: 'add', done, total }));
  } else {
    progress({ phase: 'load', done: 0, total: 1 });
    index = await loadVectorIndex(store.pathOf(req.base.sha256), req.base.rows, { scratchDir });
    progress({ phase: 'load', done: 1, total: 1 });
    for (const id of req.remove ?? []) if (!index.remove(id)) missing.push(id);
    if (req.upsert) index.addMany(req.upsert.ids, req.upsert.vectors, (done, total) => progress({ phase: 'add', done, total }));
    const { ef, ...build } = req.hnsw ?? {};
    if (ef !== undefined) index.setEf(ef);
    const newBuild = Object.entries(build).some(([k, v]) => v !== undefined && v !== index.hnswParams[k as keyof HnswParams]);
    const compact = req.compact ?? 'auto';
    if (newBuild || compact === 'always' || (compact === 'auto' && index.needsCompaction())) {
      await index.rebuild(build, (done, total) => progress({ phase: 'rebuild', done, total }));
      rebuilt = true;
    }
  }
  progress({ phase: 'save', done: 0, total: 1 });
  const saved = await saveVectorIndex(index, store);
  progress({ phase: 'save', done: 1, total: 1 });
  return { ...saved, rebuilt, missing };
}
