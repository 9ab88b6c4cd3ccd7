import path from 'node:path';
import { WorkerPool } from '../../engine/workers/pool.js';
import type { IndexJobProgress, IndexJobRequest, IndexJobResult } from './vector-index-job.js';

/**
 * The engine side of vector-index-worker.ts: sends build/update requests to a worker
 * thread (vectors are transferred, not copied) and resolves with the saved blob's sha256
 * and rows. Load the result with `loadVectorIndex(store.pathOf(sha256), rows)`.
 * One worker: builds are single-threaded in hnswlib-node and two at once would only
 * double the memory.
 */
export class VectorIndexWorkers {
  private readonly pool: WorkerPool<IndexJobRequest, IndexJobResult, IndexJobProgress>;

  constructor(dataDir: string) {
    const ext = path.extname(new URL(import.meta.url).pathname);
    this.pool = new WorkerPool(new URL(`./vector-index-worker${ext}`, import.meta.url), { size: 1, name: 'vector-index', workerData: { dataDir } });
  }

  run(request: IndexJobRequest, opts: { onProgress?: (p: IndexJobProgress) => void; signal?: AbortSignal; kill?: AbortSignal } = {}): Promise<IndexJobResult> {
    const vectors = request.kind === 'build' ? request.vectors : request.upsert?.vectors;
    // A subarray shares its buffer with other data; only a whole buffer can be moved.
    const transfer = vectors && vectors.byteOffset === 0 && vectors.byteLength === vectors.buffer.byteLength ? [vectors.buffer as ArrayBuffer] : [];
    return this.pool.run(request, { ...opts, transfer });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
