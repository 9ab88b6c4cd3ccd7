import type { Migration } from '../../engine/db/migrate.js';

export const augmentationMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'runs',
    up: `
      -- A run is a queue batch (same id) over a dataset; its parameters as asked.
      CREATE TABLE augmentation_runs (
        id TEXT PRIMARY KEY,
        dataset_id TEXT NOT NULL REFERENCES datasets(id),
        params TEXT NOT NULL,
        backgrounds INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX augmentation_runs_dataset ON augmentation_runs(dataset_id, created_at);

      -- Per product of a run: its split, and its part of the report once its job committed.
      CREATE TABLE augmentation_run_products (
        run_id TEXT NOT NULL REFERENCES augmentation_runs(id),
        product_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        split TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        report TEXT,
        PRIMARY KEY (run_id, product_id)
      );

      -- Cut-outs augmentation had to make (a frame without one, a letterboxed shelf photo),
      -- by source bytes and model: a second run does not segment again.
      CREATE TABLE augmentation_cutouts (
        source_sha256 TEXT NOT NULL,
        model_sha256 TEXT NOT NULL,
        cutout_sha256 TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (source_sha256, model_sha256)
      );

      CREATE TABLE augmentation_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'failed sources',
    up: `
      -- A source image whose outputs all failed (undecodable, no cut-out) for one kind of a
      -- product in a dataset: later runs skip it (and say why) unless asked to retry.
      -- Removed when the source makes an output again.
      CREATE TABLE augmentation_failed_sources (
        dataset_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        source_image_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        reason TEXT NOT NULL,
        run_id TEXT,
        failed_at INTEGER NOT NULL,
        PRIMARY KEY (dataset_id, product_id, source_image_id, kind)
      );
    `,
  },
];
