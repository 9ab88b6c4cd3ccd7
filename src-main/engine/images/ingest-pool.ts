import os from 'node:os';
import path from 'node:path';
import { WorkerPool } from '../workers/pool.js';
import { defaultIngestOptions, type IngestOptions, type IngestResult } from './ingest.js';
import type { IngestRequest } from './ingest-worker.js';

/**
 * Worker threads that turn a file into stored, checked image bytes plus a thumbnail
 * (decode once, sha256, store, 320 px WebP): what import does for each dropped file and
 * any feature does for images it makes (video frames, augmentations). Workers start on
 * first use, so an engine that never ingests pays nothing.
 */
export class ImageIngestPool {
  private readonly pool: WorkerPool<IngestRequest, IngestResult | null>;

  constructor(
    dataDir: string,
    size: number | undefined,
    readonly options: IngestOptions = defaultIngestOptions,
  ) {
    this.pool = new WorkerPool(new URL(`./ingest-worker${path.extname(new URL(import.meta.url).pathname)}`, import.meta.url), {
      // One per core plus one: the engine thread only writes rows, and the extra worker keeps
      // the cores busy while the others wait on fsync (measured: bench:import, docs/benchmarks.md).
      size: size ?? os.availableParallelism() + 1,
      name: 'image-ingest',
      workerData: { dataDir },
    });
  }

  get size(): number {
    return this.pool.size;
  }

  /** Checks, stores and thumbnails one file; a bad file answers `{ ok: false, reason }`, never throws. `kill` stops the worker. */
  async ingest(file: string, opts: { signal?: AbortSignal; kill?: AbortSignal; options?: Partial<IngestOptions> } = {}): Promise<IngestResult> {
    const id = this.nextTask++;
    this.inFlight.set(id, Date.now());
    try {
      const result = await this.pool.run({ file, options: { ...this.options, ...opts.options } }, { signal: opts.signal, kill: opts.kill });
      if (!result) throw new Error('ingest worker answered a file request as a warm-up');
      return result;
    } finally {
      this.inFlight.delete(id);
    }
  }

  /**
   * Starts every worker now and resolves once each is ready to ingest (measured from sources:
   * ~0.65 s of CPU per worker, ~0.3 s of it tsx's loader, which dist/ does not load, ~0.2 s
   * loading sharp). An import calls it when it starts, so the workers boot while its scan
   * runs rather than on its first file.
   */
  warm(): Promise<void> {
    this.warming ??= Promise.all(Array.from({ length: this.pool.size }, () => this.pool.run({ warm: true }))).then(
      () => undefined,
      (err: unknown) => {
        this.warming = null; // a later call tries again; the files' own requests start workers anyway
        throw err;
      },
    );
    return this.warming;
  }

  private warming: Promise<void> | null = null;

  /** When the oldest ingest in flight started (its blobs may not be referenced by a row yet), or null. */
  writersSince(): number | null {
    let oldest: number | null = null;
    for (const t of this.inFlight.values()) if (oldest === null || t < oldest) oldest = t;
    return oldest;
  }

  private readonly inFlight = new Map<number, number>();
  private nextTask = 1;

  close(): Promise<void> {
    return this.pool.close();
  }
}
