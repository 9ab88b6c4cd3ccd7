import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreMigrations } from '../../src-main/engine/db/core-migrations.js';
import { openDatabase } from '../../src-main/engine/db/database.js';
import { migrate, type MigrationScope } from '../../src-main/engine/db/migrate.js';
import { defaultDataDir } from '../../src-main/engine/paths.js';
import { engineFeatures, openEngine } from '../../src-main/features/index.js';
import { BlobStore } from '../../src-main/engine/store/blob-store.js';
import { tempDir } from '../helpers/tmp.js';

describe('library database', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  const feature = (...versions: number[]): MigrationScope => ({
    scope: 'shelf',
    migrations: versions.map((version) => ({ version, name: `v${version}`, up: `CREATE TABLE shelf_${version} (x INTEGER)` })),
  });

  it('opens in WAL mode with foreign keys and applies each scope\'s migrations once, core first', () => {
    const db = openDatabase(path.join(dir, 'a.db'), { scopes: [feature(1)] });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const applied = db.prepare('SELECT scope, version FROM migrations ORDER BY rowid').all() as { scope: string; version: number }[];
    expect(applied.map((m) => `${m.scope}/${m.version}`)).toEqual([...coreMigrations.map((m) => `core/${m.version}`), 'shelf/1']);
    const again = { scope: 'shelf', migrations: [{ version: 1, name: 'v1', up: 'CREATE TABLE never_runs (x)' }] };
    expect(migrate(db, [again])).toEqual([]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'never_runs'").get()).toBeUndefined();
    expect(migrate(db, [feature(1, 2)])).toEqual(['shelf/2']);
    db.close();
  });

  it('rolls back a migration that fails, leaving the schema as it was', () => {
    const db = openDatabase(path.join(dir, 'b.db'));
    const broken = { scope: 'shelf', migrations: [{ version: 1, name: 'broken', up: 'CREATE TABLE half (x); THIS IS NOT SQL' }] };
    expect(() => migrate(db, [broken])).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    expect(db.prepare("SELECT 1 FROM migrations WHERE scope = 'shelf'").get()).toBeUndefined();
    db.close();
  });

  it('refuses a library written by a newer version: a newer schema of a known scope, or a scope it does not know', () => {
    const file = path.join(dir, 'c.db');
    openDatabase(file, { scopes: [feature(1, 2)] }).close();
    expect(() => openDatabase(file, { scopes: [feature(1)] })).toThrow(/newer Atölye \(shelf schema 2\)/);
    expect(() => openDatabase(file)).toThrow(/newer Atölye \(it has data of "shelf"/);
  });

  it('adopts a library from before scoped migrations: its old numbers count as their scoped migrations', async () => {
    const file = path.join(dir, 'legacy.db');
    const { default: Database } = await import('better-sqlite3');
    const legacy = new Database(file);
    // What versions 1–3 of the old global numbering created: the first migration of each
    // scope they stand for (their schema then), run by hand as the old build did.
    const firstOf = (scope: string) =>
      (scope === 'core' ? coreMigrations : (engineFeatures.find((f) => f.name === scope)?.migrations ?? [])).find((m) => m.version === 1)!.up;
    for (const scope of ['library', 'import', 'core', 'models', 'remove-background']) legacy.exec(firstOf(scope));
    legacy.exec(`
      CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);
      INSERT INTO schema_migrations VALUES (1, 'library', 1), (2, 'queue', 2), (3, 'models', 3);
      INSERT INTO projects (id, name, created_at, updated_at) VALUES ('p', 'old', 1, 1);
      INSERT INTO imports (id, project_id, state, sources, created_at, updated_at) VALUES ('i', 'p', 'completed', '{"paths":[]}', 1, 1);
      INSERT INTO import_skips (id, project_id, import_id, file_name, rel_path, reason, created_at) VALUES ('s1', 'p', 'i', 'a.jpg', 'a.jpg', 'bad', 1), ('s2', 'p', 'i', 'b.jpg', 'b.jpg', 'bad', 1);
      INSERT INTO batches (id, type, project_id, created_at, updated_at) VALUES ('b', 'segment', 'p', 5, 6);
      INSERT INTO jobs (id, type, state, priority, resource, payload, max_attempts, run_at, created_at, updated_at, batch_id)
        VALUES ('j', 'segment.image', 'pending', 0, 'cpu', '{"modelId":"u2netp","options":{"preset":"white"}}', 3, 0, 0, 0, 'b');
    `);
    legacy.close();
    const features = engineFeatures.map((f) => ({ scope: f.name, migrations: f.migrations ?? [] }));
    const db = openDatabase(file, { scopes: features });
    expect(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").get()).toBeUndefined();
    // Adopted, not re-run (re-running would have failed on the existing tables); the later ones ran.
    expect(db.prepare("SELECT name FROM migrations WHERE scope = 'library' AND version = 1").pluck().get()).toBe('adopted from schema_migrations');
    expect(db.prepare("SELECT skipped_count FROM projects WHERE id = 'p'").pluck().get()).toBe(2);
    expect(db.prepare("SELECT type FROM jobs WHERE id = 'j'").pluck().get()).toBe('remove-background.image');
    expect(db.prepare("SELECT model_id, json_extract(options, '$.preset') AS preset FROM remove_background_runs WHERE id = 'b'").get()).toEqual({ model_id: 'u2netp', preset: 'white' });
    db.close();
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
    const first = await openEngine({ dataDir: dir, workers: 1 });
    // Another live process holds it: simulate with our parent's pid (alive, not us).
    await fs.writeFile(path.join(dir, 'engine.lock'), String(process.ppid));
    await expect(openEngine({ dataDir: dir, workers: 1 })).rejects.toThrow(/open in another Atölye process \(pid \d+/);
    await fs.writeFile(path.join(dir, 'engine.lock'), String(process.pid));
    await first.close();
    await expect(fs.access(path.join(dir, 'engine.lock'))).rejects.toThrow();
    // A crashed engine leaves its pid behind; a dead pid is taken over.
    await fs.writeFile(path.join(dir, 'engine.lock'), '2147483646');
    const second = await openEngine({ dataDir: dir, workers: 1 });
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
      const slow = { version: 1, name: 'slow', up: "CREATE TABLE slow (x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 300000) INSERT INTO slow SELECT i FROM c;" };
      const db = openDatabase(process.argv[1], { scopes: [{ scope: 'slow', migrations: [slow] }] });
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
