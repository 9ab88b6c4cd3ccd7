import type { Migration } from '../../engine/db/migrate.js';

export const embeddingsMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'embeddings',
    up: `
      -- One vector per (model, image bytes): an embedding depends only on the two, so the
      -- same photo in two projects (or a product image and the asset it came from) is
      -- embedded once, and a rerun finds it here. Float32 little-endian, unit length.
      CREATE TABLE embedding_vectors (
        model_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (model_id, sha256)
      ) WITHOUT ROWID;

      -- Images a model could not embed, with the reason: reported, never a zero vector.
      -- Cleared when a later run succeeds.
      CREATE TABLE embedding_failures (
        model_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        error_code TEXT NOT NULL,
        message TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (model_id, sha256)
      ) WITHOUT ROWID;

      -- A vector index per (scope, model): the HNSW file is a blob, its metadata and id map
      -- are rows (vector-index-rows.ts). scope_key names the scope for the uniqueness rule
      -- ('project:<id>', 'library', 'products:<sha256 of the sorted ids>').
      CREATE TABLE vector_indexes (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        scope TEXT NOT NULL,
        scope_key TEXT NOT NULL,
        model_id TEXT NOT NULL,
        dim INTEGER NOT NULL,
        blob_sha256 TEXT,
        meta TEXT,
        vectors INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'empty',
        job_id TEXT,
        batch_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0
      );
      CREATE UNIQUE INDEX vector_indexes_one_per_scope ON vector_indexes(scope_key, model_id) WHERE deleted = 0;

      CREATE TABLE vector_index_entries (
        index_id TEXT NOT NULL REFERENCES vector_indexes(id),
        label INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        PRIMARY KEY (index_id, label)
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX vector_index_entries_by_item ON vector_index_entries(index_id, item_id);
    `,
  },
  {
    version: 2,
    name: 'image hashes',
    up: `
      -- The difference hash (64 bits, hex) of image bytes, for near-duplicate search.
      CREATE TABLE image_hashes (
        sha256 TEXT PRIMARY KEY,
        dhash TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'active embedder',
    up: `
      -- The feature's own settings; 'active_embedder' is the embedder used when none is named.
      CREATE TABLE embeddings_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];
