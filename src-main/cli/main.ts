import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand, CliContext } from '../engine/cli-command.js';
import type { Engine } from '../engine/engine.js';
import { packageVersion } from '../engine/package-root.js';
import { defaultDataDir } from '../engine/paths.js';
import { engineFeatures, openEngine } from '../features/index.js';
import { infoCommand } from './commands/info.js';
import { queueCommand } from './commands/queue.js';
import { serveCommand } from './commands/serve.js';

// Argument parsing is node:util's parseArgs: built in, typed, enough for flat commands.
/** Core's commands, then each feature's. */
export const commands: CliCommand[] = [serveCommand, infoCommand, queueCommand, ...engineFeatures.flatMap((f) => f.cli?.(f) ?? [])];

function mainUsage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `atolye ${packageVersion}: product imagery studio, from the command line`,
    '',
    'Usage: atolye [--data-dir DIR] <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    `  --data-dir DIR  library folder (default: $ATOLYE_DATA_DIR or ${defaultDataDir()})`,
    '  -v, --version   print the version',
    '  -h, --help      show this help; `atolye <command> --help` for a command',
  ].join('\n');
}

export async function runCli(argv: string[], io: { out?: (l: string) => void; err?: (l: string) => void; stopped?: Promise<void> } = {}): Promise<number> {
  const out = io.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = io.err ?? ((l: string) => process.stderr.write(`${l}\n`));
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
  const command = commands.find((c) => c.name === first.value);
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
  let engine = null as Promise<Engine> | null;
  const ctx: CliContext = {
    dataDir,
    out,
    err,
    engine: (options = {}) => (engine ??= openEngine({ dataDir, queue: { autostart: options.runJobs !== false } })),
    stopped:
      io.stopped ??
      new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }),
  };
  try {
    return await command.run(rest, ctx);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    err(`atolye ${command.name}: ${message}`);
    return (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (e as { code?: string }).code === 'invalid_input' ? 2 : 1;
  } finally {
    const opened = engine as Promise<Engine> | null;
    if (opened) await (await opened).close();
  }
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
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
