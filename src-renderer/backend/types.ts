import type { Backend, DownloadName, DownloadParams } from '../../src-shared/contract/index.js';
import type { ChooseRequest } from '../../src-shared/native-dialogs.js';

/** What the renderer knows about its link to the engine, shown in the shell. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized';

export interface UploadProgress {
  /** Bytes of this file sent so far. */
  loaded: number;
  total: number;
}

export interface UploadResult {
  uploadId: string;
  bytes: number;
}

/**
 * The renderer's view of a transport: the contract's `Backend` plus what differs by
 * transport and is not part of the engine's contract (how dropped files reach the engine,
 * whether the event link is up).
 */
export interface RendererBackend extends Backend {
  /** Web mode: sends one file's bytes to the upload route; `import.start` then names the upload. */
  upload?(file: File, relPath: string, onProgress: (p: UploadProgress) => void, signal?: AbortSignal): Promise<UploadResult>;
  /** Web mode: where the browser downloads a file the engine streams (the desktop app writes it through the feature's method instead). */
  downloadUrl?<D extends DownloadName>(name: D, params: DownloadParams<D>): string;
  /** Electron: the local paths of dropped or chosen files (folders included). */
  pathsForFiles?(files: readonly File[]): string[];
  /**
   * Desktop: the OS's save / folder / open dialog, shown by main; resolves with the chosen
   * path (which this window may then name in calls) or null when the user cancelled.
   */
  choosePath?(request: ChooseRequest): Promise<string | null>;
  /** Desktop: shows a chosen path in the file manager. */
  revealPath?(path: string): Promise<void>;
  /** Desktop: drags these images out of the app as files (call from a dragstart handler, after preventDefault). */
  startDrag?(assetIds: readonly string[]): void;
  /** Link state changes; `reconnected` is true when events may have been missed. */
  onConnection(listener: (state: ConnectionState, reconnected: boolean) => void): () => void;
  readonly connection: ConnectionState;
}
