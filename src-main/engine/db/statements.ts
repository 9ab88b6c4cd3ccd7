import type { Database, Statement } from 'better-sqlite3';

/**
 * Prepared statements kept per connection, for the hot commit paths (an import's
 * per-file commit prepared six statements for every photo: ~1.5 ms of the one SQL
 * writer's time each, measured with --cpu-prof on bench:import). A statement from here is
 * shared: use it at once (run/get/all), never hold an iterate() open across calls, and
 * never change its mode — ask for the pluck one instead, which is a separate entry.
 */
const caches = new WeakMap<Database, Map<string, Statement>>();

export function cachedStatement(db: Database, sql: string, mode: 'rows' | 'pluck' = 'rows'): Statement {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const key = `${mode}\u0000${sql}`;
  let stmt = cache.get(key);
  if (!stmt) {
    stmt = db.prepare(sql);
    if (mode === 'pluck') stmt.pluck();
    cache.set(key, stmt);
  }
  return stmt;
}
