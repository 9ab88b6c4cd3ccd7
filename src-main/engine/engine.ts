import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { EngineInfo } from '../../src-shared/contract/index.js';
import { DataDirLock } from './data-dir-lock.js';
import { openDatabase, type Db } from './db/database.js';
import { EventBus } from './events.js';
import { newId } from './ids.js';
import { ImportService } from './import/import-service.js';
import { InferenceRuntime, type InferenceOptions } from './inference/runtime.js';
import { defaultIngestOptions, type IngestOptions } from './import/ingest.js';
import { UploadStaging } from './import/uploads.js';
import { Library } from './library/library.js';
import { ModelStore, type ModelStoreOptions } from './models/model-store.js';
import { createSegmentImagePool } from './ops/remove-background.js';
import { SegmentService } from './ops/segment-service.js';
import { packageVersion } from './package-root.js';
import { registerEngineJobs } from './queue/jobs/index.js';
import type { EngineJobServices } from './queue/jobs/services.js';
import { Queue, type QueueOptions } from './queue/queue.js';
import { defaultDataDir } from './paths.js';
import { BlobStore } from './store/blob-store.js';

export interface EngineOptions {
  dataDir?: string;
  ingest?: Partial<IngestOptions>;
  /** Image worker threads; defaults to cores + 1 (see ImportService). */
  workers?: number;
  /** Execution providers, threads, memory budget of the inference runtime. */
  inference?: InferenceOptions;
  models?: ModelStoreOptions;
  /** Job queue: concurrency per resource, retries, retention, remote providers; autostart false opens it without running jobs. */
  queue?: QueueOptions & { autostart?: boolean };
}

const contentTypes: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
  tiff: 'image/tiff',
  heif: 'image/heif',
  svg: 'image/svg+xml',
};

export const engineVersion = packageVersion;

/**
 * The composition root of the engine: plain Node, no Electron. The desktop app runs it
 * in a utility process; the CLI, web mode and tests run it in-process.
 */
export class Engine {
  /** The durable job queue (set in open(), before the services that enqueue). */
  queue!: Queue<EngineJobServices>;
  /** This run of the engine: the queue's lease owner, and the row in boots that tells a crash from a clean quit. */
  get bootId(): string {
    return this.queue.bootId;
  }
  // Inference and background removal, set in open() (fields, so the constructor stays as it is).
  inference!: InferenceRuntime;
  models!: ModelStore;
  segmentImages!: ReturnType<typeof createSegmentImagePool>;
  segment!: SegmentService;
  private lock!: DataDirLock;

  private constructor(
    readonly events: EventBus,
    readonly dataDir: string,
    readonly db: Db,
    readonly store: BlobStore,
    readonly library: Library,
    readonly uploads: UploadStaging,
    readonly imports: ImportService,
  ) {}

  static async open(options: EngineOptions = {}): Promise<Engine> {
    const dataDir = path.resolve(options.dataDir ?? defaultDataDir());
    await fs.mkdir(dataDir, { recursive: true });
    const lock = DataDirLock.acquire(dataDir);
    let db: Db;
    try {
      db = openDatabase(path.join(dataDir, 'library.db'));
    } catch (err) {
      lock.release();
      throw err;
    }
    const store = new BlobStore(dataDir);
    await store.init();
    const uploads = new UploadStaging(dataDir);
    await uploads.init();
    const library = new Library(db);
    const events = new EventBus();
    // cpu slots match the ingest pool (cores + 1 unless told): one import.file job keeps one worker
    // busy, and fewer slots than workers left workers idle (cores − 1 imported ~⅓ slower, bench:import).
    const queue = new Queue<EngineJobServices>(db, events, newId(), {
      ...options.queue,
      concurrency: { cpu: options.workers ?? os.availableParallelism() + 1, ...options.queue?.concurrency },
    });
    const imports = new ImportService(db, library, uploads, events, queue, {
      ...defaultIngestOptions,
      ...options.ingest,
      dataDir,
      workers: options.workers,
    });
    const engine = new Engine(events, dataDir, db, store, library, uploads, imports);
    engine.lock = lock;
    engine.queue = queue;
    // The engine itself carries what background-removal jobs need (its fields are set below, before the queue starts).
    queue.setServices({ imports, segment: engine });
    registerEngineJobs(queue);
    engine.inference = new InferenceRuntime(options.inference);
    engine.models = new ModelStore(db, store, events, engine.inference, dataDir, options.models);
    await engine.models.init();
    engine.segmentImages = createSegmentImagePool(dataDir);
    engine.segment = new SegmentService(engine, events);
    db.prepare('INSERT INTO boots (id, started_at) VALUES (?, ?)').run(engine.bootId, Date.now());
    imports.markInterrupted();
    if (options.queue?.autostart !== false) queue.start();
    return engine;
  }

  info(): EngineInfo {
    return {
      version: engineVersion,
      dataDir: this.dataDir,
      platform: process.platform,
      arch: process.arch,
      node: process.versions.node,
      cpus: os.availableParallelism(),
      executionProviders: this.inference.usableProviders(),
      activeProvider: this.inference.provider,
    };
  }

  /** Where the bytes of an asset's media variant are, for the media route and the app protocol. */
  media(assetId: string, variant: 'thumb' | 'original'): { path: string; contentType: string } | null {
    const found = this.library.mediaFor(assetId, variant);
    if (!found) return null;
    return { path: this.store.pathOf(found.sha256), contentType: contentTypes[found.format] ?? 'application/octet-stream' };
  }

  async deleteProject(id: string): Promise<number> {
    const orphans = this.library.deleteProject(id);
    let removed = 0;
    for (const sha of orphans) if (await this.store.remove(sha)) removed++;
    this.events.emit('projects.changed', { projectId: id });
    return removed;
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.imports.close();
    await this.segment.close();
    await Promise.all([this.segmentImages.close(), this.inference.close()]);
    this.db.prepare('UPDATE boots SET stopped_at = ?, clean = 1 WHERE id = ?').run(Date.now(), this.bootId);
    this.db.close();
    this.lock.release();
  }
}
