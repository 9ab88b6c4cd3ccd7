import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliBackend, CliCommand, CliContext } from '../engine/cli-command.js';
import { LibraryHeldError } from '../engine/data-dir-lock.js';
import { installCrashGuard } from '../engine/crash-guard.js';
import type { Engine } from '../engine/engine.js';
import { packageVersion } from '../engine/package-root.js';
import { defaultDataDir } from '../engine/paths.js';
import { engineFeatures, openEngine } from '../features/index.js';
import { localBackend, remoteBackend } from './backend.js';
import { exportReadableCommand } from './commands/export-readable.js';
import { infoCommand } from './commands/info.js';
import { queueCommand } from './commands/queue.js';
import { serveCommand } from './commands/serve.js';
import { printableLines } from './printable.js';

// Argument parsing is node:util's parseArgs: built in, typed, enough for flat commands.
/** Core's commands, then each feature's. */
export const commands: CliCommand[] = [serveCommand, infoCommand, queueCommand, exportReadableCommand, ...engineFeatures.flatMap((f) => f.cli?.(f) ?? [])];

function mainUsage(): string {
  const shown = (c: CliCommand) => (c.aliases?.length ? `${c.name} (${c.aliases.join(', ')})` : c.name);
  const width = Math.max(...commands.map((c) => shown(c).length));
  return [
    `atolye ${packageVersion}: product imagery studio, from the command line`,
    '',
    'Usage: atolye [--data-dir DIR] <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${shown(c).padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    `  --data-dir DIR  library folder (default: $ATOLYE_DATA_DIR or ${defaultDataDir()})`,
    '  -v, --version   print the version',
    '  -h, --help      show this help; `atolye <command> --help` for a command',
    '',
    'Ctrl+C (or SIGTERM) stops any command cleanly: running jobs get a few seconds, the',
    'library is closed and unlocked, and the exit code is 130 (143). A second Ctrl+C stops',
    'at once; unfinished jobs are put back either way and resume next time.',
  ].join('\n');
}

export interface CliIo {
  out?: (l: string) => void;
  err?: (l: string) => void;
  /** Resolves when the caller wants the command stopped (tests); the process's signals otherwise. */
  stopped?: Promise<void>;
  /** Running as the process itself: handle SIGINT/SIGTERM/SIGHUP and record crashes (bin/atolye.js does). */
  ownsProcess?: boolean;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function runCli(argv: string[], io: CliIo = {}): Promise<number> {
  const rawOut = io.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const rawErr = io.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  // After a stop (a signal, a full disk) the command's own output would only be noise about a closing library.
  let muted = false;
  const out = (l: string) => void (!muted && rawOut(printableLines(l)));
  const err = (l: string) => void (!muted && rawErr(printableLines(l)));
  // --data-dir is global: accept it before or after the command name.
  const { dataDirArg, rest: args } = takeDataDir(argv);
  const { tokens } = parseArgs({
    args,
    strict: false,
    allowPositionals: true,
    tokens: true,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
  });
  const first = tokens.find((t) => t.kind === 'positional');
  const globalsEnd = first ? first.index : args.length;
  const global = parseArgs({
    args: args.slice(0, globalsEnd),
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
    strict: false,
  }).values;
  if (!first) {
    if (global.version) {
      out(packageVersion);
      return 0;
    }
    out(mainUsage());
    return global.help ? 0 : 2;
  }
  const command = commands.find((c) => c.name === first.value || c.aliases?.includes(first.value));
  if (!command) {
    err(`atolye: unknown command "${first.value}"\n`);
    err(mainUsage());
    return 2;
  }
  const rest = args.slice(globalsEnd + 1);
  if (rest.includes('--help') || rest.includes('-h')) {
    out(command.usage);
    return 0;
  }
  if (dataDirArg === '') {
    err('atolye: --data-dir needs a folder');
    return 2;
  }
  const dataDir = dataDirArg === undefined ? undefined : path.resolve(dataDirArg);

  let engine: Promise<Engine> | null = null;
  let opened: Engine | null = null;
  /** Why the runner stopped the command, once it has: the exit code follows. */
  let stopping: string | null = null;
  const stopRequested = deferred<void>();
  const stopped = deferred<number>();
  const say = (line: string) => rawErr(printableLines(`atolye ${command.name}: ${line}`));

  /** Stops the command: it may finish on its own for a moment, then the engine closes cleanly. */
  const stop = (why: string, code: number, line: string, commandDone: Promise<unknown>) => {
    if (stopping) return;
    stopping = why;
    say(line);
    muted = true;
    stopRequested.resolve();
    void (async () => {
      await Promise.race([commandDone.catch(() => undefined), delay(command.servesUntilStopped ? 10_000 : 300)]);
      try {
        if (engine) await (await engine).close();
      } catch {
        /* it failed to open: nothing to close */
      }
      stopped.resolve(code);
    })();
  };

  let commandDone: Promise<number> = new Promise(() => undefined);
  const watchDiskFull = async (e: Engine, runJobs: boolean) => {
    if (!runJobs || command.servesUntilStopped) return;
    const onFull = async () => {
      const line = await e.disk.describe();
      stop('disk_full', 75, `${line}. Free some space and run it again (or open the app): the work resumes where it stopped`, commandDone);
    };
    e.events.subscribe((event) => {
      if (event.type === 'queue.changed' && event.payload.batchId === null && event.payload.reason === 'disk_full') void onFull();
    });
    if (e.queue.pauseReason() === 'disk_full' && (await e.disk.freeBytes().catch(() => 0)) < e.disk.minFreeBytes) void onFull();
  };

  let remote: (CliBackend & { close(): void }) | null = null;
  const openHere = (options: { runJobs?: boolean } = {}) =>
    (engine ??= openEngine({ dataDir, queue: { autostart: options.runJobs !== false } }).then((e) => {
      opened = e;
      void watchDiskFull(e, options.runJobs !== false);
      return e;
    }));
  let backend: Promise<CliBackend> | null = null;
  const ctx: CliContext = {
    dataDir,
    out,
    err,
    engine: (options = {}) =>
      openHere(options).catch((e: unknown) => {
        // A command that needs the library itself cannot run beside its holder: say so plainly.
        if (e instanceof LibraryHeldError) throw new LibraryHeldError(e.dataDir, e.holder, `${e.message}. \`atolye ${command.name}\` cannot run beside it: ${command.needsTheLibrary ?? 'it needs the library itself'}`);
        throw e;
      }),
    backend: (options = {}) =>
      (backend ??= openHere(options).then(
        (e) => localBackend(e),
        async (e: unknown) => {
          if (!(e instanceof LibraryHeldError)) throw e;
          engine = null;
          remote = await remoteBackend(e);
          return remote;
        },
      )),
    stopped: io.stopped ? Promise.race([io.stopped, stopRequested.promise]) : stopRequested.promise,
  };

  const cleanups: (() => void)[] = [];
  if (io.ownsProcess) {
    cleanups.push(installCrashGuard(() => opened, { log: say }));
    // A reader that stopped reading (`atolye products list | head`) is not a crash: stop quietly, as other tools do.
    const onStdoutError = (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      opened?.closeNow();
      process.exit(0);
    };
    process.stdout.on('error', onStdoutError);
    cleanups.push(() => process.stdout.off('error', onStdoutError));
    const onSignal = (signal: NodeJS.Signals) => {
      const code = 128 + (os.constants.signals[signal] ?? 2);
      if (!stopping) {
        const again = signal === 'SIGINT' ? 'Ctrl+C again' : `${signal} again`;
        const held = remote as CliBackend | null;
        // Beside the app nothing runs here: what was started goes on there.
        if (held?.remote) stop(signal, code, `stopped (${signal}); what it started goes on in the Atölye process ${held.remote.pid} that holds the library (atolye queue shows it)`, commandDone);
        else stop(signal, code, `stopping (${signal}): running jobs get a few seconds, then the library is closed; ${again} stops at once`, commandDone);
        return;
      }
      say(`stopping at once (${signal}); unfinished jobs are put back and resume next time`);
      opened?.closeNow();
      process.exit(code);
    };
    for (const s of STOP_SIGNALS) {
      process.on(s, onSignal);
      cleanups.push(() => process.off(s, onSignal));
    }
  } else if (io.stopped) {
    void io.stopped.then(() => stop('stopped', 130, 'stopping', commandDone));
  }

  let code: number;
  try {
    commandDone = command.run(rest, ctx);
    code = await Promise.race([commandDone, stopped.promise]);
    if (stopping) code = await stopped.promise;
  } catch (e) {
    if (stopping) {
      code = await stopped.promise;
    } else {
      const message = e instanceof Error ? e.message : String(e);
      err(`atolye ${command.name}: ${message}`);
      code = (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (e as { code?: string }).code === 'invalid_input' ? 2 : 1;
    }
  } finally {
    const toClose = engine as Promise<Engine> | null;
    if (toClose) await toClose.then((e) => e.close()).catch(() => undefined);
    (remote as { close(): void } | null)?.close();
    for (const c of cleanups) c();
  }
  return code;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Pulls `--data-dir DIR` / `--data-dir=DIR` out of the arguments, wherever it stands. */
function takeDataDir(argv: string[]): { dataDirArg: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let dataDirArg: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--data-dir') dataDirArg = argv[++i] ?? '';
    else if (a.startsWith('--data-dir=')) dataDirArg = a.slice('--data-dir='.length);
    else rest.push(a);
  }
  return { dataDirArg, rest };
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]).replace(/\.(ts|js)$/, '') === new URL(import.meta.url).pathname.replace(/\.(ts|js)$/, '');
if (invokedDirectly || process.env.ATOLYE_CLI_ENTRY === '1') {
  runCli(process.argv.slice(2), { ownsProcess: true }).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`atolye: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
