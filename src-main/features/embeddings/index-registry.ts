/**
 * The library's vector indexes: a row per (scope, model) with its HNSW file (a blob) and
 * its id map (entry rows), and the loaded indexes the engine thread searches. An index
 * is replaced whole when its extraction job commits (new blob, new rows, old blob
 * released), so a search never sees half an update.
 */
import { ContractError, EmbeddingScope, type VectorIndexInfo } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import type { EventBus } from '../../engine/events.js';
import { newId } from '../../engine/ids.js';
import type { BlobCollector } from '../../engine/store/blob-collector.js';
import type { BlobStore } from '../../engine/store/blob-store.js';
import { scopeKey } from './scope-items.js';
import { loadVectorIndex, type SearchHit, type SearchOptions, type VectorIndex } from './vector-index.js';
import { vectorIndexMetaSchema, type VectorIndexRows } from './vector-index-rows.js';

interface IndexRow {
  id: string;
  name: string;
  scope: string;
  scope_key: string;
  model_id: string;
  dim: number;
  blob_sha256: string | null;
  meta: string | null;
  vectors: number;
  failed: number;
  state: VectorIndexInfo['state'];
  job_id: string | null;
  batch_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface IndexRecord extends VectorIndexInfo {
  blobSha256: string | null;
}

function toRecord(r: IndexRow): IndexRecord {
  return {
    id: r.id,
    name: r.name,
    scope: EmbeddingScope.parse(JSON.parse(r.scope)),
    modelId: r.model_id,
    dimension: r.dim,
    vectors: r.vectors,
    failed: r.failed,
    state: r.state,
    jobId: r.job_id,
    batchId: r.batch_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    blobSha256: r.blob_sha256,
  };
}

export function publicInfo(r: IndexRecord): VectorIndexInfo {
  const { blobSha256: _blob, ...info } = r;
  return info;
}

export class IndexRegistry {
  private readonly loaded = new Map<string, { sha256: string; index: Promise<VectorIndex> }>();

  constructor(
    private readonly db: Db,
    private readonly store: BlobStore,
    private readonly blobs: BlobCollector,
    private readonly events: EventBus,
  ) {}

  list(): IndexRecord[] {
    return (this.db.prepare('SELECT * FROM vector_indexes WHERE deleted = 0 ORDER BY created_at, id').all() as IndexRow[]).map(toRecord);
  }

  find(id: string): IndexRecord | null {
    const row = this.db.prepare('SELECT * FROM vector_indexes WHERE id = ? AND deleted = 0').get(id) as IndexRow | undefined;
    return row ? toRecord(row) : null;
  }

  get(id: string): IndexRecord {
    const r = this.find(id);
    if (!r) throw new ContractError('not_found', `no vector index ${id}`);
    return r;
  }

  forScope(scope: EmbeddingScope, modelId: string): IndexRecord | null {
    const row = this.db.prepare('SELECT * FROM vector_indexes WHERE scope_key = ? AND model_id = ? AND deleted = 0').get(scopeKey(scope), modelId) as IndexRow | undefined;
    return row ? toRecord(row) : null;
  }

  create(name: string, scope: EmbeddingScope, modelId: string, dim: number): IndexRecord {
    const existing = this.forScope(scope, modelId);
    if (existing) throw new ContractError('conflict', `index "${existing.name}" already covers this scope for ${modelId}`);
    const id = newId();
    const now = Date.now();
    this.db
      .prepare('INSERT INTO vector_indexes (id, name, scope, scope_key, model_id, dim, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, name, JSON.stringify(scope), scopeKey(scope), modelId, dim, now, now);
    this.changed([id]);
    return this.get(id);
  }

  delete(id: string): boolean {
    const r = this.find(id);
    if (!r) return false;
    this.db.transaction(() => {
      this.db.prepare('UPDATE vector_indexes SET deleted = 1, updated_at = ? WHERE id = ?').run(Date.now(), id);
      this.db.prepare('DELETE FROM vector_index_entries WHERE index_id = ?').run(id);
      if (r.blobSha256) this.blobs.release([r.blobSha256]);
    })();
    this.loaded.delete(id);
    this.changed([id]);
    return true;
  }

  setJob(id: string, jobId: string, batchId: string | null): void {
    this.db.prepare("UPDATE vector_indexes SET job_id = ?, batch_id = ?, state = 'extracting', updated_at = ? WHERE id = ?").run(jobId, batchId, Date.now(), id);
    this.changed([id]);
  }

  setState(id: string, state: VectorIndexInfo['state']): void {
    this.db.prepare('UPDATE vector_indexes SET state = ?, updated_at = ? WHERE id = ? AND deleted = 0').run(state, Date.now(), id);
    this.changed([id]);
  }

  /** The saved index as the vector-index worker takes it (null: never built). */
  savedRows(id: string): { sha256: string; rows: VectorIndexRows } | null {
    const row = this.db.prepare('SELECT blob_sha256, meta FROM vector_indexes WHERE id = ? AND deleted = 0').get(id) as Pick<IndexRow, 'blob_sha256' | 'meta'> | undefined;
    if (!row?.blob_sha256 || !row.meta) return null;
    const entries = this.db.prepare('SELECT label, item_id AS id FROM vector_index_entries WHERE index_id = ? ORDER BY label').all(id) as { label: number; id: string }[];
    return { sha256: row.blob_sha256, rows: { meta: vectorIndexMetaSchema.parse(JSON.parse(row.meta)), entries } };
  }

  /** Item ids in the saved index. */
  itemIds(id: string): Set<string> {
    return new Set(this.db.prepare('SELECT item_id FROM vector_index_entries WHERE index_id = ?').pluck().all(id) as string[]);
  }

  /**
   * Swaps in a saved index (inside the extraction job's commit). A deleted index lets its
   * new blob go at once.
   */
  record(id: string, saved: { sha256: string; rows: VectorIndexRows } | null, failed: number): void {
    const row = this.db.prepare('SELECT blob_sha256, deleted FROM vector_indexes WHERE id = ?').get(id) as { blob_sha256: string | null; deleted: number } | undefined;
    if (!row || row.deleted) {
      if (saved) this.blobs.release([saved.sha256]);
      return;
    }
    const now = Date.now();
    if (saved) {
      this.db
        .prepare("UPDATE vector_indexes SET blob_sha256 = ?, meta = ?, vectors = ?, failed = ?, state = 'ready', updated_at = ? WHERE id = ?")
        .run(saved.sha256, JSON.stringify(saved.rows.meta), saved.rows.entries.length, failed, now, id);
      this.db.prepare('DELETE FROM vector_index_entries WHERE index_id = ?').run(id);
      const insert = this.db.prepare('INSERT INTO vector_index_entries (index_id, label, item_id) VALUES (?, ?, ?)');
      for (const e of saved.rows.entries) insert.run(id, e.label, e.id);
      if (row.blob_sha256 && row.blob_sha256 !== saved.sha256) this.blobs.release([row.blob_sha256]);
    } else {
      this.db.prepare("UPDATE vector_indexes SET failed = ?, state = 'ready', updated_at = ? WHERE id = ?").run(failed, now, id);
    }
    this.changed([id]);
  }

  /** The index as saved now, loaded once per blob (the file is read on libuv's pool). */
  async load(id: string): Promise<VectorIndex | null> {
    const saved = this.savedRows(id);
    if (!saved) return null;
    const cached = this.loaded.get(id);
    if (cached?.sha256 === saved.sha256) return cached.index;
    const index = loadVectorIndex(this.store.pathOf(saved.sha256), saved.rows);
    this.loaded.set(id, { sha256: saved.sha256, index });
    index.catch(() => this.loaded.delete(id));
    return index;
  }

  async search(id: string, query: Float32Array, k: number, opts: SearchOptions = {}): Promise<SearchHit[]> {
    const r = this.get(id);
    if (query.length !== r.dimension) throw new ContractError('invalid_input', `the query has ${query.length} dimensions, the index ${r.dimension}`);
    let norm = 0;
    for (const x of query) norm += x * x;
    if (!(norm > 0)) throw new ContractError('invalid_input', 'the query vector is zero');
    if (Math.abs(norm - 1) > 1e-4) query = query.map((x) => x / Math.sqrt(norm));
    const index = await this.load(id);
    if (!index || index.size === 0) return [];
    const kk = Math.min(k, index.size);
    // hnswlib needs ef ≥ k; a wide candidate list (matching asks for hundreds) costs little.
    return index.search(query, kk, { ...opts, ef: opts.ef ?? Math.max(kk, index.hnswParams.ef) });
  }

  private changed(ids: string[]): void {
    this.events.emit('embeddings.indexesChanged', { ids });
  }
}
