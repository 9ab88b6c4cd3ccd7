import { systemClock, type Clock } from './clock.js';
import { PermanentError, RateLimitedError, TransientError } from './errors.js';

export interface ProviderConfig {
  /** API keys, used in turn: a key answered with HTTP 429 cools down and the next one is tried. */
  keys: readonly string[];
  /** Sustained requests per second across all keys (the token bucket's refill rate). */
  ratePerSecond: number;
  /** Requests allowed in a burst (the bucket's size); defaults to one second's worth. */
  burst?: number;
  /** Cool-down of a key after a 429 without Retry-After. */
  cooldownMs?: number;
  /** Longest cool-down honoured, whatever Retry-After says. */
  maxCooldownMs?: number;
  /** Puts the key on the request; defaults to `Authorization: Bearer <key>`. */
  authorize?(key: string, headers: Headers): void;
}

/** A classic token bucket: `burst` tokens, refilled at `ratePerSecond`; one token per request. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new Error('a token bucket needs a positive rate and a burst of at least 1');
    this.tokens = burst;
    this.updatedAt = clock.now();
  }

  /** Takes a token and answers 0, or answers how many ms until one is there (taking nothing). */
  take(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    // The epsilon keeps float residue (0.99 tokens read as 0.98999…) from adding a millisecond.
    return Math.max(1, Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000 - 1e-6));
  }
}

interface KeyState {
  key: string;
  coolUntil: number;
}

/**
 * One remote provider (an API the user has keys for): every request waits for a token,
 * goes out with the current key, and a 429 cools that key and moves to the next one
 * within the same attempt. When every key is cooling, the job is put back in the queue
 * until the first one is ready, without using up an attempt (RateLimitedError).
 */
export class RemoteProvider {
  private readonly bucket: TokenBucket;
  private readonly keys: KeyState[];
  private current = 0;
  /** Requests sent and 429s received per key, for the Queue page and tests. */
  readonly usage = new Map<string, { requests: number; rateLimited: number }>();

  constructor(
    readonly name: string,
    private readonly config: ProviderConfig,
    private readonly clock: Clock = systemClock,
  ) {
    if (config.keys.length === 0) throw new Error(`remote provider ${name} has no API keys`);
    this.bucket = new TokenBucket(config.ratePerSecond, config.burst ?? Math.max(1, config.ratePerSecond), clock);
    this.keys = config.keys.map((key) => ({ key, coolUntil: 0 }));
    for (const key of config.keys) this.usage.set(key, { requests: 0, rateLimited: 0 });
  }

  /** fetch() with the rate limit and key rotation applied. Answers any status but 429. */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const signal = init.signal ?? undefined;
    for (;;) {
      const key = this.pickKey();
      if (!key) {
        const retryAt = Math.min(...this.keys.map((k) => k.coolUntil));
        throw new RateLimitedError(`${this.name}: every API key is cooling down after HTTP 429`, retryAt);
      }
      await this.token(signal);
      const headers = new Headers(init.headers);
      if (this.config.authorize) this.config.authorize(key.key, headers);
      else headers.set('Authorization', `Bearer ${key.key}`);
      const usage = this.usage.get(key.key)!;
      usage.requests++;
      let response: Response;
      try {
        response = await fetch(url, { ...init, headers });
      } catch (err) {
        if (signal?.aborted) throw err;
        throw new TransientError(`${this.name}: request failed: ${(err as Error).message}`, { cause: err });
      }
      if (response.status !== 429) return response;
      usage.rateLimited++;
      await response.body?.cancel().catch(() => {});
      key.coolUntil = this.clock.now() + this.cooldownFrom(response.headers.get('retry-after'));
      this.current = (this.keys.indexOf(key) + 1) % this.keys.length;
    }
  }

  /**
   * A JSON request whose failures are classified for the queue: 5xx and 408 are
   * transient (retried with backoff, using an attempt), other 4xx are permanent.
   */
  async json(url: string | URL, init: RequestInit = {}): Promise<unknown> {
    const response = await this.fetch(url, init);
    const text = await response.text();
    if (response.status >= 500 || response.status === 408) throw new TransientError(`${this.name}: HTTP ${response.status}: ${text.slice(0, 200)}`);
    if (response.status >= 400) throw new PermanentError(`${this.name}: HTTP ${response.status}: ${text.slice(0, 200)}`);
    try {
      return text ? JSON.parse(text) : null;
    } catch {
      throw new PermanentError(`${this.name}: the answer is not JSON`);
    }
  }

  private pickKey(): KeyState | null {
    const now = this.clock.now();
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[(this.current + i) % this.keys.length]!;
      if (k.coolUntil <= now) {
        this.current = (this.current + i) % this.keys.length;
        return k;
      }
    }
    return null;
  }

  private async token(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const wait = this.bucket.take();
      if (wait === 0) return;
      await new Promise<void>((resolve, reject) => {
        const timer = this.clock.setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, wait);
        const onAbort = () => {
          this.clock.clearTimeout(timer);
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  private cooldownFrom(retryAfter: string | null): number {
    const max = this.config.maxCooldownMs ?? 10 * 60_000;
    const fallback = this.config.cooldownMs ?? 30_000;
    if (!retryAfter) return Math.min(max, fallback);
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(max, Math.round(seconds * 1000));
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.min(max, Math.max(0, date - Date.now()));
    return Math.min(max, fallback);
  }
}

/** The configured providers, by name. */
export class RemoteProviders {
  private readonly providers = new Map<string, RemoteProvider>();

  constructor(private readonly clock: Clock = systemClock) {}

  configure(name: string, config: ProviderConfig): RemoteProvider {
    const provider = new RemoteProvider(name, config, this.clock);
    this.providers.set(name, provider);
    return provider;
  }

  get(name: string): RemoteProvider {
    const provider = this.providers.get(name);
    if (!provider) throw new PermanentError(`no remote provider named ${name} is configured`);
    return provider;
  }
}
