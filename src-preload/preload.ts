/**
 * The bridge between the sandboxed renderer and main. Exposes `window.atolye` and
 * nothing else: one invoke channel, one event channel, no ipcRenderer. Bundled to
 * CommonJS (dist/preload/preload.cjs) because sandboxed preloads cannot be ES modules
 * and can require only 'electron'.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { EngineEvent, ErrorBody, MediaVariant } from '../src-shared/contract/index.js';

/** Keep equal to src-main/electron/ipc.ts (a test checks). */
const CALL_CHANNEL = 'atolye:call';
const EVENT_CHANNEL = 'atolye:event';
const MEDIA_SCHEME = 'atolye-media';
/** Keep equal to src-main/electron/ipc.ts: main lets calls name only these paths (and what is under them). */
const PATHS_CHOSEN_CHANNEL = 'atolye:paths-chosen';
/** Keep equal to src-main/electron/native-dialogs.ts: main shows the OS dialog and grants what the user picks. */
const CHOOSE_PATH_CHANNEL = 'atolye:choose-path';
const REVEAL_PATH_CHANNEL = 'atolye:reveal-path';
/** Keep equal to src-main/electron/drag-out.ts: main stages the images as named files and starts the OS drag. */
const START_DRAG_CHANNEL = 'atolye:start-drag';

type CallReply = { ok: true; result: unknown } | { ok: false; error: ErrorBody };

export interface AtolyeBridge {
  /**
   * A contract method. Rejects with an Error whose message is `[code] message`
   * (contextBridge copies only an Error's message across worlds, so the code rides in it).
   */
  call(method: string, input: unknown): Promise<unknown>;
  /** Every engine event; returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** atolye-media://<variant>/<assetId>, for <img src>. */
  mediaUrl(assetId: string, variant: MediaVariant): string;
  /** Local paths of dropped or picked files (Electron only; '' for files without one). */
  pathsForFiles(files: File[]): string[];
  /**
   * Shows the OS's save, folder or open dialog (main validates the request); resolves with
   * the path the user picked, now allowed in calls from this window, or null.
   */
  choosePath(request: unknown): Promise<string | null>;
  /** Shows a path this window was granted in the file manager; false when it was not granted. */
  revealPath(path: string): Promise<boolean>;
  /** Drags these library images out of the app as files (called from a dragstart handler). */
  startDrag(assetIds: string[]): void;
}

const listeners = new Set<(event: EngineEvent) => void>();

// One IPC listener however many subscribers; a failing subscriber does not stop the rest.
ipcRenderer.on(EVENT_CHANNEL, (_event, engineEvent: EngineEvent) => {
  for (const listener of listeners) {
    try {
      listener(engineEvent);
    } catch (err) {
      console.error('atolye event listener failed', err);
    }
  }
});

const bridge: AtolyeBridge = {
  async call(method, input) {
    if (typeof method !== 'string') throw new TypeError('atolye.call: method must be a string');
    const reply = (await ipcRenderer.invoke(CALL_CHANNEL, method, input)) as CallReply;
    if (reply.ok) return reply.result;
    throw new Error(`[${reply.error.code}] ${reply.error.message}`);
  },
  subscribe(listener) {
    if (typeof listener !== 'function') throw new TypeError('atolye.subscribe: listener must be a function');
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
  mediaUrl(assetId, variant) {
    if (variant !== 'thumb' && variant !== 'original' && variant !== 'video') throw new TypeError("atolye.mediaUrl: variant must be 'thumb', 'original' or 'video'");
    return `${MEDIA_SCHEME}://${variant}/${encodeURIComponent(String(assetId))}`;
  },
  pathsForFiles(files) {
    // A File has a path only when the user dropped or picked it (one made by script has
    // none), so these are the paths the user chose; main is told before any call names them
    // (send and invoke share one ordered pipe).
    const paths = Array.from(files, (file) => webUtils.getPathForFile(file));
    const chosen = paths.filter((p) => typeof p === 'string' && p.length > 0);
    if (chosen.length > 0) ipcRenderer.send(PATHS_CHOSEN_CHANNEL, chosen);
    return paths;
  },
  async choosePath(request) {
    const chosen: unknown = await ipcRenderer.invoke(CHOOSE_PATH_CHANNEL, request);
    return typeof chosen === 'string' ? chosen : null;
  },
  async revealPath(path) {
    if (typeof path !== 'string') throw new TypeError('atolye.revealPath: path must be a string');
    return (await ipcRenderer.invoke(REVEAL_PATH_CHANNEL, path)) === true;
  },
  startDrag(assetIds) {
    if (!Array.isArray(assetIds)) throw new TypeError('atolye.startDrag: expected an array of asset ids');
    ipcRenderer.send(START_DRAG_CHANNEL, assetIds.filter((id) => typeof id === 'string').slice(0, 500));
  },
};

contextBridge.exposeInMainWorld('atolye', bridge);
