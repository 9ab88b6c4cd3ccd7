import type { EngineEvent, MediaVariant, MethodInput, MethodName, MethodOutput } from '../../src-shared/contract/index.js';
import type { ChooseRequest } from '../../src-shared/native-dialogs.js';
import type { ConnectionState, RendererBackend } from './types.js';
import { parseEvent, parseOutput, toContractError } from './validate.js';

/** The preload bridge's shape (src-preload exposes it with contextBridge as `window.atolye`). */
export interface AtolyeBridge {
  call(method: string, input: unknown): Promise<unknown>;
  subscribe(listener: (event: unknown) => void): () => void;
  mediaUrl(assetId: string, variant: MediaVariant): string;
  pathsForFiles(files: File[]): string[];
  /** Absent in bridges from older builds. */
  choosePath?(request: ChooseRequest): Promise<string | null>;
  revealPath?(path: string): Promise<boolean>;
  startDrag?(assetIds: string[]): void;
}

/** The bridge, when this page runs in the desktop app. Read loosely: the page must not trust its shape. */
export function findBridge(): AtolyeBridge | null {
  const candidate = (window as unknown as { atolye?: unknown }).atolye;
  if (typeof candidate !== 'object' || candidate === null) return null;
  const b = candidate as Partial<AtolyeBridge>;
  return typeof b.call === 'function' && typeof b.subscribe === 'function' && typeof b.mediaUrl === 'function' ? (b as AtolyeBridge) : null;
}

/**
 * The contract over Electron IPC. The main process validates too; answers are checked
 * again here so both transports hand components the same, parsed values.
 */
export class ElectronBackend implements RendererBackend {
  readonly kind = 'electron' as const;
  // IPC to a utility process has no connection to lose; the engine host restarts behind it.
  readonly connection: ConnectionState = 'open';

  constructor(private readonly bridge: AtolyeBridge) {}

  async call<M extends MethodName>(name: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
    let body: unknown;
    try {
      body = await this.bridge.call(name, input ?? {});
    } catch (err) {
      throw toContractError(err);
    }
    return parseOutput(name, body);
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.bridge.subscribe((raw) => {
      const event = parseEvent(raw);
      if (event) listener(event);
    });
  }

  mediaUrl(assetId: string, variant: MediaVariant): string {
    return this.bridge.mediaUrl(assetId, variant);
  }

  pathsForFiles(files: readonly File[]): string[] {
    return this.bridge.pathsForFiles([...files]).filter((p) => typeof p === 'string' && p.length > 0);
  }

  async choosePath(request: ChooseRequest): Promise<string | null> {
    if (typeof this.bridge.choosePath !== 'function') return null;
    return this.bridge.choosePath(request);
  }

  async revealPath(path: string): Promise<void> {
    await this.bridge.revealPath?.(path);
  }

  startDrag(assetIds: readonly string[]): void {
    this.bridge.startDrag?.([...assetIds]);
  }

  onConnection(): () => void {
    return () => undefined;
  }
}
