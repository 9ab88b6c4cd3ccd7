import type { Migration } from './index.js';

/**
 * Projects, assets (originals and derived files), imports and skipped files.
 * Syncable rows carry created_at/updated_at and a `deleted` tombstone (domain.md).
 */
export const libraryMigration: Migration = {
  version: 1,
  name: 'library',
  up: `
    CREATE TABLE projects (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      source_path TEXT,
      settings TEXT NOT NULL DEFAULT '{}',
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      deleted INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX projects_live ON projects(deleted, created_at);

    CREATE TABLE assets (
      id TEXT PRIMARY KEY,
      project_id TEXT NOT NULL REFERENCES projects(id),
      kind TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      file_ext TEXT NOT NULL,
      file_name TEXT NOT NULL,
      rel_path TEXT NOT NULL,
      width INTEGER NOT NULL,
      height INTEGER NOT NULL,
      format TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      source_asset_id TEXT REFERENCES assets(id),
      operation TEXT,
      params_hash TEXT,
      seq INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      deleted INTEGER NOT NULL DEFAULT 0
    );
    -- A file appears once per project as an original; the same bytes in two projects share one blob.
    CREATE UNIQUE INDEX assets_original_once ON assets(project_id, sha256) WHERE kind = 'original' AND deleted = 0;
    CREATE INDEX assets_project_page ON assets(project_id, kind, deleted, seq);
    CREATE INDEX assets_by_source ON assets(source_asset_id, operation, params_hash);
    CREATE INDEX assets_by_sha ON assets(sha256);

    CREATE TABLE imports (
      id TEXT PRIMARY KEY,
      project_id TEXT NOT NULL REFERENCES projects(id),
      state TEXT NOT NULL,
      total INTEGER NOT NULL DEFAULT 0,
      processed INTEGER NOT NULL DEFAULT 0,
      imported INTEGER NOT NULL DEFAULT 0,
      duplicates INTEGER NOT NULL DEFAULT 0,
      skipped INTEGER NOT NULL DEFAULT 0,
      error TEXT,
      -- JSON: what was dropped ({ paths } or { uploads: [{ id, name }] }), so an interrupted import can be rerun.
      sources TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );

    CREATE TABLE import_skips (
      id TEXT PRIMARY KEY,
      project_id TEXT NOT NULL REFERENCES projects(id),
      import_id TEXT NOT NULL REFERENCES imports(id),
      file_name TEXT NOT NULL,
      rel_path TEXT NOT NULL,
      reason TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX import_skips_project ON import_skips(project_id, created_at);

    -- Engine boots: lets the queue tell a crash from a clean quit.
    CREATE TABLE boots (
      id TEXT PRIMARY KEY,
      started_at INTEGER NOT NULL,
      stopped_at INTEGER,
      clean INTEGER NOT NULL DEFAULT 0
    );
  `,
};
