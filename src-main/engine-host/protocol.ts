/**
 * The message protocol between Electron's main process and the engine host (a utility
 * process in the app, a plain Node child process in development and tests).
 * Types and one guard only, so Electron's main process can share them without loading
 * the engine.
 */
import type { EngineEvent, EngineInfo, ErrorBody, MediaVariant } from '../../src-shared/contract/index.js';

export type HostRequest =
  /** A contract method, validated again by the engine's dispatcher. */
  | { type: 'call'; id: number; method: string; input: unknown }
  /** Where an asset's bytes are, for the app's media protocol. Library id only, never a path. */
  | { type: 'media'; id: number; assetId: string; variant: MediaVariant }
  /** Finish what is running, close the library (recording a clean quit), then exit. */
  | { type: 'shutdown' };

export type HostReply = { type: 'result'; id: number; ok: true; result: unknown } | { type: 'result'; id: number; ok: false; error: ErrorBody };

export type HostMessage =
  | { type: 'ready'; info: EngineInfo; pid: number }
  /** The engine could not start (e.g. a native module built for another runtime). The host exits next. */
  | { type: 'fatal'; error: ErrorBody }
  | HostReply
  | { type: 'event'; event: EngineEvent }
  | { type: 'closed' };

export interface MediaLocation {
  path: string;
  contentType: string;
}

/**
 * Whatever carries messages to and from the parent: Electron's `process.parentPort`,
 * Node's `process.send`, or an in-memory pair in tests.
 */
export interface HostPort {
  postMessage(message: HostMessage): void;
  /** Returns the function that stops listening. */
  onMessage(listener: (message: unknown) => void): () => void;
}

export function isHostRequest(value: unknown): value is HostRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  switch (v.type) {
    case 'call':
      return Number.isSafeInteger(v.id) && typeof v.method === 'string';
    case 'media':
      return Number.isSafeInteger(v.id) && typeof v.assetId === 'string' && typeof v.variant === 'string';
    case 'shutdown':
      return true;
    default:
      return false;
  }
}
