import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ContractError,
  parseOrThrow,
  downloads as downloadSpecs,
  isDownloadName,
  type EngineInfo,
  type MediaVariant,
  type MethodName,
} from '../../src-shared/contract/index.js';
import { coreHandlers } from './api/core-handlers.js';
import type { CliCommand } from './cli-command.js';
import { DataDirLock } from './data-dir-lock.js';
import { openDatabase, type Db } from './db/database.js';
import { DiskWatch, type DiskWatchOptions } from './disk-space.js';
import { libraryOpenError } from './library-errors.js';
import { displayable } from './media/display.js';
import { PASSIVE_VIDEO_TYPES } from './media/range.js';
import { BlobCollector } from './store/blob-collector.js';
import { EventBus } from './events.js';
import type { DownloadStream, EngineFeature, FeatureContext, FeatureHandlers, Handler, MediaFile } from './feature.js';
import { newId } from './ids.js';
import { ImageIngestPool } from './images/ingest-pool.js';
import { InferenceRuntime, type InferenceOptions } from './inference/runtime.js';
import { packageVersion } from './package-root.js';
import { defaultDataDir } from './paths.js';
import { Queue, type QueueOptions } from './queue/queue.js';
import { BlobStore } from './store/blob-store.js';
import { UploadStaging, type UploadStagingOptions } from './uploads.js';

export interface EngineOptions {
  dataDir?: string;
  /** Image worker threads per pool (tests use 1); defaults to cores + 1 for decoding pools. */
  workers?: number;
  /** Execution providers, threads, memory budget of the inference runtime. */
  inference?: InferenceOptions;
  /** Job queue: concurrency per resource, retries, retention; autostart false opens it without running jobs. */
  queue?: QueueOptions & { autostart?: boolean };
  /**
   * The capabilities this engine runs, in dependency order. The app, the CLI and the
   * server pass every feature (src-main/features/index.ts: openEngine); a test may pass fewer.
   */
  features?: readonly EngineFeature[];
  /** Per-feature settings, by feature name (e.g. `{ models: { catalogDir } }`). */
  settings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Blob collection: a blob written or re-put less than graceMs ago is kept in any case (default 10 s). */
  blobs?: { graceMs?: number };
  /** How the engine watches free space while the queue is paused for a full disk. */
  disk?: DiskWatchOptions;
  /** Staged uploads: removed unclaimed after `expiryMs` (default 24 h); refused when they would leave the disk under `reserveBytes` free. */
  uploads?: Pick<UploadStagingOptions, 'expiryMs' | 'reserveBytes' | 'freeBytes'>;
}

export const engineVersion = packageVersion;

interface Installed {
  feature: EngineFeature;
  api: unknown;
}

/**
 * The composition root of core: plain Node, no Electron, no feature by name. It opens the
 * library (lock, database, blob store, upload staging, queue, inference runtime), builds
 * each feature it is given and routes contract methods, media, downloads and CLI commands
 * to them. The desktop app runs it in a utility process; the CLI, web mode and tests run
 * it in-process.
 */
export class Engine {
  private readonly installed = new Map<string, Installed>();
  private readonly handlers = new Map<string, Handler<MethodName>>();
  private closing: Promise<void> | null = null;

  private constructor(
    readonly dataDir: string,
    readonly db: Db,
    readonly store: BlobStore,
    readonly uploads: UploadStaging,
    readonly events: EventBus,
    /** The durable job queue. */
    readonly queue: Queue,
    readonly inference: InferenceRuntime,
    readonly images: ImageIngestPool,
    readonly features: readonly EngineFeature[],
    private readonly lock: DataDirLock,
    /** Removes blobs nothing references any more (see store/blob-collector.ts). */
    readonly blobs: BlobCollector,
    /** Watches free space while the queue is paused for a full disk, and resumes it. */
    readonly disk: DiskWatch,
  ) {}

  /** This run of the engine: the queue's lease owner, and the row in boots that tells a crash from a clean quit. */
  get bootId(): string {
    return this.queue.bootId;
  }

  static async open(options: EngineOptions = {}): Promise<Engine> {
    const features = options.features ?? [];
    const names = features.map((f) => f.name);
    if (new Set(names).size !== names.length) throw new Error(`a feature is listed twice: ${names.join(', ')}`);
    const dataDir = path.resolve(options.dataDir ?? defaultDataDir());
    let lock: DataDirLock;
    try {
      await fs.mkdir(dataDir, { recursive: true });
      lock = DataDirLock.acquire(dataDir);
    } catch (err) {
      throw libraryOpenError(err, dataDir);
    }
    let db: Db;
    let store: BlobStore;
    let uploads: UploadStaging;
    try {
      db = openDatabase(path.join(dataDir, 'library.db'), { scopes: features.map((f) => ({ scope: f.name, migrations: f.migrations ?? [] })), checkIntegrity: true });
    } catch (err) {
      lock.release();
      throw libraryOpenError(err, dataDir);
    }
    try {
      store = new BlobStore(dataDir);
      await store.init();
      uploads = new UploadStaging(dataDir, db, { expiryMs: options.uploads?.expiryMs, reserveBytes: options.uploads?.reserveBytes, freeBytes: options.uploads?.freeBytes });
      await uploads.init();
    } catch (err) {
      db.close();
      lock.release();
      throw libraryOpenError(err, dataDir);
    }
    const events = new EventBus();
    // cpu slots match the ingest pool (cores + 1 unless told): one import.file job keeps one worker
    // busy, and fewer slots than workers left workers idle (cores − 1 imported ~⅓ slower, bench:import).
    const queue = new Queue(db, events, newId(), {
      ...options.queue,
      concurrency: { cpu: options.workers ?? os.availableParallelism() + 1, ...options.queue?.concurrency },
    });
    const inference = new InferenceRuntime(options.inference);
    const images = new ImageIngestPool(dataDir, options.workers);
    const blobs = new BlobCollector(db, store, {
      refs: features.flatMap((f) => f.blobRefs ?? []),
      writersSince: () => minOf(store.writersSince(), images.writersSince()),
      graceMs: options.blobs?.graceMs,
    });
    // Features that remove blobs themselves checked only their own tables: route them through the collector.
    store.onRemove = async (sha256) => {
      const unused = blobs.release([sha256]) > 0;
      blobs.schedule();
      return unused;
    };
    const disk = new DiskWatch(dataDir, queue, events, options.disk);
    const engine = new Engine(dataDir, db, store, uploads, events, queue, inference, images, features, lock, blobs, disk);
    try {
      for (const [name, handler] of Object.entries(coreHandlers(engine))) engine.addHandler(name, handler, 'core');
      for (const f of features) await engine.install(f, options);
      db.prepare('INSERT INTO boots (id, started_at) VALUES (?, ?)').run(engine.bootId, Date.now());
      for (const f of features) await f.start?.(engine.use(f));
    } catch (err) {
      await engine.close().catch(() => {});
      throw err;
    }
    if (options.queue?.autostart !== false) queue.start();
    disk.start();
    uploads.startSweeping();
    if (blobs.pending() > 0) blobs.schedule();
    return engine;
  }

  /** A feature's API; the feature must be one this engine was opened with. */
  use<A>(feature: EngineFeature<A>): A {
    const found = this.installed.get(feature.name);
    if (!found) throw new ContractError('unavailable', `this engine runs without the ${feature.name} feature`);
    return found.api as A;
  }

  /** Whether a feature of that name runs in this engine. */
  has(featureName: string): boolean {
    return this.installed.has(featureName);
  }

  /** The handler of a contract method, or undefined when no installed feature answers it. */
  handler<M extends MethodName>(name: M): Handler<M> | undefined {
    return this.handlers.get(name) as Handler<M> | undefined;
  }

  /** Every CLI command the installed features contribute. */
  cliCommands(): CliCommand[] {
    return this.features.flatMap((f) => f.cli?.(f) ?? []);
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

  /** What each feature says about itself (feature.info): a failure is reported as its value, never thrown. */
  async featureFacts(): Promise<NonNullable<EngineInfo['features']>> {
    const out: NonNullable<EngineInfo['features']> = [];
    for (const { feature, api } of this.installed.values()) {
      if (!feature.info) continue;
      try {
        for (const fact of await feature.info(api)) out.push({ feature: feature.name, label: fact.label, value: fact.value });
      } catch (err) {
        out.push({ feature: feature.name, label: 'error', value: err instanceof Error ? err.message : String(err) });
      }
    }
    return out;
  }

  /** Where the bytes of a library id's media variant are, for the media route and the app protocol. */
  media(id: string, variant: MediaVariant): MediaFile | null {
    for (const { feature, api } of this.installed.values()) {
      const found = feature.media?.(api, id, variant);
      if (found) return found;
    }
    return null;
  }

  /**
   * The file a browser or the app may show for a media variant: passive raster images as
   * they are, anything else (an SVG, which can carry script; TIFF, HEIF) as a PNG made once
   * and cached. Both transports serve media through this, never through media().
   */
  async mediaForDisplay(id: string, variant: MediaVariant): Promise<MediaFile | null> {
    const found = this.media(id, variant);
    // A player's video goes out as it is, and only as a video (never an image or other bytes under that name).
    if (variant === 'video') return found && PASSIVE_VIDEO_TYPES.has(found.contentType) ? found : null;
    return found ? displayable(found, path.join(this.dataDir, 'cache', 'display')) : null;
  }

  /**
   * Records, synchronously, that this process is dying of an error (an uncaught exception):
   * the next start counts a crash against the jobs that were running, which is how a
   * poison job is told from one that was merely running when the process was killed.
   */
  recordCrash(reason: string): void {
    try {
      this.db.prepare('UPDATE boots SET crash = ? WHERE id = ?').run(reason.slice(0, 2000) || 'crash', this.bootId);
    } catch {
      /* the database may be what failed: the next start then sees an unexplained stop */
    }
  }

  /**
   * Stops at once (a second Ctrl+C): running jobs are put back without waiting for them
   * (their attempt is not used up), the shutdown is recorded as clean and the library
   * unlocked. Synchronous, so it completes before the process exits.
   */
  closeNow(): void {
    if (!this.db.open) return;
    try {
      this.queue.abandon();
      this.db.prepare('UPDATE boots SET stopped_at = ?, clean = 1 WHERE id = ?').run(Date.now(), this.bootId);
    } catch (err) {
      console.error(`[engine] could not record the stop: ${(err as Error).message}`);
    } finally {
      this.db.close();
      this.lock.release();
    }
  }

  /** A named download (the web mode's `/api/download/<name>` route), validated against the contract. */
  async download(name: string, rawParams: unknown): Promise<DownloadStream> {
    if (!isDownloadName(name)) throw new ContractError('not_found', `unknown download: ${name}`);
    const params = parseOrThrow(downloadSpecs[name].params, rawParams ?? {}, name);
    for (const { feature, api } of this.installed.values()) {
      const open = feature.downloads?.(api)[name] as ((p: unknown) => DownloadStream | Promise<DownloadStream>) | undefined;
      if (open) return open(params);
    }
    throw new ContractError('unavailable', `no feature of this engine serves the ${name} download`);
  }

  /**
   * Stops the queue (running jobs get their grace period), then each feature in reverse
   * order, then inference; records the clean shutdown and releases the library lock.
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.disk.close();
      this.uploads.stopSweeping();
      await this.queue.close();
      for (const { feature, api } of [...this.installed.values()].reverse()) {
        try {
          await feature.close?.(api);
        } catch (err) {
          console.error(`[engine] closing ${feature.name} failed`, err);
        }
      }
      await Promise.all([this.inference.close(), this.images.close(), this.blobs.close()]);
      if (!this.db.open) return; // closeNow() ran meanwhile
      try {
        this.db.prepare('UPDATE boots SET stopped_at = ?, clean = 1 WHERE id = ?').run(Date.now(), this.bootId);
      } finally {
        this.db.close();
        this.lock.release();
      }
    })());
  }

  /** Builds one feature (those it uses come earlier in the list) and registers what it contributes. */
  private async install(feature: EngineFeature, options: EngineOptions): Promise<void> {
    const ctx: FeatureContext = {
      dataDir: this.dataDir,
      db: this.db,
      store: this.store,
      events: this.events,
      queue: this.queue,
      uploads: this.uploads,
      inference: this.inference,
      images: this.images,
      blobs: this.blobs,
      workers: options.workers,
      settings: options.settings?.[feature.name] ?? {},
      use: <A>(other: EngineFeature<A>): A => {
        const found = this.installed.get(other.name);
        if (found) return found.api as A;
        if (!this.features.includes(other)) throw new ContractError('unavailable', `${feature.name} needs the ${other.name} feature, which this engine was not opened with`);
        throw new Error(`${feature.name} uses ${other.name}: list ${other.name} before it`);
      },
    };
    const api = await feature.create(ctx);
    this.installed.set(feature.name, { feature, api });
    for (const { definition, services } of feature.jobs?.(api) ?? []) this.queue.register(definition, services);
    for (const { definition, services } of feature.batchTypes?.(api) ?? []) this.queue.registerBatchType(definition, services);
    const handlers: FeatureHandlers = feature.handlers?.(api) ?? {};
    for (const [name, handler] of Object.entries(handlers)) if (handler) this.addHandler(name, handler as Handler<MethodName>, feature.name);
  }

  private readonly handlerOwners = new Map<string, string>();

  private addHandler(name: string, handler: Handler<MethodName>, owner: string): void {
    const other = this.handlerOwners.get(name);
    if (other) throw new Error(`contract method ${name} is answered by both ${other} and ${owner}`);
    this.handlerOwners.set(name, owner);
    this.handlers.set(name, handler);
  }
}

function minOf(...values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? Math.min(...present) : null;
}
