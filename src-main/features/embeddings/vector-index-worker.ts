/** Worker thread: builds and updates vector indexes off the engine's event loop (see vector-index-job.ts). */
import { workerData } from 'node:worker_threads';
import { BlobStore } from '../../engine/store/blob-store.js';
import { serveWorker } from '../../engine/workers/serve-worker.js';
import { runIndexJob, type IndexJobProgress, type IndexJobRequest, type IndexJobResult } from './vector-index-job.js';

const store = new BlobStore((workerData as { dataDir: string }).dataDir);

serveWorker<IndexJobRequest, IndexJobResult, IndexJobProgress>((req, progress) => runIndexJob(store, req, progress));
