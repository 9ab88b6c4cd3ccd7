// The driver's type, not database.ts's alias: database.ts runs the migrations, so importing it here would close a cycle.
import type Database from 'better-sqlite3';

type Db = Database.Database;

export interface Migration {
  /** 1, 2, 3… within its scope. */
  version: number;
  name: string;
  up: string;
}

/** Migrations of one owner: `core`, or a feature's name. */
export interface MigrationScope {
  scope: string;
  migrations: readonly Migration[];
}

/**
 * Libraries made before features owned their schema numbered migrations globally
 * (1 library, 2 queue, 3 models) in `schema_migrations`. Each old number stands for these
 * scoped ones; they are recorded as applied once, the first time such a library opens.
 */
const LEGACY: Record<number, readonly [string, number][]> = {
  1: [
    ['library', 1],
    ['import', 1],
  ],
  2: [['core', 1]],
  3: [
    ['models', 1],
    ['remove-background', 1],
  ],
};

/**
 * Applies, in order and each in its own immediate transaction, the migrations the
 * database has not seen, in the order given (core's first). Refuses a library written by
 * a newer Atölye: a scope with versions this build does not know, and, when asked (the
 * engine opening a library with all its features), a scope it does not know at all.
 * Returns what ran, as `scope/version`.
 */
export function migrate(db: Db, scopes: readonly MigrationScope[], options: { refuseUnknownScopes?: boolean } = {}): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS migrations (
    scope TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (scope, version)
  )`);
  adoptLegacy(db);
  const names = scopes.map((s) => s.scope);
  if (new Set(names).size !== names.length) throw new Error('two migration scopes share a name');
  for (const s of scopes) {
    const versions = s.migrations.map((m) => m.version);
    if (new Set(versions).size !== versions.length) throw new Error(`two ${s.scope} migrations share a version number`);
    if (versions.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`${s.scope} migration versions are whole numbers from 1`);
  }
  const applied = db.prepare('SELECT scope, MAX(version) AS newest FROM migrations GROUP BY scope').all() as { scope: string; newest: number }[];
  for (const { scope, newest } of applied) {
    const known = scopes.find((s) => s.scope === scope);
    if (!known && !options.refuseUnknownScopes) continue;
    const newestKnown = known ? Math.max(0, ...known.migrations.map((m) => m.version)) : 0;
    if (newest > newestKnown) {
      throw new Error(
        known
          ? `this library was written by a newer Atölye (${scope} schema ${newest}); update the app to open it`
          : `this library was written by a newer Atölye (it has data of "${scope}", which this version does not know); update the app to open it`,
      );
    }
  }
  const isApplied = db.prepare('SELECT 1 FROM migrations WHERE scope = ? AND version = ?').pluck();
  const record = db.prepare('INSERT INTO migrations (scope, version, name, applied_at) VALUES (?, ?, ?, ?)');
  const ran: string[] = [];
  for (const s of scopes) {
    for (const m of [...s.migrations].sort((a, b) => a.version - b.version)) {
      if (isApplied.get(s.scope, m.version)) continue;
      // IMMEDIATE takes the write lock before looking again: another process opening the same
      // new library at the same moment waits here, then finds the migration done and skips it.
      const didRun = db
        .transaction(() => {
          if (isApplied.get(s.scope, m.version)) return false;
          db.exec(m.up);
          record.run(s.scope, m.version, m.name, Date.now());
          return true;
        })
        .immediate();
      if (didRun) ran.push(`${s.scope}/${m.version}`);
    }
  }
  return ran;
}

function adoptLegacy(db: Db): void {
  const hasLegacy = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").pluck().get();
  if (!hasLegacy) return;
  db.transaction(() => {
    const old = db.prepare('SELECT version, applied_at FROM schema_migrations').all() as { version: number; applied_at: number }[];
    const insert = db.prepare('INSERT OR IGNORE INTO migrations (scope, version, name, applied_at) VALUES (?, ?, ?, ?)');
    for (const { version, applied_at } of old) {
      const mapped = LEGACY[version];
      if (!mapped) throw new Error(`this library was written by a newer Atölye (schema ${version}); update the app to open it`);
      for (const [scope, v] of mapped) insert.run(scope, v, 'adopted from schema_migrations', applied_at);
    }
    db.exec('DROP TABLE schema_migrations');
  }).immediate();
}
