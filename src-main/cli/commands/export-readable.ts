import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { CliCommand } from '../../engine/cli-command.js';
import { DataDirLock, LibraryHeldError } from '../../engine/data-dir-lock.js';
import { salvageBlobs, salvageRows } from '../../engine/db/salvage.js';
import { defaultDataDir } from '../../engine/paths.js';
import { openEngine } from '../../features/index.js';

export const exportReadableCommand: CliCommand = {
  name: 'export-readable',
  summary: 'Copy what is readable of a damaged library into a new one',
  needsTheLibrary: 'it reads the damaged library file by file, which only a closed library allows',
  usage: `atolye [--data-dir DAMAGED] export-readable --to NEW_FOLDER

When a library fails its integrity check, Atölye refuses to open it (so nothing more is
lost). This copies every row that can still be read, table by table, and every file whose
bytes still match their checksum, into a new library at NEW_FOLDER; the damaged one is
only read. Then run Atölye with --data-dir NEW_FOLDER (or move it into place), and keep
the damaged folder until you have checked the copy.

Options:
  --to FOLDER   where the new library goes (a new or empty folder)
  -h, --help    show this help`,
  async run(args, ctx) {
    const { values } = parseArgs({ args, options: { to: { type: 'string' } } });
    if (!values.to) {
      ctx.err('atolye export-readable: give the new library folder with --to FOLDER');
      return 2;
    }
    const from = ctx.dataDir ?? defaultDataDir();
    const to = path.resolve(values.to);
    if (path.resolve(from) === to) {
      ctx.err('atolye export-readable: --to must be another folder than the damaged library');
      return 2;
    }
    if ((await fs.readdir(to).catch(() => [])).length > 0) {
      ctx.err(`atolye export-readable: ${to} is not empty; give a new or empty folder`);
      return 2;
    }
    const file = path.join(from, 'library.db');
    if (!(await fs.stat(file).catch(() => null))) {
      ctx.err(`atolye export-readable: there is no library at ${from}`);
      return 1;
    }
    // Nothing else may write the damaged library while it is read.
    let lock: DataDirLock;
    try {
      lock = DataDirLock.acquire(from);
    } catch (err) {
      if (err instanceof LibraryHeldError) throw new LibraryHeldError(err.dataDir, err.holder, `${err.message}. \`atolye export-readable\` cannot run beside it: ${exportReadableCommand.needsTheLibrary}`);
      throw err;
    }
    let source: Database.Database | null = null;
    try {
      source = new Database(file, { readonly: true, fileMustExist: true });
      const engine = await openEngine({ dataDir: to, queue: { autostart: false }, workers: 1 });
      try {
        const tables = salvageRows(source, engine.db);
        const blobs = await salvageBlobs(from, engine.store);
        for (const t of tables.filter((x) => x.copied > 0 || x.unreadableRanges > 0)) {
          ctx.out(`${t.table.padEnd(28)} ${String(t.copied).padStart(8)} rows${t.unreadableRanges ? `, ${t.unreadableRanges} unreadable range(s) lost` : ''}`);
        }
        ctx.out(`files: ${blobs.copied} copied${blobs.damaged ? `, ${blobs.damaged} damaged (not copied)` : ''}`);
        ctx.out(`The readable part of ${from} is now a library at ${to}: open it with --data-dir ${to}.`);
      } finally {
        await engine.close();
      }
    } finally {
      source?.close();
      lock.release();
    }
    return 0;
  },
};
