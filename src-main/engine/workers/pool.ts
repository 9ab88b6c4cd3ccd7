import { Worker, type Transferable } from 'node:worker_threads';
import os from 'node:os';

/**
 * A small pool of worker threads for CPU-heavy work (sharp, ONNX, hashing) so the
 * engine's event loop only routes messages and writes SQLite.
 *
 * Protocol: the pool posts `{ id, request }`; a worker answers with
 * `{ id, type: 'progress', progress }` any number of times, then exactly one of
 * `{ id, type: 'result', result }` or `{ id, type: 'error', message, code }`; the task then
 * rejects with a WorkerTaskError carrying that code as `errorCode`.
 * A worker that dies fails its task and is replaced.
 */
export interface PoolOptions {
  size?: number;
  name?: string;
  workerData?: unknown;
}

interface Task<Req, Res, Prog> {
  id: number;
  request: Req;
  transfer?: readonly Transferable[];
  resolve: (value: Res) => void;
  reject: (reason: Error) => void;
  onProgress?: (progress: Prog) => void;
  signal?: AbortSignal;
}

interface Slot<Req, Res, Prog> {
  worker: Worker;
  task: Task<Req, Res, Prog> | null;
  /** Called once its running task settles (close() waits on it). */
  onIdle?: () => void;
}

/** How long close() waits for running tasks before terminating their workers. */
const DRAIN_MS = 2_000;

export class WorkerPool<Req, Res, Prog = unknown> {
  private readonly slots: Slot<Req, Res, Prog>[] = [];
  private readonly waiting: Task<Req, Res, Prog>[] = [];
  private nextId = 1;
  private closed = false;
  readonly size: number;

  constructor(
    private readonly script: URL,
    private readonly options: PoolOptions = {},
  ) {
    this.size = Math.max(1, options.size ?? Math.max(1, os.availableParallelism() - 1));
  }

  /**
   * `signal` drops a task still waiting; `kill` also terminates the worker running it
   * (the task rejects and a fresh worker replaces it): a job queue's cancel, once its
   * grace period is over, for work that cannot stop on its own.
   */
  run(
    request: Req,
    opts: { transfer?: readonly Transferable[]; onProgress?: (p: Prog) => void; signal?: AbortSignal; kill?: AbortSignal } = {},
  ): Promise<Res> {
    if (this.closed) return Promise.reject(new Error(`worker pool ${this.options.name ?? ''} is closed`));
    if (opts.signal?.aborted) return Promise.reject(abortError());
    return new Promise<Res>((resolve, reject) => {
      // The listeners go when the task settles, however it settles: one long-lived signal
      // (a job's) given to thousands of tasks would otherwise hold a listener per task
      // (and Node warns past 10 of them).
      const detach = () => {
        opts.signal?.removeEventListener('abort', dequeue);
        opts.kill?.removeEventListener('abort', killTask);
      };
      const task: Task<Req, Res, Prog> = {
        id: this.nextId++,
        request,
        ...opts,
        resolve: (value) => {
          detach();
          resolve(value);
        },
        reject: (reason) => {
          detach();
          reject(reason);
        },
      };
      /** A task still waiting for a worker leaves the line at once; true when it did. */
      const dequeue = () => {
        const i = this.waiting.indexOf(task);
        if (i < 0) return false;
        this.waiting.splice(i, 1);
        task.reject(abortError());
        return true;
      };
      // kill: a running task's worker is terminated too (its slot is retired and replaced).
      const killTask = () => {
        if (dequeue()) return;
        const slot = this.slots.find((s) => s.task === task);
        if (slot) void slot.worker.terminate();
      };
      opts.signal?.addEventListener('abort', dequeue, { once: true });
      opts.kill?.addEventListener('abort', killTask, { once: true });
      this.waiting.push(task);
      this.pump();
    });
  }

  /** Whether a worker thread exists (one was needed since the pool was made, and is still alive). */
  get started(): boolean {
    return this.slots.length > 0;
  }

  /** Tasks queued or running. */
  get pending(): number {
    return this.waiting.length + this.slots.filter((s) => s.task).length;
  }

  /**
   * Refuses new tasks, drops waiting ones, and lets running ones finish for up to
   * `drainMs` before terminating their workers. Terminating a worker inside a native call
   * (an onnxruntime session's run) aborts the whole process ("terminate called … Napi::Error"),
   * so a shutdown that stops the queue first and then closes the pools ends cleanly.
   */
  async close(opts: { drainMs?: number } = {}): Promise<void> {
    this.closed = true;
    for (const t of this.waiting.splice(0)) t.reject(new Error('worker pool closed'));
    const busy = this.slots.filter((s) => s.task).map((s) => new Promise<void>((resolve) => (s.onIdle = resolve)));
    if (busy.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(busy), new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.drainMs ?? DRAIN_MS)))]);
      clearTimeout(timer);
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private pump(): void {
    while (this.waiting.length) {
      let slot = this.slots.find((s) => !s.task);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const task = this.waiting.shift()!;
      slot.task = task;
      slot.worker.ref(); // a busy worker keeps the process alive; an idle one does not
      slot.worker.postMessage({ id: task.id, request: task.request }, task.transfer);
    }
  }

  private spawn(): Slot<Req, Res, Prog> {
    const fromSources = this.script.pathname.endsWith('.ts');
    const worker = fromSources
      ? new Worker(new URL('./ts-worker-bootstrap.mjs', import.meta.url), {
          workerData: { ...(this.options.workerData as object), __tsEntry: this.script.href },
          name: this.options.name,
        })
      : new Worker(this.script, { workerData: this.options.workerData, name: this.options.name });
    const slot: Slot<Req, Res, Prog> = { worker, task: null };
    worker.on('message', (msg: { id: number; type: string; result?: Res; progress?: Prog; message?: string; code?: string | null }) => {
      const task = slot.task;
      if (!task || task.id !== msg.id) return;
      if (msg.type === 'progress') {
        task.onProgress?.(msg.progress as Prog);
        return;
      }
      slot.task = null;
      slot.worker.unref();
      slot.onIdle?.();
      if (msg.type === 'result') task.resolve(msg.result as Res);
      else task.reject(new WorkerTaskError(msg.message ?? 'worker failed', msg.code ?? null));
      this.pump();
    });
    worker.on('error', (err) => this.retire(slot, err));
    worker.on('exit', (code) => this.retire(slot, new Error(`worker exited with code ${code}`)));
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  private retire(slot: Slot<Req, Res, Prog>, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    slot.onIdle?.();
    if (slot.task) slot.task.reject(err);
    if (!this.closed) this.pump();
  }
}

/** A task's failure inside the worker, rebuilt on this side with its machine-readable code. */
export class WorkerTaskError extends Error {
  override name = 'WorkerTaskError';
  constructor(
    message: string,
    readonly errorCode: string | null,
  ) {
    super(message);
  }
}

function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}
