import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ContractError } from '../../src-shared/contract/index.js';

/** Who holds the lock, for the message a second engine shows. Informative only. */
interface Holder {
  pid: number;
  host: string;
  startedAt: number;
}

/**
 * One engine per library: a second process (the app and `atolye import` at once) would be
 * a second SQLite writer and a second lease owner.
 *
 * The lock is an exclusive SQLite transaction on `engine.lock.db`, held open for the
 * engine's life. SQLite takes it with the OS's byte-range locks (fcntl on POSIX,
 * LockFileEx on Windows), so:
 *  - taking it is atomic: of two engines starting together, one gets SQLITE_BUSY, whatever
 *    files an earlier crash left behind (there is no stale file to take over and no window
 *    between "it is stale" and "it is mine");
 *  - the OS drops it when the process dies, however it dies, so a crash never locks the
 *    user out, and a pid reused by an unrelated process means nothing;
 *  - engines in one process (tests) exclude each other too (SQLite tracks its locks per inode).
 * `engine.lock` beside it holds the holder's pid, host and start time, only to name the
 * other process in the refusal.
 */
export class DataDirLock {
  private constructor(
    private readonly db: Database.Database,
    private readonly infoFile: string,
  ) {}

  static acquire(dataDir: string): DataDirLock {
    const lockDb = path.join(dataDir, 'engine.lock.db');
    const infoFile = path.join(dataDir, 'engine.lock');
    let db: Database.Database;
    try {
      db = new Database(lockDb, { timeout: 0 });
    } catch (err) {
      throw new ContractError('unavailable', `cannot lock the library at ${dataDir}: ${(err as Error).message}`);
    }
    try {
      db.pragma('journal_mode = DELETE');
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
      // A write, so the exclusive lock is really taken now (and kept: the transaction stays open).
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, host TEXT, started_at INTEGER); DELETE FROM holder;');
      db.prepare('INSERT INTO holder (pid, host, started_at) VALUES (?, ?, ?)').run(process.pid, os.hostname(), Date.now());
    } catch (err) {
      db.close();
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        const holder = readHolder(infoFile);
        const who = holder ? `pid ${holder.pid}${holder.host !== os.hostname() ? ` on ${holder.host}` : ''}, since ${new Date(holder.startedAt).toLocaleString()}` : 'another process';
        throw new ContractError('unavailable', `the library at ${dataDir} is open in another Atölye process (${who}: the app or \`atolye serve\`); close it first, or use another --data-dir`);
      }
      throw new ContractError('unavailable', `cannot lock the library at ${dataDir}: ${(err as Error).message}`);
    }
    try {
      const holder: Holder = { pid: process.pid, host: os.hostname(), startedAt: Date.now() };
      fs.writeFileSync(infoFile, JSON.stringify(holder));
    } catch {
      /* informative only */
    }
    return new DataDirLock(db, infoFile);
  }

  release(): void {
    if (!this.db.open) return;
    try {
      const holder = readHolder(this.infoFile);
      if (holder?.pid === process.pid) fs.rmSync(this.infoFile, { force: true });
    } catch {
      /* already gone */
    }
    try {
      this.db.exec('ROLLBACK');
    } catch {
      /* closing drops it anyway */
    }
    this.db.close();
  }
}

function readHolder(file: string): Holder | null {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    if (/^\d+$/.test(text)) return { pid: Number(text), host: os.hostname(), startedAt: 0 };
    const v = JSON.parse(text) as Partial<Holder>;
    return typeof v.pid === 'number' ? { pid: v.pid, host: String(v.host ?? ''), startedAt: Number(v.startedAt ?? 0) } : null;
  } catch {
    return null;
  }
}
