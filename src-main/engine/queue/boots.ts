/**
 * Boot rows in SQLite (one per run of an engine): the lease owner of the jobs that run
 * it, with the pid, host and clean-shutdown mark that recovery reads to tell a crashed
 * boot from a live or cleanly stopped one. Statements prepared once.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/database.js';

export interface BootRow {
  id: string;
  clean: number;
  stopped_at: number | null;
  pid: number | null;
  host: string | null;
  /** What the boot's fatal-error handler recorded as it died; null when it stopped without saying. */
  crash: string | null;
}

export class BootStore {
  private readonly startedStmt: Statement;
  private readonly stoppedStmt: Statement;
  private readonly byIdStmt: Statement;

  constructor(db: Db) {
    // The engine may have inserted this boot already (without pid and host): fill them in.
    this.startedStmt = db.prepare(
      'INSERT INTO boots (id, started_at, pid, host) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET pid = excluded.pid, host = excluded.host',
    );
    this.stoppedStmt = db.prepare('UPDATE boots SET stopped_at = ?, clean = 1 WHERE id = ?');
    this.byIdStmt = db.prepare('SELECT id, clean, stopped_at, pid, host, crash FROM boots WHERE id = ?');
  }

  started(id: string, now: number, pid: number, host: string): void {
    this.startedStmt.run(id, now, pid, host);
  }

  /** A clean shutdown: the next start does not count a crash against this boot's jobs. */
  stoppedCleanly(id: string, now: number): void {
    this.stoppedStmt.run(now, id);
  }

  byId(id: string): BootRow | undefined {
    return this.byIdStmt.get(id) as BootRow | undefined;
  }
}
