/** Worker thread: decodes, hashes, stores and thumbnails one image per request. */
import { workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { BlobStore } from '../store/blob-store.js';
import { serveWorker } from '../workers/serve-worker.js';
import { ingestFile, type IngestOptions, type IngestResult } from './ingest.js';

// Each worker does one image at a time; libvips' own threads would only fight the other workers.
sharp.concurrency(1);
sharp.cache(false);

const { dataDir } = workerData as { dataDir: string };
const store = new BlobStore(dataDir);

serveWorker<{ file: string; options: IngestOptions }, IngestResult>((req) => ingestFile(req.file, store, req.options));
