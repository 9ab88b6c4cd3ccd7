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
// This thread only ingests: the store's cheap file operations block it rather than queue on the
// thread pool that sharp's work and the other workers' fsyncs share (see BlobStore).
const store = new BlobStore(dataDir, { blocking: true });

/** A file to ingest, or a warm-up that only proves the worker has started (ImageIngestPool.warm). */
export type IngestRequest = { file: string; options: IngestOptions } | { warm: true };

serveWorker<IngestRequest, IngestResult | null>(async (req) => ('warm' in req ? null : ingestFile(req.file, store, req.options)));
