import path from 'node:path';
import Database from 'better-sqlite3';
import { DamagedLibraryError } from '../library-errors.js';
import { coreMigrations } from './core-migrations.js';
import { migrate, type MigrationScope } from './migrate.js';
import { searchFold } from '../../../src-shared/search-fold.js';

export type Db = Database.Database;

/**
 * Opens the library database and brings its schema up to date: core's migrations, then
 * those of each scope given (the engine passes its features'). Only the engine's main
 * thread holds a handle that writes: workers send results back by message (the Signal
 * Desktop rule: one writer).
 */
export function openDatabase(
  file: string,
  options: { scopes?: readonly MigrationScope[]; synchronous?: 'NORMAL' | 'FULL'; checkIntegrity?: boolean } = {},
): Db {
  const db = new Database(file);
  try {
    // Before anything writes: a damaged library is refused as it is, not made worse by a migration.
    if (options.checkIntegrity) checkIntegrity(db, path.dirname(file));
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.function('search_fold', { deterministic: true }, (text: unknown) => (text === null || text === undefined ? null : searchFold(String(text))));
    migrate(db, [{ scope: 'core', migrations: coreMigrations }, ...(options.scopes ?? [])], { refuseUnknownScopes: true });
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * SQLite's quick_check: every page and record well formed, without the index-versus-table
 * comparison of integrity_check (linear in the file's size, a fraction of a second for a
 * large library). A file that is not a database at all fails here too.
 */
export function checkIntegrity(db: Db, dataDir: string): void {
  let problems: string[];
  try {
    problems = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((r) => r.quick_check);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') throw new DamagedLibraryError(dataDir, (err as Error).message);
    throw err;
  }
  if (problems.length !== 1 || problems[0] !== 'ok') {
    // SQLite's report spans lines ("*** in database main ***\nTree 28 page 126: …"); the error is one line.
    const summary = problems.slice(0, 3).map((p) => p.replace(/\s*\n\s*/g, ' '));
    throw new DamagedLibraryError(dataDir, `integrity check: ${summary.join('; ')}`);
  }
}
