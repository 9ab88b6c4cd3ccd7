import Database from 'better-sqlite3';
import type { Migration } from './migrations/index.js';
import { migrations as allMigrations } from './migrations/index.js';

export type Db = Database.Database;

/**
 * Opens the library database. Only the engine's main thread holds a handle that writes:
 * workers send results back by message (the Signal Desktop rule: one writer).
 */
export function openDatabase(file: string, options: { migrations?: readonly Migration[]; synchronous?: 'NORMAL' | 'FULL' } = {}): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, options.migrations ?? allMigrations);
  return db;
}

/** Applies, in order and each in its own transaction, the migrations the database has not seen. */
export function migrate(db: Db, migrations: readonly Migration[]): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const versions = migrations.map((m) => m.version);
  if (new Set(versions).size !== versions.length) throw new Error('two migrations share a version number');
  const newest = Math.max(0, ...applied);
  if (newest > Math.max(0, ...versions)) {
    throw new Error(`this library was written by a newer Atölye (schema ${newest}); update the app to open it`);
  }
  const ran: number[] = [];
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    // IMMEDIATE takes the write lock before looking again: another process opening the same
    // new library at the same moment waits here, then finds the migration done and skips it.
    const didRun = db
      .transaction(() => {
        if (isApplied.get(m.version)) return false;
        db.exec(m.up);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
        return true;
      })
      .immediate();
    if (didRun) ran.push(m.version);
  }
  return ran;
}
