import type { Migration } from '../../engine/db/migrate.js';

export const removeBackgroundMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'derivations',
    up: `
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
  },
  {
    version: 2,
    name: 'durable runs; one name',
    up: `
      -- A run's own facts beside its queue batch (same id), so a restart keeps them: what it
      -- was started with, how many results it reused, the provider, and why it stopped.
      CREATE TABLE remove_background_runs (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        model_id TEXT NOT NULL,
        options TEXT NOT NULL,
        reused INTEGER NOT NULL DEFAULT 0,
        provider TEXT,
        error TEXT,
        error_code TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      -- The feature was called "segment" in the queue before it had one name everywhere.
      UPDATE jobs SET type = 'remove-background.image' WHERE type = 'segment.image';
      UPDATE batches SET type = 'remove-background' WHERE type = 'segment';
      INSERT OR IGNORE INTO remove_background_runs (id, project_id, model_id, options, created_at, updated_at)
        SELECT b.id, b.project_id,
          COALESCE((SELECT json_extract(j.payload, '$.modelId') FROM jobs j WHERE j.batch_id = b.id ORDER BY j.seq LIMIT 1), 'isnet-imgly-medium'),
          COALESCE((SELECT json_extract(j.payload, '$.options') FROM jobs j WHERE j.batch_id = b.id ORDER BY j.seq LIMIT 1), '{}'),
          b.created_at, b.updated_at
        FROM batches b WHERE b.type = 'remove-background' AND b.project_id IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'quality verdicts, mask cache, failures by image',
    up: `
      -- Each result's quality verdict (mask-quality.ts: ok | needs_review with reason codes, JSON),
      -- when the user accepted a needs_review one, and how much a forced square canvas enlarged it.
      ALTER TABLE derivations ADD COLUMN verdict TEXT;
      ALTER TABLE derivations ADD COLUMN reasons TEXT;
      ALTER TABLE derivations ADD COLUMN accepted_at INTEGER;
      ALTER TABLE derivations ADD COLUMN upscale REAL;
      -- A run's images whose result needs review, counted apart from done and reused.
      ALTER TABLE remove_background_runs ADD COLUMN needs_review INTEGER NOT NULL DEFAULT 0;
      -- The model's raw mask per source bytes and model bytes (a PNG blob), so another preset,
      -- other options or a preview never run the model again on the same image.
      CREATE TABLE remove_background_masks (
        source_digest TEXT NOT NULL,
        model_digest TEXT NOT NULL,
        mask_sha256 TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        provider TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (source_digest, model_digest)
      );
      -- The last failure of an original (cleared when a later run makes its result): the
      -- project view's "failed" filter, and the reason beside the image after a restart.
      CREATE TABLE remove_background_failures (
        source_asset_id TEXT PRIMARY KEY,
        run_id TEXT,
        error TEXT,
        error_code TEXT,
        failed_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'result placement over the source',
    up: `
      -- Where a result's frame lies over its source, in source pixels (JSON {x, y, width, height}):
      -- the viewer lines up before and after for crop and square with it. NULL for older results.
      ALTER TABLE derivations ADD COLUMN placement TEXT;
    `,
  },
];
