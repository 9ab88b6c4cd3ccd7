/**
 * The one typed contract between the renderer (or CLI) and the engine, served over
 * Electron IPC and over loopback HTTP + WebSocket. Each feature owns one slice file;
 * adding a feature is one import and one entry in `slices` below.
 */
import type { z } from 'zod';
import type { ContractSlice } from './define.js';
import type { MediaVariant } from './schemas.js';
import { embeddingsContract } from './embeddings.js';
import { engineContract } from './engine.js';
import { exportContract } from './export.js';
import { importContract } from './import.js';
import { libraryContract } from './library.js';
import { matchingContract } from './matching.js';
import { modelsContract } from './models.js';
import { productsContract } from './products.js';
import { queueContract } from './queue.js';
import { removeBackgroundContract } from './remove-background.js';
import { videosContract } from './videos.js';
import { datasetsContract } from './datasets.js';
import { augmentationContract } from './augmentation.js';
import { settingsContract } from './settings.js';
import { trainingContract } from './training.js';

export * from './define.js';
export * from './schemas.js';
export * from './engine.js';
export * from './queue.js';
export * from './library.js';
export * from './import.js';
export * from './models.js';
export * from './remove-background.js';
export * from './export.js';
export * from './products.js';
export * from './videos.js';
export * from './datasets.js';
export * from './augmentation.js';
export * from './embeddings.js';
export * from './matching.js';
export * from './settings.js';
export * from './training.js';

/** Core first (the engine, the queue), then one entry per feature. */
export const slices = [engineContract, queueContract, libraryContract, importContract, modelsContract, removeBackgroundContract, exportContract, productsContract, videosContract, embeddingsContract, datasetsContract, augmentationContract, matchingContract, settingsContract, trainingContract] as const;

type Slice = (typeof slices)[number];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type Merge<K extends keyof ContractSlice> = { [N in keyof UnionToIntersection<Slice[K]>]: UnionToIntersection<Slice[K]>[N] };

/** Merges one part of every slice, refusing a name two slices claim (caught when the module loads, in every runtime). */
function merge<K extends keyof ContractSlice>(key: K): Merge<K> {
  const out: Record<string, unknown> = {};
  for (const slice of slices as readonly ContractSlice[]) {
    for (const [name, spec] of Object.entries(slice[key])) {
      if (Object.prototype.hasOwnProperty.call(out, name)) throw new Error(`contract: ${key} "${name}" is declared by two slices`);
      out[name] = spec;
    }
  }
  return out as Merge<K>;
}

export const methods = merge('methods');
export const events = merge('events');
/** Job types and the stages each reports (the renderer has a message per stage). */
export const jobTypes = merge('jobs');
export const batchTypes = merge('batchTypes');
export const downloads = merge('downloads');

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
export type EngineEvent = { [E in EventName]: { type: E; payload: EventPayload<E> } }[EventName];

export type JobTypeName = keyof typeof jobTypes;
/** Every stage any job type reports: the renderer's stage messages are keyed by these. */
export type JobStage = { [J in JobTypeName]: (typeof jobTypes)[J]['stages'][number] }[JobTypeName];
export type BatchTypeName = keyof typeof batchTypes;
export type DownloadName = keyof typeof downloads;
export type DownloadParams<D extends DownloadName> = z.input<(typeof downloads)[D]['params']>;

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}

export function isDownloadName(name: unknown): name is DownloadName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(downloads, name);
}

/**
 * What the renderer, the CLI and tests talk to. One implementation per transport;
 * none of them knows which one it has.
 */
export interface Backend {
  call<M extends MethodName>(name: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  /** Every engine event; returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** A URL the renderer can put in an <img src> (or a <video src> for 'video'). Addressed by library id only. */
  mediaUrl(assetId: string, variant: MediaVariant): string;
  /** Which transport this is ('electron' files come as paths; 'web' files are uploaded). */
  readonly kind: 'electron' | 'web';
}
