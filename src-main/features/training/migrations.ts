import type { Migration } from '../../engine/db/migrate.js';

/**
 * Training runs, their per-epoch records and events, the trained models they produced,
 * and the throughput last measured here (for estimates). Checkpoints and ONNX files are
 * blobs in the content-addressed store, named here by sha256.
 */
export const trainingMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'training runs, epochs, events, trained models, throughput',
    up: `
      -- No foreign key to datasets: a run (and its model) outlives the dataset it was trained on; the name is kept.
      CREATE TABLE training_runs (
        id TEXT PRIMARY KEY,
        dataset_id TEXT NOT NULL,
        dataset_name TEXT NOT NULL,
        backbone_id TEXT NOT NULL,
        state TEXT NOT NULL,
        stage TEXT,
        -- The full recipe, defaults filled (JSON).
        config TEXT NOT NULL,
        epochs INTEGER NOT NULL,
        epochs_completed INTEGER NOT NULL DEFAULT 0,
        step TEXT,
        counts TEXT,
        baseline TEXT,
        test TEXT,
        model_id TEXT,
        error TEXT,
        error_code TEXT,
        -- The last checkpoint (blob sha256): what resume continues from.
        checkpoint_sha256 TEXT,
        job_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        finished_at INTEGER
      );

      -- One row per epoch; a resumed run that repeats an epoch replaces it.
      CREATE TABLE training_epochs (
        run_id TEXT NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        loss REAL NOT NULL,
        lr REAL NOT NULL,
        grad_norm REAL NOT NULL,
        recall_at1 REAL NOT NULL,
        recall_at5 REAL NOT NULL,
        synthetic_to_real_at1 REAL,
        synthetic_to_real_at5 REAL,
        seconds REAL NOT NULL,
        PRIMARY KEY (run_id, epoch)
      );

      CREATE TABLE training_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
        type TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        window INTEGER,
        metric TEXT,
        best REAL,
        recent REAL,
        reason TEXT,
        at INTEGER NOT NULL
      );
      CREATE INDEX training_events_run ON training_events(run_id, seq);

      CREATE TABLE trained_models (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        backbone_id TEXT NOT NULL,
        dataset_id TEXT NOT NULL,
        dataset_name TEXT NOT NULL,
        dimension INTEGER NOT NULL,
        classes INTEGER NOT NULL,
        -- The validated TrainedModelManifest (JSON).
        manifest TEXT NOT NULL,
        onnx_sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );

      -- Seconds per training row-epoch and per embedded image, as last measured on this machine.
      CREATE TABLE training_throughput (
        key TEXT PRIMARY KEY,
        value REAL NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'training runs: embedding progress',
    // { done, total, etaSeconds } while the run embeds images; null otherwise.
    up: `ALTER TABLE training_runs ADD COLUMN embedding TEXT;`,
  },
  {
    version: 3,
    name: 'trained models: a fine-tuned backbone',
    // The blob of the embedder graph with the fine-tuned layer (config.backbone.fineTune); null for a head alone.
    up: `ALTER TABLE trained_models ADD COLUMN backbone_sha256 TEXT;`,
  },
];
