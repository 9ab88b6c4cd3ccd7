import type { Migration } from '../../engine/db/migrate.js';

/** The model store. Model files themselves are blobs in the content-addressed store (by sha256). */
export const modelsMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'models and defaults',
    up: `
      -- One row per model the library has seen: installed, installing or imported.
      -- Catalog and package models without a row are simply "available".
      CREATE TABLE models (
        id TEXT PRIMARY KEY,
        task TEXT NOT NULL,
        source TEXT NOT NULL,
        -- The validated manifest the file was installed under (JSON); for imports, the one derived from the file.
        manifest TEXT NOT NULL,
        sha256 TEXT,
        bytes INTEGER,
        state TEXT NOT NULL,
        error TEXT,
        received INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        provider TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE model_defaults (
        task TEXT PRIMARY KEY,
        model_id TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
];
