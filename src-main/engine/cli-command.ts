import type { Batch, EngineEvent, JobDetail, MethodInput, MethodName, MethodOutput } from '../../src-shared/contract/index.js';
import type { Engine } from './engine.js';

/**
 * The contract as a CLI command reaches it: in this process (an engine it opened) or, when
 * another Atölye process holds the library (the app, \`atolye serve\`), over that process's
 * loopback server with the same-user credential published beside the library's lock.
 * A command written against it works in both cases.
 */
export interface CliBackend {
  call<M extends MethodName>(name: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  /** Every engine event; answers the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** Resolves once subscribed events are flowing, so none after it is missed. */
  ready(): Promise<void>;
  /** Copies a library asset's file (an original, a result) to dest, atomically. */
  saveAsset(assetId: string, dest: string): Promise<void>;
  /** Null when the engine runs in this process; otherwise the process the calls go to. */
  remote: { pid: number; port: number } | null;
}

export interface CliContext {
  /**
   * Opens the engine on the chosen data directory (once; commands that need none never pay
   * for it). `runJobs: false` opens it without starting the queue (inspection, pause/resume).
   */
  engine: (options?: { runJobs?: boolean }) => Promise<Engine>;
  /**
   * The contract: an engine opened here (as engine() opens it), or, when another Atölye
   * process holds the library, that process over its loopback server. Prefer it to
   * engine(): a command that uses it also works beside the running app.
   */
  backend: (options?: { runJobs?: boolean }) => Promise<CliBackend>;
  dataDir: string | undefined;
  /** One line (or a block of lines) to stdout; control characters in it are escaped (printable.ts). */
  out: (line: string) => void;
  /** The same to stderr. */
  err: (line: string) => void;
  /**
   * Resolves when the user asks to stop (Ctrl+C / SIGTERM). Commands that serve until then
   * wait on it; any other command is stopped by the runner itself (it closes the engine
   * cleanly and exits 130/143), so a command need not handle signals.
   */
  stopped: Promise<void>;
}

/**
 * One command of `atolye` (one file per command, as Upscayl does): name, help text and
 * the run function. Features contribute theirs through their `cli` list; the CLI's
 * runner (src-main/cli/) parses the global options and dispatches.
 */
export interface CliCommand {
  name: string;
  /** Other names it answers to (shorter ones people type, e.g. remove-bg). */
  aliases?: readonly string[];
  summary: string;
  usage: string;
  run(args: string[], ctx: CliContext): Promise<number>;
  /**
   * A command that serves until stopped (`serve`) keeps running while the queue is paused
   * for a full disk (the UI shows it). Any other command that waits on jobs stops with
   * one line and a non-zero code when the library's disk fills up.
   */
  servesUntilStopped?: boolean;
  /**
   * Why it cannot run beside the app (or \`atolye serve\`) that holds the library: said in
   * one sentence when it is held. Every command that uses only ctx.backend() runs there instead.
   */
  needsTheLibrary?: string;
}

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

/**
 * Waits until a batch has finished, in this process or in the app that holds the library.
 * Batch events wake it; the batch is also polled, so a missed event (a dropped socket)
 * never leaves the CLI waiting. A paused batch is waited for, as the app would.
 */
export async function waitForBatch(backend: CliBackend, batchId: string): Promise<Batch> {
  return waitUntil(
    backend,
    () => backend.call('queue.batch', { id: batchId }),
    (e) => e.type.startsWith('batch.') && (e.payload as { id?: string }).id === batchId,
  );
}

/** Waits until a job has finished (completed, failed or cancelled); see waitForBatch. */
export async function waitForJob(backend: CliBackend, jobId: string): Promise<JobDetail> {
  return waitUntil(
    backend,
    () => backend.call('queue.get', { id: jobId }),
    (e) => e.type.startsWith('job.') && (e.payload as { jobId?: string }).jobId === jobId,
  );
}

async function waitUntil<T extends { state: string }>(backend: CliBackend, read: () => Promise<T>, wakes: (event: EngineEvent) => boolean): Promise<T> {
  return followUntil(backend, read, wakes, (now) => FINISHED.has(now.state));
}

/**
 * Reads something until `done` says so, handing each reading to `onEach` (a command that
 * prints progress): events that `wakes` accepts read it again at once, and a poll every
 * second covers a missed event (a dropped socket), in this process or beside the app.
 */
export async function followUntil<T>(backend: CliBackend, read: () => Promise<T>, wakes: (event: EngineEvent) => boolean, done: (now: T) => boolean, onEach?: (now: T) => void): Promise<T> {
  let wake = () => {};
  const unsubscribe = backend.subscribe((e) => {
    if (wakes(e)) wake();
  });
  try {
    await backend.ready();
    for (;;) {
      const now = await read();
      onEach?.(now);
      if (done(now)) return now;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000).unref();
      });
    }
  } finally {
    unsubscribe();
  }
}

/** How a command says where its work runs: beside the app, it is the app's process that runs it. */
export function runsIn(backend: CliBackend): string {
  return backend.remote ? ` (in the Atölye process ${backend.remote.pid} that holds the library)` : '';
}
