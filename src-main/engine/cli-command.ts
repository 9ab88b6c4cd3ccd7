import type { Engine } from './engine.js';

export interface CliContext {
  /**
   * Opens the engine on the chosen data directory (once; commands that need none never pay
   * for it). `runJobs: false` opens it without starting the queue (inspection, pause/resume).
   */
  engine: (options?: { runJobs?: boolean }) => Promise<Engine>;
  dataDir: string | undefined;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the user asks to stop (Ctrl+C / SIGTERM); long-running commands wait on it. */
  stopped: Promise<void>;
}

/**
 * One command of `atolye` (one file per command, as Upscayl does): name, help text and
 * the run function. Features contribute theirs through their `cli` list; the CLI's
 * runner (src-main/cli/) parses the global options and dispatches.
 */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], ctx: CliContext): Promise<number>;
}
