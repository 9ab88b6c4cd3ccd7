import WebSocket from 'ws';
import { ContractError, ErrorBody, methods, type Backend, type EngineEvent, type MethodInput, type MethodName, type MethodOutput } from '../../src-shared/contract/index.js';

/**
 * The contract over the loopback transport, from Node: what the CLI uses to talk to a
 * running `atolye serve`, and what transport tests use. Answers are validated with the
 * same schemas the engine validated them with.
 */
export class HttpBackend implements Backend {
  readonly kind = 'web' as const;
  private ws: WebSocket | null = null;
  private readonly listeners = new Set<(e: EngineEvent) => void>();

  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async call<M extends MethodName>(name: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
    const res = await fetch(new URL(`api/rpc/${name}`, this.baseUrl), {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(input ?? {}),
    });
    const body = (await res.json()) as unknown;
    if (!res.ok) {
      const err = ErrorBody.safeParse(body);
      throw err.success ? new ContractError(err.data.code, err.data.message) : new ContractError('internal', `HTTP ${res.status}`);
    }
    return methods[name].output.parse(body) as MethodOutput<M>;
  }

  async upload(data: Uint8Array, name: string): Promise<string> {
    const res = await fetch(new URL('api/uploads', this.baseUrl), {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.token}`, 'X-File-Name': encodeURIComponent(name) },
      body: new Blob([data as Uint8Array<ArrayBuffer>]),
    });
    const body = (await res.json()) as { uploadId?: string; message?: string };
    if (!res.ok || !body.uploadId) throw new Error(`upload failed: ${body.message ?? res.status}`);
    return body.uploadId;
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.ws) {
      const url = new URL('api/events', this.baseUrl);
      url.protocol = 'ws:';
      this.ws = new WebSocket(url, { headers: { Authorization: `Bearer ${this.token}` } });
      // Without a listener, a socket error (closed before it opened, a reset) is an uncaught
      // exception, and the CLI's crash guard exits 70. connected() reports an error while it
      // waits; after that events are best-effort (the CLI also polls what it waits for).
      this.ws.on('error', () => {});
      this.ws.on('message', (data) => {
        const event = JSON.parse(String(data)) as EngineEvent;
        for (const l of this.listeners) l(event);
      });
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  /** Resolves once the event socket is open (so no event is missed after it). */
  async connected(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.OPEN) return;
    // Already failed (its error went to the silent listener): say so rather than wait forever.
    if (ws.readyState === WebSocket.CLOSING || ws.readyState === WebSocket.CLOSED) throw new Error('the event socket closed before it opened');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('close', () => reject(new Error('the event socket closed before it opened')));
    });
  }

  mediaUrl(assetId: string, variant: 'thumb' | 'original'): string {
    return new URL(`media/${variant}/${assetId}`, this.baseUrl).href;
  }

  close(): void {
    this.ws?.close();
    this.ws = null;
  }
}
