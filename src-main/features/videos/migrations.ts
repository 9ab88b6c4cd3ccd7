import type { Migration } from '../../engine/db/migrate.js';

export const videosMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'videos',
    up: `
      -- A product video: the file itself is a blob (sha256); the product it shows (null
      -- until it has a barcode); what the probe read; where processing stands. Syncable:
      -- created_at/updated_at and a tombstone.
      CREATE TABLE videos (
        id TEXT PRIMARY KEY,
        product_id TEXT REFERENCES products(id),
        sha256 TEXT NOT NULL,
        original_name TEXT NOT NULL,
        -- Where it was added from (a local path; null for an upload), for the user's reference only.
        original_path TEXT,
        bytes INTEGER NOT NULL,
        origin TEXT NOT NULL DEFAULT 'added',
        probe TEXT,
        poster_sha256 TEXT,
        poster_thumb_sha256 TEXT,
        state TEXT NOT NULL DEFAULT 'pending',
        error TEXT,
        error_code TEXT,
        job_id TEXT,
        frames_kept INTEGER NOT NULL DEFAULT 0,
        frames_flagged INTEGER NOT NULL DEFAULT 0,
        processed_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX videos_by_state ON videos(deleted, state, created_at);
      CREATE INDEX videos_by_product ON videos(product_id, deleted);
      CREATE INDEX videos_by_sha ON videos(sha256, deleted);
      CREATE INDEX videos_by_job ON videos(job_id) WHERE job_id IS NOT NULL;
      CREATE INDEX videos_by_processed ON videos(deleted, processed_at);

      -- The feature's settings (the watched folder, the metadata API), JSON per key.
      CREATE TABLE video_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );

      -- Files the watched folder has taken (or found to be a video already added), so each
      -- is added once: by path, size and time, and by content.
      CREATE TABLE video_watch_seen (
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        sha256 TEXT,
        video_id TEXT,
        seen_at INTEGER NOT NULL,
        PRIMARY KEY (path, size, mtime_ms)
      );
      CREATE INDEX video_watch_seen_sha ON video_watch_seen(sha256);

      -- API keys for metadata from frames, sealed (see metadata/secret-box.ts); never plain.
      CREATE TABLE video_metadata_keys (
        id TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        sealed BLOB NOT NULL,
        hint TEXT NOT NULL,
        cooldown_until INTEGER,
        last_used_at INTEGER,
        created_at INTEGER NOT NULL
      );

      -- The model's answers by (frames, prompt): asking again about the same frames costs nothing.
      CREATE TABLE video_metadata_cache (
        frames_hash TEXT NOT NULL,
        prompt_hash TEXT NOT NULL,
        answer TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (frames_hash, prompt_hash)
      );
    `,
  },
];
