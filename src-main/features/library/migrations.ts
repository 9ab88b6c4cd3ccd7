import type { Migration } from '../../engine/db/migrate.js';

/**
 * Projects and assets (originals and derived files). Syncable rows carry
 * created_at/updated_at and a `deleted` tombstone (domain.md).
 */
export const libraryMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'projects and assets',
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
    `,
  },
  {
    version: 2,
    name: 'skipped count',
    // Files an import skipped, counted on the project: the reasons are the import feature's
    // rows, and the project list must not read another feature's table (import backfills it).
    up: `ALTER TABLE projects ADD COLUMN skipped_count INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 3,
    name: 'undoable image deletes',
    up: `
      -- The delete (its undo token) that tombstoned an image, and when: assets.restore brings
      -- it back while the token lasts; its files stay in the store until then.
      ALTER TABLE assets ADD COLUMN deleted_by TEXT;
      ALTER TABLE assets ADD COLUMN deleted_at INTEGER;
      CREATE INDEX assets_deleted_by ON assets(deleted_by) WHERE deleted_by IS NOT NULL;
      -- The grid sorted by name at 10,000 images: an index walk, not a sort.
      CREATE INDEX assets_project_name ON assets(project_id, kind, deleted, file_name COLLATE NOCASE);
    `,
  },
  {
    version: 4,
    name: 'import order reserved per project',
    up: `
      -- The next import-order number of a project, reserved before the files' rows exist
      -- (library.ts reserveSeq): two imports (or an import and a move) running at once into
      -- one project each get their own range instead of both reading MAX(seq).
      ALTER TABLE projects ADD COLUMN next_seq INTEGER NOT NULL DEFAULT 0;
    `,
  },
];
