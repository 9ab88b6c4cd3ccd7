/**
 * How a capability plugs into the engine. A feature is a folder under
 * src-main/features/<name>/ whose index.ts exports one `defineFeature({...})`: its
 * migrations, its API (built once per engine), the contract methods it answers, its
 * queue job and batch types, the media and downloads it serves and its CLI commands.
 * Core (this folder) never imports a feature; the list of features is handed to
 * `Engine.open` by the composition root (src-main/features/index.ts).
 */
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { DownloadName, downloads, MediaVariant, MethodName, MethodOutput, Methods } from '../../src-shared/contract/index.js';
import type { CliCommand } from './cli-command.js';
import type { Migration } from './db/migrate.js';
import type { Db } from './db/database.js';
import type { EventBus } from './events.js';
import type { ImageIngestPool } from './images/ingest-pool.js';
import type { InferenceRuntime } from './inference/runtime.js';
import type { Queue } from './queue/queue.js';
import type { BatchTypeDefinition, JobDefinition } from './queue/types.js';
import type { BlobCollector, BlobRef } from './store/blob-collector.js';
import type { BlobStore } from './store/blob-store.js';
import type { UploadStaging } from './uploads.js';

/** What core gives every feature. */
export interface CoreServices {
  readonly dataDir: string;
  readonly db: Db;
  readonly store: BlobStore;
  readonly events: EventBus;
  readonly queue: Queue;
  readonly uploads: UploadStaging;
  readonly inference: InferenceRuntime;
  /** Checks, stores and thumbnails image files in worker threads (import's per-file work; frames, augmentations). */
  readonly images: ImageIngestPool;
  /**
   * Where a blob goes when a row stops referencing it: `blobs.release(shas)` inside the
   * transaction that drops the reference. Never delete a blob yourself: the store is
   * shared, and the same bytes may be what another row or a running job needs.
   */
  readonly blobs: BlobCollector;
  /** Image worker threads the engine was asked for (tests use 1); features size their pools from it. */
  readonly workers: number | undefined;
}

export interface FeatureContext extends CoreServices {
  /** Another feature's API. Import its handle from that feature's public.ts, never its internals. */
  use<A>(feature: EngineFeature<A>): A;
  /** This feature's settings from `Engine.open({ settings: { <name>: … } })`, as given (validate what you read). */
  readonly settings: Readonly<Record<string, unknown>>;
}

export type Handler<M extends MethodName> = (input: z.output<Methods[M]['input']>) => Promise<MethodOutput<M>> | MethodOutput<M>;
export type FeatureHandlers = { [M in MethodName]?: Handler<M> };

/** A job definition with the services its handler reaches as ctx.services. */
export interface BoundJob {
  definition: JobDefinition<never, never, never>;
  services: unknown;
}

export function bindJob<P, R, S>(definition: JobDefinition<P, R, S>, services: S): BoundJob {
  return { definition: definition as unknown as JobDefinition<never, never, never>, services };
}

export interface BoundBatchType {
  definition: BatchTypeDefinition<never>;
  services: unknown;
}

export function bindBatchType<S>(definition: BatchTypeDefinition<S>, services: S): BoundBatchType {
  return { definition: definition as unknown as BatchTypeDefinition<never>, services };
}

/** A stored file the media routes may serve for a library id. */
export interface MediaFile {
  path: string;
  contentType: string;
}

/** A file streamed to the user (the web mode's download route). */
export interface DownloadStream {
  fileName: string;
  contentType: string;
  stream: Readable;
}

export type DownloadHandlers = {
  [D in DownloadName]?: (params: z.output<(typeof downloads)[D]['params']>) => DownloadStream | Promise<DownloadStream>;
};

/** A labelled fact a feature adds to `atolye info` and engine.info (which ffmpeg it found, say). */
export interface FeatureFact {
  label: string;
  value: string;
}

export interface EngineFeature<A = unknown> {
  /** The folder's name; also the migrations' scope. */
  readonly name: string;
  /** Schema changes owned by this feature, numbered from 1; applied after core's, in feature order. */
  readonly migrations?: readonly Migration[];
  /**
   * Columns of this feature's tables that hold blob sha256s, and which rows still need
   * their blob (`live`, an SQL condition). A sha256 column no feature declares counts as a
   * reference in every row, so declaring is how tombstoned rows let their files go.
   */
  readonly blobRefs?: readonly BlobRef[];
  /** Builds the feature's API once per engine (other features may ask for it through ctx.use). */
  create(ctx: FeatureContext): A | Promise<A>;
  /** The contract methods this feature answers. */
  handlers?(api: A): FeatureHandlers;
  jobs?(api: A): readonly BoundJob[];
  batchTypes?(api: A): readonly BoundBatchType[];
  /** The stored file behind a library id's media variant, when this feature owns that id. */
  media?(api: A, assetId: string, variant: MediaVariant): MediaFile | null;
  downloads?(api: A): DownloadHandlers;
  /** Facts for `atolye info` and engine.info: external tools it found and their versions. */
  info?(api: A): readonly FeatureFact[] | Promise<readonly FeatureFact[]>;
  /** After every feature exists and before the queue starts: settle what a crash left behind. */
  start?(api: A): void | Promise<void>;
  /** After the queue has stopped: close worker pools, timers. */
  close?(api: A): void | Promise<void>;
  /**
   * Commands for `atolye <name>`, given the feature itself (their handle for
   * `engine.use(feature)`, so a command file need not import the feature's index).
   */
  cli?(self: EngineFeature<A>): readonly CliCommand[];
}

export function defineFeature<A>(feature: EngineFeature<A>): EngineFeature<A> {
  return feature;
}
