/**
 * Copies what is still readable out of a damaged library into a new one: the rows of every
 * table the new library also has (page by page, stepping over ranges SQLite reports as
 * corrupt), and every blob whose bytes still hash to its name. Used by
 * `atolye export-readable` when the integrity check refuses a library.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Db } from './database.js';
import type { BlobStore } from '../store/blob-store.js';

export interface TableSalvage {
  table: string;
  copied: number;
  /** Row ranges SQLite could not read (their rows are lost). */
  unreadableRanges: number;
}

export interface SalvageReport {
  tables: TableSalvage[];
  blobs: { copied: number; damaged: number };
}

const PAGE = 500;
/** Tables whose rows belong to one run of the engine or to the copy's own bookkeeping. */
const SKIP = new Set(['migrations', 'schema_migrations', 'blob_gc', 'upload_claims']);

const isCorrupt = (err: unknown) => {
  const code = (err as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_IOERR');
};

/** Copies the readable rows of every ordinary table `target` shares with `source` (foreign keys off while copying). */
export function salvageRows(source: Db, target: Db): TableSalvage[] {
  const out: TableSalvage[] = [];
  const tables = target
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all() as { name: string; sql: string | null }[];
  const virtual = tables.filter((t) => /^CREATE VIRTUAL TABLE/i.test(t.sql ?? ''));
  const shadow = (name: string) => virtual.some((v) => name.startsWith(`${v.name}_`));
  let sourceTables: Set<string>;
  try {
    sourceTables = new Set(source.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
  } catch (err) {
    if (isCorrupt(err)) return [];
    throw err;
  }
  target.pragma('foreign_keys = OFF');
  try {
    for (const { name, sql } of tables) {
      if (SKIP.has(name) || !sourceTables.has(name) || /^CREATE VIRTUAL TABLE/i.test(sql ?? '') || shadow(name)) continue;
      out.push(copyTable(source, target, name, /WITHOUT ROWID/i.test(sql ?? '')));
    }
    // Full-text indexes over a table's content are rebuilt from the rows just copied.
    for (const v of virtual) {
      if (!/content\s*=/i.test(v.sql ?? '')) continue;
      try {
        target.prepare(`INSERT INTO "${v.name}"("${v.name}") VALUES ('rebuild')`).run();
      } catch {
        /* not a rebuildable index: it fills as rows change */
      }
    }
  } finally {
    target.pragma('foreign_keys = ON');
  }
  return out;
}

function copyTable(source: Db, target: Db, table: string, withoutRowid: boolean): TableSalvage {
  const result: TableSalvage = { table, copied: 0, unreadableRanges: 0 };
  const targetColumns = (target.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name);
  let sourceColumns: string[];
  try {
    sourceColumns = (source.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name);
  } catch (err) {
    if (!isCorrupt(err)) throw err;
    result.unreadableRanges++;
    return result;
  }
  const columns = targetColumns.filter((c) => sourceColumns.includes(c));
  if (columns.length === 0) return result;
  const list = columns.map((c) => `"${c}"`).join(', ');
  const insert = target.prepare(`INSERT OR IGNORE INTO "${table}" (${list}) VALUES (${columns.map(() => '?').join(', ')})`);
  const write = target.transaction((rows: Record<string, unknown>[]) => {
    for (const r of rows) result.copied += insert.run(...columns.map((c) => r[c])).changes;
  });
  if (withoutRowid) {
    try {
      write(source.prepare(`SELECT ${list} FROM "${table}"`).all() as Record<string, unknown>[]);
    } catch (err) {
      if (!isCorrupt(err)) throw err;
      result.unreadableRanges++;
    }
    return result;
  }
  // Inclusive lower bounds: a seek for `rowid > last` would land on the damaged leaf again
  // when `last` is the rowid just before the first readable row past it.
  const page = source.prepare(`SELECT rowid AS __rowid, ${list} FROM "${table}" WHERE rowid >= ? ORDER BY rowid LIMIT ${PAGE}`);
  const one = source.prepare(`SELECT rowid AS __rowid, ${list} FROM "${table}" WHERE rowid >= ? ORDER BY rowid LIMIT 1`);
  const probe = source.prepare(`SELECT rowid FROM "${table}" WHERE rowid >= ? ORDER BY rowid LIMIT 1`).pluck();
  const readsAt = (at: number): { ok: true; next: number | undefined } | { ok: false } => {
    try {
      return { ok: true, next: probe.get(at) as number | undefined };
    } catch (e) {
      if (!isCorrupt(e)) throw e;
      return { ok: false };
    }
  };
  let from = Number.MIN_SAFE_INTEGER;
  for (;;) {
    let rows: (Record<string, unknown> & { __rowid: number })[];
    try {
      rows = page.all(from) as typeof rows;
    } catch (err) {
      if (!isCorrupt(err)) throw err;
      // The page of rows holds a damaged stretch: the rows before it one by one…
      for (;;) {
        let row: (Record<string, unknown> & { __rowid: number }) | undefined;
        try {
          row = one.get(from) as typeof row;
        } catch (e) {
          if (!isCorrupt(e)) throw e;
          break;
        }
        if (!row) return result;
        write([row]);
        from = row.__rowid + 1;
      }
      // …then over the damaged stretch: growing jumps to a rowid that reads, and back by
      // bisection to the first one, so no readable row past the damage is skipped.
      result.unreadableRanges++;
      const base = from === Number.MIN_SAFE_INTEGER ? -1 : from;
      let bad = base;
      let good: number | null = null;
      let next: number | undefined;
      for (let step = 1; step < 2 ** 52; step *= 2) {
        const r = readsAt(base + step);
        if (r.ok) {
          good = base + step;
          next = r.next;
          break;
        }
        bad = base + step;
      }
      if (good === null) return result;
      while (good - bad > 1) {
        const mid = Math.floor((good + bad) / 2);
        const r = readsAt(mid);
        if (r.ok) {
          good = mid;
          next = r.next;
        } else bad = mid;
      }
      if (next === undefined) return result;
      from = next;
      continue;
    }
    if (rows.length === 0) return result;
    write(rows);
    from = rows[rows.length - 1]!.__rowid + 1;
  }
}

/** Copies every blob whose bytes still hash to its name into `store`; answers what was copied and what was damaged. */
export async function salvageBlobs(fromDataDir: string, store: BlobStore): Promise<{ copied: number; damaged: number }> {
  const root = path.join(fromDataDir, 'blobs');
  let copied = 0;
  let damaged = 0;
  let shards: string[];
  try {
    shards = await fs.readdir(root);
  } catch {
    return { copied, damaged };
  }
  for (const shard of shards) {
    let names: string[];
    try {
      names = await fs.readdir(path.join(root, shard));
    } catch {
      continue;
    }
    for (const name of names) {
      if (!/^[0-9a-f]{64}$/.test(name)) continue;
      const file = path.join(root, shard, name);
      const sha = await hashFile(file).catch(() => null);
      if (sha !== name) {
        damaged++;
        continue;
      }
      const dest = store.pathOf(name);
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.copyFile(file, dest);
      copied++;
    }
  }
  return { copied, damaged };
}

function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => hash.update(c))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
