/**
 * What a process that hosts an engine does when it is dying of an error (an uncaught
 * exception, an unhandled rejection): it records the crash in the library, synchronously,
 * before exiting. The next start then counts a crash against the jobs that were running,
 * so a job that crashes the engine becomes a poison job, while a job that was merely
 * running when the user or the OS killed the process (no record) is only put back.
 * Installed by the CLI and the engine host, not by the engine: a library embedded in a
 * test runner must not take over its process-wide handlers.
 */
import type { Engine } from './engine.js';

export interface CrashGuardOptions {
  /** One line for the user (stderr). */
  log: (line: string) => void;
  /** Exit code after a crash (EX_SOFTWARE). */
  exitCode?: number;
  exit?: (code: number) => never;
}

export function installCrashGuard(engineNow: () => Engine | null, options: CrashGuardOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let dying = false;
  const onFatal = (kind: string) => (err: unknown) => {
    if (dying) return;
    dying = true;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    engineNow()?.recordCrash(`${kind}: ${message}\n${err instanceof Error ? (err.stack ?? '') : ''}`);
    options.log(`internal error (${kind}): ${message.split('\n')[0]}; the library recorded it, and the job that was running is retried at most a few times`);
    exit(options.exitCode ?? 70);
  };
  const onException = onFatal('uncaught exception');
  const onRejection = onFatal('unhandled rejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
