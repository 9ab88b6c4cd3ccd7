import Database from 'better-sqlite3';
import { coreMigrations } from './core-migrations.js';
import { migrate, type MigrationScope } from './migrate.js';

export type Db = Database.Database;

/**
 * Opens the library database and brings its schema up to date: core's migrations, then
 * those of each scope given (the engine passes its features'). Only the engine's main
 * thread holds a handle that writes: workers send results back by message (the Signal
 * Desktop rule: one writer).
 */
export function openDatabase(file: string, options: { scopes?: readonly MigrationScope[]; synchronous?: 'NORMAL' | 'FULL' } = {}): Db {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, [{ scope: 'core', migrations: coreMigrations }, ...(options.scopes ?? [])], { refuseUnknownScopes: true });
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
