import type { Migration } from '../../engine/db/migrate.js';

/** Imports (one per drop, mirrored from its queue batch) and the files they skipped, with the reason. */
export const importMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'imports and skipped files',
    up: `
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
    `,
  },
  {
    version: 2,
    name: 'skipped counts on projects',
    // library/2 added the column; a library from before it counts its skips once here.
    up: `UPDATE projects SET skipped_count = (SELECT COUNT(*) FROM import_skips s WHERE s.project_id = projects.id);`,
  },
];
