/**
 * Extraction: images of a scope → vectors of a model → the scope's index. The work runs
 * in the extract job (jobs/extract-job.ts); this class also embeds a few images on demand
 * (a product's frames for matching, a query image) with the same storage rules.
 */
import { setMaxListeners } from 'node:events';
import { ContractError, type ExtractInput, ExtractInput as ExtractInputSchema, type VectorIndexInfo } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import type { Queue } from '../../engine/queue/queue.js';
import type { CommitContext, JobContext } from '../../engine/queue/types.js';
import type { BlobStore } from '../../engine/store/blob-store.js';
import type { Embedders } from './embedders.js';
import { EmbeddingInputError, type EmbedderHandle, type ImageEmbedder } from './image-embedder.js';
import { publicInfo, type IndexRegistry } from './index-registry.js';
import { embeddingsBatch, extractJob, type ExtractPayload, type ExtractResult, type ExtractServices, type ExtractStage } from './jobs/extract-job.js';
import { scopeItems, type DatasetMembers, type ScopeItem } from './scope-items.js';
import type { VectorIndexWorkers } from './vector-index-workers.js';
import type { VectorStore } from './vector-store.js';

/** Images per model request: enough to keep the inference worker busy, small enough for fine progress. */
const CHUNK = 8;

export interface EmbedItemsResult {
  vectors: Map<string, Float32Array>;
  failures: { id: string; sha256: string; errorCode: string; message: string }[];
  embedded: number;
}

export class Extraction implements ExtractServices {
  constructor(
    private readonly deps: {
      db: Db;
      store: BlobStore;
      queue: Queue;
      embedder: ImageEmbedder;
      embedders: Embedders;
      registry: IndexRegistry;
      vectors: VectorStore;
      indexWorkers: VectorIndexWorkers;
      datasetMembers: DatasetMembers;
      /** A dataset's name (an index is named after what it covers). */
      datasetName: (datasetId: string) => string;
    },
  ) {}

  /** Starts (or finds) the extraction of a scope into its index. */
  extract(raw: ExtractInput): { index: VectorIndexInfo; jobId: string; batchId: string | null; existing: boolean } {
    const parsed = ExtractInputSchema.parse(raw);
    const input = { ...parsed, modelId: parsed.modelId ?? this.deps.embedders.activeId() };
    const { registry } = this.deps;
    // A dataset that is gone is refused now rather than by the job.
    if (input.scope.kind === 'dataset') this.deps.datasetMembers(input.scope.datasetId);
    this.deps.embedders.assertInstalled(input.modelId);
    const dim = this.deps.embedders.dimension(input.modelId);
    let index = input.indexId ? registry.get(input.indexId) : registry.forScope(input.scope, input.modelId);
    if (index && input.indexId && (index.modelId !== input.modelId || JSON.stringify(index.scope) !== JSON.stringify(input.scope))) {
      throw new ContractError('invalid_input', `index ${index.name} covers another scope or model`);
    }
    if (index && input.newIndexName && !input.indexId) throw new ContractError('conflict', `index "${index.name}" already covers this scope for ${input.modelId}`);
    index ??= registry.create(input.newIndexName ?? this.defaultName(input.scope), input.scope, input.modelId, dim);
    return this.start(index.id, false);
  }

  /** An index is named after what it covers unless the user names it. */
  private defaultName(scope: ExtractInput['scope']): string {
    if (scope.kind === 'library') return 'Library';
    if (scope.kind === 'productSet') return `${scope.productIds.length} products`;
    if (scope.kind === 'dataset') return this.deps.datasetName(scope.datasetId);
    return (this.deps.db.prepare('SELECT name FROM projects WHERE id = ?').pluck().get(scope.projectId) as string | undefined) ?? 'Project images';
  }

  rebuild(indexId: string): { index: VectorIndexInfo; jobId: string } {
    const r = this.start(indexId, true);
    return { index: r.index, jobId: r.jobId };
  }

  private start(indexId: string, rebuild: boolean): { index: VectorIndexInfo; jobId: string; batchId: string | null; existing: boolean } {
    const { registry, queue } = this.deps;
    const index = registry.get(indexId);
    if (index.jobId && index.state === 'extracting') {
      const job = queue.get(index.jobId);
      if (job.state === 'pending' || job.state === 'running' || job.state === 'paused') return { index: publicInfo(index), jobId: job.id, batchId: index.batchId, existing: true };
    }
    const batchId = queue.createBatch(embeddingsBatch, { label: index.name, projectId: index.scope.kind === 'project' ? index.scope.projectId : null });
    const payload: ExtractPayload = { indexId, rebuild };
    const { id } = queue.enqueue(extractJob, payload, { batchId, label: index.name, projectId: index.scope.kind === 'project' ? index.scope.projectId : null });
    registry.setJob(indexId, id, batchId);
    return { index: publicInfo(registry.get(indexId)), jobId: id, batchId, existing: false };
  }

  async work(payload: ExtractPayload, ctx: JobContext<unknown, ExtractStage>): Promise<ExtractResult> {
    const { registry, db, indexWorkers } = this.deps;
    const index = registry.find(payload.indexId);
    if (!index) throw Object.assign(new Error(`vector index ${payload.indexId} was deleted`), { errorCode: 'not_found' });
    const items = scopeItems(db, index.scope, this.deps.datasetMembers);
    ctx.progress('embedding', 0);
    const handle = await this.deps.embedders.handle(index.modelId);
    const embedded = await this.embedMissing(handle, items, ctx.signal, (done, total) => ctx.progress('embedding', total ? (100 * done) / total : 100));

    ctx.progress('indexing', 0);
    const present: ScopeItem[] = [];
    let failed = 0;
    for (const it of items) {
      if (this.deps.vectors.has(index.modelId, it.sha256)) present.push(it);
      else failed++;
    }
    const base = payload.rebuild ? null : registry.savedRows(index.id);
    const onProgress = (p: { phase: string; done: number; total: number }) => ctx.progress('indexing', p.total ? (100 * p.done) / p.total : null);
    const opts = { onProgress, signal: ctx.signal, kill: ctx.stopSignal };
    let saved: ExtractResult['saved'];
    if (base) {
      const inIndex = new Set(base.rows.entries.map((e) => e.id));
      const wanted = new Set(present.map((p) => p.id));
      const add = present.filter((p) => !inIndex.has(p.id));
      const remove = [...inIndex].filter((id) => !wanted.has(id));
      if (add.length === 0 && remove.length === 0) saved = null;
      else {
        const r = await indexWorkers.run({ kind: 'update', base, upsert: add.length ? { ids: add.map((a) => a.id), vectors: this.matrix(index.modelId, index.dimension, add) } : undefined, remove }, opts);
        saved = { sha256: r.sha256, rows: r.rows };
      }
    } else {
      const r = await indexWorkers.run(
        { kind: 'build', scope: scopeLabel(index.scope), modelId: index.modelId, dim: index.dimension, ids: present.map((p) => p.id), vectors: this.matrix(index.modelId, index.dimension, present) },
        opts,
      );
      saved = { sha256: r.sha256, rows: r.rows };
    }
    ctx.progress('indexing', 100);
    return { indexId: index.id, total: items.length, embedded, failed, saved };
  }

  record(_ctx: CommitContext<unknown>, result: ExtractResult): void {
    this.deps.registry.record(result.indexId, result.saved, result.failed);
  }

  items(scope: ExtractInput['scope']): ScopeItem[] {
    return scopeItems(this.deps.db, scope, this.deps.datasetMembers);
  }

  /**
   * Whether a saved index is behind its scope: an item it lacks that its model has not
   * failed on (an image imported, moved in or changed since). Counting is not enough: a
   * delete plus an import leaves the count as it was and the index stale.
   */
  isBehind(index: { id: string; scope: ExtractInput['scope']; modelId: string; state: string; vectors: number; failed: number }): boolean {
    if (index.state !== 'ready') return true;
    const items = this.items(index.scope);
    if (index.vectors + index.failed < items.length) return true;
    const indexed = this.deps.registry.itemIds(index.id);
    return items.some((it) => !indexed.has(it.id) && !this.deps.vectors.failure(index.modelId, it.sha256));
  }

  /** Images of an index's scope that its model cannot embed, with the reason. */
  failures(indexId: string): { id: string; errorCode: string; message: string }[] {
    const index = this.deps.registry.get(indexId);
    const out: { id: string; errorCode: string; message: string }[] = [];
    for (const it of this.items(index.scope)) {
      const f = this.deps.vectors.failure(index.modelId, it.sha256);
      if (f) out.push({ id: it.id, errorCode: f.errorCode, message: f.message });
    }
    return out;
  }

  /** Marks indexes whose extraction ended without a commit (failed or cancelled). */
  settle(): void {
    const { registry, queue } = this.deps;
    for (const r of registry.list()) {
      if (r.state !== 'extracting' || !r.jobId) continue;
      const state = queue.get(r.jobId).state;
      if (state === 'failed' || state === 'cancelled') registry.setState(r.id, r.blobSha256 ? 'ready' : 'failed');
    }
  }

  /**
   * Vectors of these images for the model, embedding (and storing) the ones that have
   * none. Images that cannot be embedded are listed, never given a vector.
   */
  async embedItems(modelId: string, items: readonly ScopeItem[], signal?: AbortSignal, progress?: (done: number, total: number) => void): Promise<EmbedItemsResult> {
    const handle = await this.deps.embedders.handle(modelId);
    const embedded = await this.embedMissing(handle, items, signal, progress);
    const vectors = new Map<string, Float32Array>();
    const failures: EmbedItemsResult['failures'] = [];
    for (const it of items) {
      const v = this.deps.vectors.get(modelId, it.sha256);
      if (v) vectors.set(it.id, v);
      else {
        const f = this.deps.vectors.failure(modelId, it.sha256);
        failures.push({ id: it.id, sha256: it.sha256, errorCode: f?.errorCode ?? 'image_unreadable', message: f?.message ?? 'not embedded' });
      }
    }
    return { vectors, failures, embedded };
  }

  /** Embeds the distinct bytes without a vector; returns how many were embedded. */
  private async embedMissing(handle: EmbedderHandle, items: readonly ScopeItem[], signal?: AbortSignal, progress?: (done: number, total: number) => void): Promise<number> {
    const { vectors } = this.deps;
    const todo = [...new Set(items.map((i) => i.sha256))].filter((sha) => !vectors.has(handle.id, sha));
    if (handle.head && todo.length) return this.embedThroughHead(handle, handle.head, todo, signal, progress);
    let done = 0;
    let embedded = 0;
    for (let i = 0; i < todo.length; i += CHUNK) {
      signal?.throwIfAborted();
      const chunk = todo.slice(i, i + CHUNK);
      // A signal per chunk: the worker pools leave one abort listener per request on the
      // signal they are given, so the job's own signal would collect one per image.
      const chunkAbort = new AbortController();
      setMaxListeners(64, chunkAbort.signal);
      const forward = () => chunkAbort.abort(signal?.reason);
      signal?.addEventListener('abort', forward, { once: true });
      let rows: { sha256: string; vector: Float32Array }[];
      try {
        rows = await this.embedChunk(handle, chunk, chunkAbort.signal);
      } finally {
        signal?.removeEventListener('abort', forward);
      }
      vectors.putMany(handle.id, rows);
      embedded += rows.length;
      done += chunk.length;
      progress?.(done, todo.length);
    }
    return embedded;
  }

  /**
   * A trained head's vectors: its parent embedder's (cached like any model's, so images
   * the parent already embedded, for instance while training, are not decoded again)
   * through the head. An image the parent cannot embed fails for the head with its reason.
   */
  private async embedThroughHead(handle: EmbedderHandle, head: NonNullable<EmbedderHandle['head']>, todo: string[], signal?: AbortSignal, progress?: (done: number, total: number) => void): Promise<number> {
    const { vectors } = this.deps;
    const parent = head.parent;
    await this.embedMissing(parent, todo.map((sha256) => ({ id: sha256, sha256 })), signal, progress);
    const rows: { sha256: string; vector: Float32Array }[] = [];
    for (const sha256 of todo) {
      const v = vectors.get(parent.id, sha256);
      if (v) rows.push({ sha256, vector: head.apply(v) });
      else {
        const f = vectors.failure(parent.id, sha256);
        vectors.fail(handle.id, { sha256, errorCode: f?.errorCode ?? 'image_unreadable', message: f?.message ?? `${parent.id} could not embed it` });
      }
    }
    vectors.putMany(handle.id, rows);
    return rows.length;
  }

  /** One model request for the chunk; when an image in it cannot be read, one at a time so only that one is left out. */
  private async embedChunk(handle: EmbedderHandle, shas: string[], signal?: AbortSignal): Promise<{ sha256: string; vector: Float32Array }[]> {
    const { embedder, store, vectors } = this.deps;
    const D = handle.spec.dimension;
    try {
      const out = await embedder.embed(handle, shas.map((s) => store.pathOf(s)), { batchSize: CHUNK, signal });
      return shas.map((sha256, k) => ({ sha256, vector: out.slice(k * D, (k + 1) * D) }));
    } catch (err) {
      if (!(err instanceof EmbeddingInputError) || shas.length === 1) {
        if (err instanceof EmbeddingInputError) {
          vectors.fail(handle.id, { sha256: shas[0]!, errorCode: err.errorCode, message: err.message });
          return [];
        }
        throw err;
      }
      const rows: { sha256: string; vector: Float32Array }[] = [];
      for (const sha of shas) rows.push(...(await this.embedChunk(handle, [sha], signal)));
      return rows;
    }
  }

  private matrix(modelId: string, dim: number, items: readonly ScopeItem[]): Float32Array {
    const m = new Float32Array(items.length * dim);
    items.forEach((it, k) => {
      const v = this.deps.vectors.get(modelId, it.sha256);
      if (!v || v.length !== dim) throw new Error(`vector of ${it.id} is missing or has the wrong dimension`);
      m.set(v, k * dim);
    });
    return m;
  }
}

function scopeLabel(scope: ExtractInput['scope']): string {
  return scope.kind === 'project' ? `project:${scope.projectId}` : scope.kind === 'dataset' ? `dataset:${scope.datasetId}` : scope.kind;
}
