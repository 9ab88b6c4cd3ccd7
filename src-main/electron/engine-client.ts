/**
 * Electron main's handle on the engine host process: request/response over messages,
 * events out, restart when the process dies, clean shutdown on quit. No electron
 * import: the process is made by an injected runtime, so tests drive it with real
 * Node child processes.
 */
import { ContractError, type EngineEvent, type EngineInfo, type ErrorBody, type MediaVariant } from '../../src-shared/contract/index.js';
import type { HostMessage, HostRequest, MediaLocation } from '../engine-host/protocol.js';

export interface EngineProcess {
  postMessage(message: HostRequest): void;
  onMessage(listener: (message: HostMessage) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export interface EngineRuntime {
  /** For logs: 'utility process', 'node child process'. */
  readonly name: string;
  spawn(): EngineProcess;
}

export type EngineState = 'idle' | 'starting' | 'ready' | 'restarting' | 'stopping' | 'stopped' | 'failed';

export interface EngineClientOptions {
  /**
   * Ways to run the host, best first. The next one is tried only when the host reports
   * that a native module was built for another Node ABI (development without
   * electron-rebuild); any other failure restarts the same runtime.
   */
  runtimes: EngineRuntime[];
  onEvent?: (event: EngineEvent) => void;
  onStateChange?: (state: EngineState, detail?: string) => void;
  log?: (line: string) => void;
  /** A host that is not ready after this long is killed and restarted. */
  startTimeoutMs?: number;
  /** Delay before the n-th restart in a row (the last value repeats). */
  restartDelaysMs?: number[];
  /** Give up after this many exits in a row without a stable run. */
  maxRestarts?: number;
  /** A run at least this long resets the restart count. */
  stableAfterMs?: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (reason: Error) => void;
}

const ABI_MISMATCH = /NODE_MODULE_VERSION|compiled against a different Node\.js version|ERR_DLOPEN_FAILED|invalid ELF header|not a valid Win32 application/i;

/** True when an engine start failed because a native module targets another runtime. */
export function isAbiMismatch(message: string): boolean {
  return ABI_MISMATCH.test(message);
}

export class EngineClient {
  private proc: EngineProcess | null = null;
  private generation = 0;
  private runtimeIndex = 0;
  private stateValue: EngineState = 'idle';
  private infoValue: EngineInfo | null = null;
  private pidValue: number | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readyWaiters: Pending[] = [];
  private exitWaiters: (() => void)[] = [];
  private restarts = 0;
  private readyAt = 0;
  private lastFailure: string | null = null;
  private switchRuntime = false;
  private closedCleanly = false;
  private startTimer: NodeJS.Timeout | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly opts: Required<Omit<EngineClientOptions, 'onEvent' | 'onStateChange'>> & Pick<EngineClientOptions, 'onEvent' | 'onStateChange'>;

  constructor(options: EngineClientOptions) {
    if (!options.runtimes.length) throw new Error('EngineClient needs at least one runtime');
    this.opts = {
      log: (line) => console.error(`[engine] ${line}`),
      startTimeoutMs: 60_000,
      restartDelaysMs: [250, 1_000, 3_000, 10_000],
      maxRestarts: 5,
      stableAfterMs: 60_000,
      ...options,
    };
  }

  get state(): EngineState {
    return this.stateValue;
  }

  /** What the running engine reported when it became ready. */
  get info(): EngineInfo | null {
    return this.infoValue;
  }

  /** The host's process id, as it reported when ready. */
  get pid(): number | null {
    return this.pidValue;
  }

  /** Which runtime runs (or last ran) the host. */
  get runtimeName(): string {
    return this.opts.runtimes[this.runtimeIndex]!.name;
  }

  /** Starts the host; resolves with its info when ready, rejects if it cannot start at all. */
  start(): Promise<EngineInfo> {
    if (this.stateValue === 'idle' || this.stateValue === 'stopped' || this.stateValue === 'failed') {
      this.restarts = 0;
      this.spawn('starting');
    }
    return this.whenReady().then(() => this.infoValue!);
  }

  /** A contract call. Waits while the host (re)starts; fails `unavailable` once it is stopping or gave up. */
  async call(method: string, input: unknown): Promise<unknown> {
    await this.whenReady();
    return this.request({ type: 'call', id: 0, method, input });
  }

  async media(assetId: string, variant: MediaVariant): Promise<MediaLocation | null> {
    await this.whenReady();
    return (await this.request({ type: 'media', id: 0, assetId, variant })) as MediaLocation | null;
  }

  /**
   * Asks the host to finish and close the library, waits for it to exit, and kills it
   * after `timeoutMs`. Resolves true when the host confirmed a clean close.
   */
  async shutdown(timeoutMs = 15_000): Promise<boolean> {
    this.clearTimers();
    const proc = this.proc;
    this.failReadyWaiters(new ContractError('unavailable', 'the engine is shutting down'));
    if (!proc) {
      this.setState('stopped');
      return this.closedCleanly;
    }
    this.setState('stopping');
    const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    proc.postMessage({ type: 'shutdown' });
    const timedOut = await Promise.race([exited.then(() => false), delay(timeoutMs).then(() => true)]);
    if (timedOut) {
      this.opts.log(`the engine did not stop within ${timeoutMs} ms; killing it`);
      proc.kill();
      await Promise.race([exited, delay(5_000)]);
    }
    return this.closedCleanly;
  }

  private whenReady(): Promise<void> {
    switch (this.stateValue) {
      case 'ready':
        return Promise.resolve();
      case 'starting':
      case 'restarting':
        return new Promise((resolve, reject) => this.readyWaiters.push({ resolve: () => resolve(), reject }));
      case 'idle':
        return Promise.reject(new ContractError('unavailable', 'the engine has not been started'));
      case 'failed':
        return Promise.reject(new ContractError('unavailable', `the engine could not be started: ${this.lastFailure ?? 'unknown reason'}`));
      default:
        return Promise.reject(new ContractError('unavailable', 'the engine is shutting down'));
    }
  }

  private request(message: Exclude<HostRequest, { type: 'shutdown' }>): Promise<unknown> {
    const proc = this.proc;
    if (!proc || this.stateValue !== 'ready') return Promise.reject(new ContractError('unavailable', 'the engine is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        proc.postMessage({ ...message, id });
      } catch (err) {
        this.pending.delete(id);
        reject(new ContractError('unavailable', `could not reach the engine: ${(err as Error).message}`));
      }
    });
  }

  private spawn(state: 'starting' | 'restarting'): void {
    const generation = ++this.generation;
    const runtime = this.opts.runtimes[this.runtimeIndex]!;
    this.setState(state, runtime.name);
    this.closedCleanly = false;
    this.switchRuntime = false;
    let proc: EngineProcess;
    try {
      proc = runtime.spawn();
    } catch (err) {
      this.lastFailure = `${runtime.name} did not start: ${(err as Error).message}`;
      this.opts.log(this.lastFailure);
      queueMicrotask(() => generation === this.generation && this.onExit(null));
      return;
    }
    this.proc = proc;
    proc.onMessage((message) => generation === this.generation && this.onMessage(message));
    proc.onExit((code) => generation === this.generation && this.onExit(code));
    this.startTimer = setTimeout(() => {
      if (generation !== this.generation || this.stateValue === 'ready') return;
      this.lastFailure = `not ready after ${this.opts.startTimeoutMs} ms`;
      this.opts.log(`the engine is ${this.lastFailure}; killing it`);
      proc.kill();
    }, this.opts.startTimeoutMs);
  }

  private onMessage(message: HostMessage): void {
    switch (message.type) {
      case 'ready': {
        if (this.startTimer) clearTimeout(this.startTimer);
        this.startTimer = null;
        this.infoValue = message.info;
        this.pidValue = message.pid;
        this.readyAt = Date.now();
        this.setState('ready', `${this.runtimeName}, pid ${message.pid}`);
        for (const w of this.readyWaiters.splice(0)) w.resolve(undefined);
        return;
      }
      case 'fatal': {
        this.lastFailure = message.error.message;
        this.opts.log(`the engine could not start under ${this.runtimeName}: ${message.error.message}`);
        if (isAbiMismatch(message.error.message) && this.runtimeIndex < this.opts.runtimes.length - 1) this.switchRuntime = true;
        return;
      }
      case 'result': {
        const p = this.pending.get(message.id);
        if (!p) return;
        this.pending.delete(message.id);
        if (message.ok) p.resolve(message.result);
        else p.reject(toContractError(message.error));
        return;
      }
      case 'event':
        this.opts.onEvent?.(message.event);
        return;
      case 'closed':
        this.closedCleanly = true;
        return;
    }
  }

  private onExit(code: number | null): void {
    this.proc = null;
    if (this.startTimer) clearTimeout(this.startTimer);
    this.startTimer = null;
    const wasReady = this.stateValue === 'ready';
    for (const [, p] of this.pending) p.reject(new ContractError('unavailable', `the engine stopped (exit code ${code ?? 'none'}) before answering`));
    this.pending.clear();
    for (const w of this.exitWaiters.splice(0)) w();

    if (this.stateValue === 'stopping' || this.stateValue === 'stopped') {
      this.setState('stopped', this.closedCleanly ? 'clean' : `exit code ${code ?? 'none'}`);
      return;
    }
    if (this.switchRuntime) {
      const from = this.runtimeName;
      this.runtimeIndex++;
      this.opts.log(`${from} cannot load the engine's native modules here; using ${this.runtimeName} instead`);
      this.spawn(wasReady ? 'restarting' : 'starting');
      return;
    }
    if (wasReady && Date.now() - this.readyAt >= this.opts.stableAfterMs) this.restarts = 0;
    if (wasReady) this.lastFailure = `exited with code ${code ?? 'none'}`;
    this.restarts++;
    if (this.restarts > this.opts.maxRestarts) {
      this.setState('failed', this.lastFailure ?? undefined);
      this.failReadyWaiters(new ContractError('unavailable', `the engine could not be started: ${this.lastFailure ?? `exit code ${code}`}`));
      return;
    }
    const delays = this.opts.restartDelaysMs;
    const wait = delays[Math.min(this.restarts - 1, delays.length - 1)] ?? 1_000;
    this.opts.log(`the engine exited (code ${code ?? 'none'}); restarting in ${wait} ms`);
    this.setState('restarting', `attempt ${this.restarts}`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stateValue === 'restarting') this.spawn('restarting');
    }, wait);
  }

  private failReadyWaiters(error: Error): void {
    for (const w of this.readyWaiters.splice(0)) w.reject(error);
  }

  private clearTimers(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.startTimer) clearTimeout(this.startTimer);
    this.restartTimer = this.startTimer = null;
  }

  private setState(state: EngineState, detail?: string): void {
    this.stateValue = state;
    this.opts.onStateChange?.(state, detail);
  }
}

function toContractError(body: ErrorBody): ContractError {
  return new ContractError(body.code, body.message);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
