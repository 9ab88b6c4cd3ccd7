/**
 * Removes blobs nobody references any more, without ever removing one a live row or a
 * writer in flight still needs. The blob store is content-addressed and shared: the file
 * a deleted project leaves behind may be the very file an import running right now (or a
 * product, a video, a model) is about to reference. So deletion is never done by the
 * code that drops a reference. It releases the blob (a row in blob_gc, in the same
 * transaction that drops the reference), and this collector, on the engine's one writer
 * thread, removes it only when:
 *  - no row of any table references it (each feature declares its references; a column
 *    named sha256 or *_sha256 that no feature declared counts as a reference, whatever
 *    its row's state, so an undeclared feature errs on the side of keeping files);
 *  - its file was last written or re-put before every writer still in flight started
 *    (running queue jobs, image ingests, in-process puts) and before a grace period, since
 *    every put refreshes an existing file's mtime (BlobStore.put*).
 * The file is first moved aside (an atomic rename), then those checks run, then it is
 * deleted or moved back: a writer that refreshed it before the move is seen by the checks,
 * and one that comes after finds no file and writes it again.
 */
import fs from 'node:fs/promises';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/database.js';
import type { BlobStore } from './blob-store.js';

/**
 * A column that holds blob sha256s; `live` is an SQL condition on the rows that still need
 * their blob (a constant of the feature's, never built from input), or a function of the
 * table's columns that answers one (a condition that depends on a later migration).
 */
export interface BlobRef {
  table: string;
  column: string;
  live?: string | ((columns: ReadonlySet<string>) => string);
}

/** A reference as the collector checks it: its condition resolved against the table as it is. */
export interface ResolvedBlobRef {
  table: string;
  column: string;
  live?: string;
}

export interface BlobCollectorOptions {
  /** Declared references (every feature's `blobRefs`). */
  refs: readonly BlobRef[];
  /** The start time of the oldest writer in flight outside the queue (ingest pool, in-process puts), or null. */
  writersSince: () => number | null;
  /** Blobs written or re-put less than this long ago are kept in any case (a handler between its put and its row). */
  graceMs?: number;
  now?: () => number;
  log?: (line: string) => void;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SWEEP_BATCH = 500;

export class BlobCollector {
  private readonly referencedStmt: Statement;
  private readonly releaseStmt: Statement;
  private readonly dropStmt: Statement;
  private readonly candidatesStmt: Statement;
  private readonly countStmt: Statement;
  private readonly runningSinceStmt: Statement;
  private readonly graceMs: number;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private sweeping: Promise<number> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Every reference the collector checks, declared and discovered (docs, tests). */
  readonly references: readonly ResolvedBlobRef[];

  constructor(
    private readonly db: Db,
    private readonly store: BlobStore,
    private readonly options: BlobCollectorOptions,
  ) {
    this.graceMs = options.graceMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((line) => console.error(`[blobs] ${line}`));
    this.references = discoverRefs(db, options.refs);
    const clauses = this.references.map((r) => `EXISTS (SELECT 1 FROM "${r.table}" WHERE "${r.column}" = @sha${r.live ? ` AND (${r.live})` : ''})`);
    this.referencedStmt = db.prepare(`SELECT ${clauses.length ? clauses.join(' OR ') : '0'} AS used`).pluck();
    this.releaseStmt = db.prepare('INSERT INTO blob_gc (sha256, queued_at) VALUES (?, ?) ON CONFLICT(sha256) DO NOTHING');
    this.dropStmt = db.prepare('DELETE FROM blob_gc WHERE sha256 = ?');
    this.candidatesStmt = db.prepare('SELECT sha256 FROM blob_gc ORDER BY queued_at LIMIT ?').pluck();
    this.countStmt = db.prepare('SELECT COUNT(*) FROM blob_gc').pluck();
    // started_at is set when an attempt is claimed; a completed job's rows are committed in the
    // same transaction that ends its running state, so "running or referenced" has no gap.
    this.runningSinceStmt = db.prepare("SELECT MIN(started_at) FROM jobs WHERE state = 'running' AND finished_at IS NULL").pluck();
  }

  /** Whether a live row anywhere still references the blob. */
  isReferenced(sha256: string): boolean {
    return this.referencedStmt.get({ sha: sha256 }) === 1;
  }

  /**
   * Marks blobs as possibly unused; call it inside the transaction that drops their
   * references. Answers how many have no reference left now (what will leave the store).
   */
  release(shas: Iterable<string>): number {
    const now = this.now();
    let unused = 0;
    for (const sha of new Set(shas)) {
      this.releaseStmt.run(sha, now);
      if (!this.isReferenced(sha)) unused++;
    }
    return unused;
  }

  /** Blobs waiting to be checked. */
  pending(): number {
    return this.countStmt.get() as number;
  }

  /** Sweeps soon (after a release), and again while some blobs had to be kept for now. */
  schedule(delayMs = 0): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sweep()
        .then(() => {
          if (this.pending() > 0) this.schedule(Math.max(1_000, this.graceMs));
        })
        .catch((err: unknown) => this.log(`sweep failed: ${(err as Error).message}`));
    }, delayMs);
    this.timer.unref();
  }

  /** One pass over the released blobs; answers how many files it removed. */
  sweep(): Promise<number> {
    return (this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = null)));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.sweeping?.catch(() => undefined);
  }

  private async sweepOnce(): Promise<number> {
    let removed = 0;
    const shas = this.candidatesStmt.all(SWEEP_BATCH) as string[];
    for (const sha of shas) {
      if (this.closed) break;
      if (this.isReferenced(sha)) {
        this.dropStmt.run(sha);
        continue;
      }
      let aside: string;
      try {
        aside = await this.store.moveAside(sha);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.dropStmt.run(sha);
        else this.log(`could not move ${sha} aside: ${(err as Error).message}`);
        continue;
      }
      let mtime: number;
      try {
        mtime = (await fs.stat(aside)).mtimeMs;
      } catch {
        mtime = Infinity;
      }
      // Decided in one synchronous step after the move (see the class comment).
      const keep = this.isReferenced(sha) || mtime >= this.keepSince();
      if (keep) {
        await this.store.restoreAside(aside, sha);
        if (this.isReferenced(sha)) this.dropStmt.run(sha);
        continue;
      }
      this.dropStmt.run(sha);
      await fs.rm(aside, { force: true });
      removed++;
    }
    return removed;
  }

  /** Blobs whose last write is at or after this time may still be referenced by a writer in flight. */
  private keepSince(): number {
    const now = this.now();
    const running = this.runningSinceStmt.get() as number | null;
    const writers = this.options.writersSince();
    return Math.min(now - this.graceMs, running ?? Infinity, writers ?? Infinity);
  }
}

/** Declared references, plus every undeclared sha256 column as a reference in all its rows. */
function discoverRefs(db: Db, declared: readonly BlobRef[]): ResolvedBlobRef[] {
  const columnsOf = (table: string) => new Set((db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name));
  const refs: ResolvedBlobRef[] = [];
  for (const r of declared) {
    if (!IDENT.test(r.table) || !IDENT.test(r.column)) throw new Error(`a blob reference names an odd table or column: ${r.table}.${r.column}`);
    const columns = columnsOf(r.table);
    if (!columns.has(r.column)) continue;
    refs.push({ table: r.table, column: r.column, live: typeof r.live === 'function' ? r.live(columns) : r.live });
  }
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'blob_gc'").pluck().all() as string[];
  for (const table of tables) {
    if (!IDENT.test(table)) continue;
    for (const name of columnsOf(table)) {
      if (!/(^|_)sha256$/.test(name)) continue;
      if (declared.some((r) => r.table === table && r.column === name)) continue;
      refs.push({ table, column: name });
    }
  }
  return refs;
}
