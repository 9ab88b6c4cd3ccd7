import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src-main/engine/db/database.js';
import { migrations } from '../../src-main/engine/db/migrations/index.js';
import { defaultDataDir } from '../../src-main/engine/paths.js';
import { Engine } from '../../src-main/engine/engine.js';
import { BlobStore } from '../../src-main/engine/store/blob-store.js';
import { tempDir } from '../helpers/tmp.js';

describe('library database', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('opens in WAL mode with foreign keys and applies each migration once', () => {
    const file = path.join(dir, 'a.db');
    const db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(versions[0]).toBe(1);
    const again = migrations.map((m) => ({ ...m, up: 'CREATE TABLE never_runs (x)' }));
    expect(migrate(db, again)).toEqual([]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'never_runs'").get()).toBeUndefined();
    const ran = migrate(db, [...migrations, { version: 99, name: 'later', up: 'CREATE TABLE later_table (x INTEGER)' }]);
    expect(ran).toEqual([99]);
    db.close();
  });

  it('rolls back a migration that fails, leaving the schema as it was', () => {
    const db = openDatabase(path.join(dir, 'b.db'));
    expect(() => migrate(db, [...migrations, { version: 50, name: 'broken', up: 'CREATE TABLE half (x); THIS IS NOT SQL' }])).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    expect(db.prepare('SELECT 1 FROM schema_migrations WHERE version = 50').get()).toBeUndefined();
    db.close();
  });

  it('refuses to open a library written by a newer version', () => {
    const file = path.join(dir, 'c.db');
    const db = openDatabase(file, { migrations: [{ version: 1, name: 'a', up: 'SELECT 1' }, { version: 500, name: 'future', up: 'SELECT 1' }] });
    db.close();
    expect(() => openDatabase(file)).toThrow(/newer Atölye/);
  });
});

describe('data directory', () => {
  it('honours ATOLYE_DATA_DIR and otherwise follows each OS', () => {
    expect(defaultDataDir({ ATOLYE_DATA_DIR: '/x/y' }, 'linux')).toBe(path.resolve('/x/y'));
    expect(defaultDataDir({ XDG_DATA_HOME: '/xdg' }, 'linux')).toBe(path.join('/xdg', 'atolye'));
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32')).toContain('Atolye');
    expect(defaultDataDir({}, 'darwin')).toMatch(/Library\/Application Support\/Atolye$/);
  });
});

describe('content-addressed store', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('stores bytes once under their sha256 and cleans up stray temp files at start', async () => {
    const store = new BlobStore(dir);
    await store.init();
    await fs.writeFile(path.join(dir, 'tmp', 'leftover.part'), 'half a file');
    const a = await store.putBuffer(Buffer.from('same bytes'));
    const source = path.join(dir, 'copy.bin');
    await fs.writeFile(source, 'same bytes');
    const b = await store.putFile(source);
    expect(a).toEqual({ sha256: createHash('sha256').update('same bytes').digest('hex'), bytes: 10 });
    expect(b).toEqual(a);
    expect(await fs.readFile(store.pathOf(a.sha256), 'utf8')).toBe('same bytes');
    await new BlobStore(dir).init();
    expect(await fs.readdir(path.join(dir, 'tmp'))).toEqual([]);
    expect(() => store.pathOf('../../etc/passwd')).toThrow(/not a sha256/);
  });
});

describe('one engine per library', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('refuses a second engine on the same data dir while the first runs, and takes over a stale lock', async () => {
    const first = await Engine.open({ dataDir: dir, workers: 1 });
    // Another live process holds it: simulate with our parent's pid (alive, not us).
    await fs.writeFile(path.join(dir, 'engine.lock'), String(process.ppid));
    await expect(Engine.open({ dataDir: dir, workers: 1 })).rejects.toThrow(/open in another Atölye process \(pid \d+/);
    await fs.writeFile(path.join(dir, 'engine.lock'), String(process.pid));
    await first.close();
    await expect(fs.access(path.join(dir, 'engine.lock'))).rejects.toThrow();
    // A crashed engine leaves its pid behind; a dead pid is taken over.
    await fs.writeFile(path.join(dir, 'engine.lock'), '2147483646');
    const second = await Engine.open({ dataDir: dir, workers: 1 });
    await second.close();
  });
});

describe('migrations from two processes at once', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('lets two processes open a new library together: one migrates, the other waits and skips', async () => {
    const { spawn } = await import('node:child_process');
    const file = path.join(dir, 'shared.db');
    // A migration slow enough (a recursive CTE writing rows) that both openers overlap.
    const script = `
      import { openDatabase } from ${JSON.stringify(path.resolve('src-main/engine/db/database.ts'))};
      import { migrations } from ${JSON.stringify(path.resolve('src-main/engine/db/migrations/index.ts'))};
      const slow = { version: 900, name: 'slow', up: "CREATE TABLE slow (x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 300000) INSERT INTO slow SELECT i FROM c;" };
      const db = openDatabase(process.argv[1], { migrations: [...migrations, slow] });
      console.log(db.prepare('SELECT COUNT(*) FROM slow').pluck().get());
      db.close();`;
    const run = () =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('exit', (code) => resolve({ code, out, err }));
      });
    const results = await Promise.all([run(), run(), run()]);
    for (const r of results) {
      expect(r.err).not.toMatch(/already exists/);
      expect(r).toMatchObject({ code: 0, out: '300000\n' });
    }
  });
});
