import { z } from 'zod';
import { ContractError, Id, type DownloadName, type DownloadParams, type EngineEvent, type MediaVariant, type MethodInput, type MethodName, type MethodOutput } from '../../src-shared/contract/index.js';
import type { ConnectionState, RendererBackend, UploadProgress, UploadResult } from './types.js';
import { errorFromResponse, parseEvent, parseOutput } from './validate.js';

const UploadAnswer = z.object({ uploadId: Id, bytes: z.number().int().nonnegative() });

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

/**
 * The contract over the loopback server, from the page it served. Same origin, so the
 * HttpOnly session cookie authenticates fetch, the WebSocket and <img> alike; the
 * renderer never sees the token.
 */
export class HttpBackend implements RendererBackend {
  readonly kind = 'web' as const;
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly connectionListeners = new Set<(state: ConnectionState, reconnected: boolean) => void>();
  private ws: WebSocket | null = null;
  private retryDelay = RECONNECT_MIN_MS;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private everOpen = false;
  private state: ConnectionState = 'connecting';

  constructor(private readonly origin: string = window.location.origin) {}

  get connection(): ConnectionState {
    return this.state;
  }

  async call<M extends MethodName>(name: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
    let res: Response;
    try {
      res = await fetch(`${this.origin}/api/rpc/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(input ?? {}),
        credentials: 'same-origin',
      });
    } catch (err) {
      throw new ContractError('unavailable', `the engine cannot be reached (${(err as Error).message})`);
    }
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const error = errorFromResponse(res.status, body);
      if (error.code === 'unauthorized') this.setState('unauthorized', false);
      throw error;
    }
    return parseOutput(name, body);
  }

  /**
   * XMLHttpRequest rather than fetch: fetch still reports no upload progress, and a
   * 2 GB folder without a moving bar looks hung.
   */
  upload(file: File, relPath: string, onProgress: (p: UploadProgress) => void, signal?: AbortSignal): Promise<UploadResult> {
    return new Promise<UploadResult>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `${this.origin}/api/uploads`);
      xhr.withCredentials = true;
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.setRequestHeader('X-File-Name', encodeURIComponent(relPath));
      xhr.responseType = 'text';
      xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
      xhr.onerror = () => reject(new ContractError('unavailable', `upload of ${relPath} failed: the engine cannot be reached`));
      xhr.onabort = () => reject(new ContractError('unavailable', `upload of ${relPath} was cancelled`));
      xhr.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          /* not JSON: handled below */
        }
        if (xhr.status < 200 || xhr.status >= 300) {
          const error = errorFromResponse(xhr.status, body);
          if (error.code === 'unauthorized') this.setState('unauthorized', false);
          reject(error);
          return;
        }
        const parsed = UploadAnswer.safeParse(body);
        if (!parsed.success) {
          reject(new ContractError('internal', `upload of ${relPath}: unexpected answer`));
          return;
        }
        onProgress({ loaded: file.size, total: file.size });
        resolve(parsed.data);
      };
      signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(file);
    });
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    this.ensureSocket();
    return () => {
      this.listeners.delete(listener);
    };
  }

  onConnection(listener: (state: ConnectionState, reconnected: boolean) => void): () => void {
    this.connectionListeners.add(listener);
    this.ensureSocket();
    return () => {
      this.connectionListeners.delete(listener);
    };
  }

  mediaUrl(assetId: string, variant: MediaVariant): string {
    return `${this.origin}/media/${variant}/${encodeURIComponent(assetId)}`;
  }

  downloadUrl<D extends DownloadName>(name: D, params: DownloadParams<D>): string {
    return `${this.origin}/api/download/${encodeURIComponent(name)}?p=${encodeURIComponent(JSON.stringify(params))}`;
  }

  private ensureSocket(): void {
    // Without a valid token nothing will change until the user opens the login URL again.
    if (this.ws || this.retryTimer || this.state === 'unauthorized') return;
    const url = new URL('/api/events', this.origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      const reconnected = this.everOpen;
      this.everOpen = true;
      this.retryDelay = RECONNECT_MIN_MS;
      this.setState('open', reconnected);
    };
    ws.onmessage = (msg) => {
      let raw: unknown;
      try {
        raw = JSON.parse(String(msg.data));
      } catch {
        return;
      }
      const event = parseEvent(raw);
      if (!event) return;
      for (const l of this.listeners) {
        try {
          l(event);
        } catch (err) {
          console.error('[backend] event listener failed', err);
        }
      }
    };
    ws.onclose = () => {
      this.ws = null;
      if (this.state !== 'unauthorized') this.setState(this.everOpen ? 'reconnecting' : 'connecting', false);
      // A refused handshake (401) looks like any other close from here; a plain call tells them apart.
      if (!this.everOpen || this.retryDelay >= RECONNECT_MAX_MS) void this.call('engine.info', {}).catch(() => undefined);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.ensureSocket();
      }, this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, RECONNECT_MAX_MS);
    };
  }

  private setState(state: ConnectionState, reconnected: boolean): void {
    if (state === this.state && !reconnected) return;
    this.state = state;
    for (const l of this.connectionListeners) l(state, reconnected);
  }
}
