import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ContractError } from '../../src-shared/contract/index.js';
import { processAlive } from './queue/recovery.js';

/** Who holds the lock, for the message a second engine shows. Informative only. */
export interface Holder {
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

  /**
   * Two engines starting at the same instant can each hold SQLite's shared lock while
   * asking for the exclusive one, and then both are told BUSY (SQLite's deadlock rule),
   * so neither opens the library. A BUSY is therefore retried, with the connection closed
   * and a random pause in between, until `retryMs` has passed: one of two racing engines
   * wins. A holder that has named itself (a live engine process on this host, in
   * `engine.lock`) is not raced with: the refusal comes at once, so a CLI command beside
   * the running app does not wait.
   */
  static acquire(dataDir: string, retryMs = 1000): DataDirLock {
    const deadline = Date.now() + retryMs;
    for (;;) {
      try {
        return DataDirLock.tryAcquire(dataDir);
      } catch (err) {
        if (!(err instanceof LibraryHeldError) || Date.now() >= deadline || namedLiveHolder(err.holder)) throw err;
        sleepSync(10 + Math.floor(Math.random() * 50));
      }
    }
  }

  private static tryAcquire(dataDir: string): DataDirLock {
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
        throw new LibraryHeldError(dataDir, holder, `the library at ${dataDir} is open in another Atölye process (${who}: the app or \`atolye serve\`); close it first, or use another --data-dir`);
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

/**
 * Refusal of a second engine: another process holds the library. The CLI catches it to
 * send its calls to that process instead (readEndpoint).
 */
export class LibraryHeldError extends ContractError {
  constructor(
    readonly dataDir: string,
    readonly holder: Holder | null,
    message: string,
  ) {
    super('unavailable', message);
  }
}

/**
 * Where the process holding a library answers calls: its loopback server's port and a
 * credential for the CLI. Written beside the lock by the holder, readable by its OS user only.
 */
export interface Endpoint {
  pid: number;
  port: number;
  /** A bearer credential that grants the `local` transport (paths on this machine). */
  token: string;
}

const ENDPOINT_FILE = 'engine.endpoint.json';

/**
 * Publishes this process's endpoint for the library (see Endpoint), as a private file
 * (writePrivateJson). Answers its remover, which leaves a newer holder's file alone.
 */
export function advertiseEndpoint(dataDir: string, endpoint: Omit<Endpoint, 'pid'>): () => void {
  writePrivateJson(dataDir, ENDPOINT_FILE, { pid: process.pid, ...endpoint } satisfies Endpoint);
  return () => {
    // Read without the trust checks: whoever changed its mode, a file this process wrote goes with it.
    const file = path.join(dataDir, ENDPOINT_FILE);
    let current: Endpoint | null = null;
    try {
      current = endpointOf(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch {
      /* gone or unreadable: nothing of ours to remove */
    }
    if (current?.pid === process.pid && current.port === endpoint.port) fs.rmSync(file, { force: true });
  };
}

/** Why a private file is not trusted (readPrivateJson). */
export type PrivateFileRefusal = 'missing' | 'not-a-file' | 'other-owner' | 'readable-by-others' | 'malformed';
export type EndpointRefusal = PrivateFileRefusal;

/** The endpoint of the process holding the library, when its file can be trusted (readPrivateJson). */
export function readEndpoint(dataDir: string): { endpoint: Endpoint } | { refused: EndpointRefusal } {
  const found = readPrivateJson(dataDir, ENDPOINT_FILE, endpointOf);
  return 'value' in found ? { endpoint: found.value } : found;
}

/**
 * Writes a file in the library that only this OS user may read (a credential): created with
 * mode 0600 under a temporary name and renamed into place, so it is never readable by
 * anyone else, not even for a moment, and never half-written.
 */
export function writePrivateJson(dataDir: string, name: string, value: unknown): void {
  const file = path.join(dataDir, name);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeFileSync(fd, JSON.stringify(value));
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * Reads a private file (writePrivateJson) when it can be trusted: a plain file (not a
 * link) owned by this OS user, readable by nobody else. A credential that another user
 * could have planted or read grants nothing. (Windows has no POSIX owner or mode: there
 * the folder's ACL, the user's profile, is what protects it.) `parse` answers null for
 * content it does not accept.
 */
export function readPrivateJson<T>(dataDir: string, name: string, parse: (v: unknown) => T | null): { value: T } | { refused: PrivateFileRefusal } {
  const file = path.join(dataDir, name);
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return { refused: 'missing' };
  }
  if (!stat.isFile()) return { refused: 'not-a-file' };
  if (process.platform !== 'win32') {
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return { refused: 'other-owner' };
    if ((stat.mode & 0o077) !== 0) return { refused: 'readable-by-others' };
  }
  let value: T | null = null;
  try {
    value = parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    value = null;
  }
  return value === null ? { refused: 'malformed' } : { value };
}

function endpointOf(raw: unknown): Endpoint | null {
  const v = (raw ?? {}) as Partial<Endpoint>;
  const valid = Number.isInteger(v.pid) && Number.isInteger(v.port) && v.port! > 0 && v.port! < 65536 && typeof v.token === 'string' && v.token.length >= 32;
  return valid ? { pid: v.pid!, port: v.port!, token: v.token! } : null;
}

/** A holder an engine wrote (its start time is set), still running on this host, and not this process. */
function namedLiveHolder(holder: Holder | null): boolean {
  return holder !== null && holder.startedAt > 0 && holder.host === os.hostname() && holder.pid !== process.pid && processAlive(holder.pid);
}

/** Blocks the thread for `ms` (acquire is synchronous, and runs once at start). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
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
