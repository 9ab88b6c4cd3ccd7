import type { Migration } from './index.js';

/**
 * The model store and what derived images were made with.
 * Model files themselves are blobs in the content-addressed store (by sha256).
 */
export const modelsMigration: Migration = {
  version: 3,
  name: 'models',
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

    -- How each derived asset was made: the full parameters, model and provider.
    CREATE TABLE derivations (
      asset_id TEXT PRIMARY KEY REFERENCES assets(id),
      params TEXT NOT NULL,
      model_id TEXT,
      provider TEXT,
      duration_ms INTEGER,
      created_at INTEGER NOT NULL
    );
  `,
};
