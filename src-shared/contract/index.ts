/**
 * The one typed contract between the renderer (or CLI) and the engine, served over
 * Electron IPC and over loopback HTTP + WebSocket. Each feature adds its own file of
 * methods and events and spreads it in here.
 */
import type { z } from 'zod';
import { libraryEvents, libraryMethods } from './library.js';
import { modelEvents, modelMethods } from './models.js';
import { queueEvents, queueMethods } from './queue.js';

export * from './define.js';
export * from './schemas.js';
export * from './library.js';
export * from './models.js';
export * from './queue.js';

export const methods = {
  ...libraryMethods,
  ...modelMethods,
  ...queueMethods,
};

export const events = {
  ...libraryEvents,
  ...modelEvents,
  ...queueEvents,
};

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
export type EngineEvent = { [E in EventName]: { type: E; payload: EventPayload<E> } }[EventName];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}

/**
 * What the renderer, the CLI and tests talk to. One implementation per transport;
 * none of them knows which one it has.
 */
export interface Backend {
  call<M extends MethodName>(name: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  /** Every engine event; returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** A URL the renderer can put in an <img src>. Addressed by library id only. */
  mediaUrl(assetId: string, variant: 'thumb' | 'original'): string;
  /** Which transport this is ('electron' files come as paths; 'web' files are uploaded). */
  readonly kind: 'electron' | 'web';
}
