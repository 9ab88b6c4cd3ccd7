import type { Migration } from './migrate.js';

/**
 * Core's tables: engine boots (a crash told from a clean quit), and the durable job queue:
 * jobs, batches (parent jobs whose counts move in the same transaction as each child) and
 * queue-wide settings such as "paused". Features own their tables in their folders.
 *
 * `seq` is the rowid: FIFO order within a priority and the cheap key every fenced
 * update uses; `id` is the UUIDv7 the contract shows.
 */
export const coreMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'boots and queue',
    up: `
      CREATE TABLE boots (
        id TEXT PRIMARY KEY,
        started_at INTEGER NOT NULL,
        stopped_at INTEGER,
        clean INTEGER NOT NULL DEFAULT 0,
        -- Which process a boot was, so a restart can tell a dead boot's jobs from a live one's.
        pid INTEGER,
        host TEXT
      );

      CREATE TABLE batches (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        label TEXT,
        project_id TEXT,
        state TEXT NOT NULL DEFAULT 'pending',
        total INTEGER NOT NULL DEFAULT 0,
        completed INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        cancelled INTEGER NOT NULL DEFAULT 0,
        paused INTEGER NOT NULL DEFAULT 0,
        started INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        finished_at INTEGER
      );
      CREATE INDEX batches_state ON batches(state, created_at);
      CREATE INDEX batches_project ON batches(project_id, created_at) WHERE project_id IS NOT NULL;

      CREATE TABLE jobs (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        label TEXT,
        state TEXT NOT NULL,
        priority INTEGER NOT NULL,
        resource TEXT NOT NULL,
        model TEXT,
        payload TEXT NOT NULL,
        result TEXT,
        error TEXT,
        error_kind TEXT,
        batch_id TEXT REFERENCES batches(id) ON DELETE CASCADE,
        project_id TEXT,
        dedupe_key TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        -- Boots that died while this job ran: the poison-job counter.
        crashes INTEGER NOT NULL DEFAULT 0,
        -- Unused since out-of-memory retries stopped shrinking work (kept: SQLite drops columns slowly).
        shrink INTEGER NOT NULL DEFAULT 0,
        -- Times a rate limit put the job back without using an attempt.
        deferrals INTEGER NOT NULL DEFAULT 0,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        run_at INTEGER NOT NULL,
        lease_owner TEXT,
        lease_expires_at INTEGER,
        stage TEXT,
        percent REAL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER
      );
      -- finished_at is set exactly when a job is completed, failed or cancelled. Unfinished and
      -- finished jobs get one small index each, so a state change rewrites few index pages
      -- (every commit is fsynced, and its cost grows with the pages it writes).
      -- jobs_live serves the claim (the head of each priority per resource, covering), the
      -- live counts, crash recovery and lease renewal; jobs_finished serves throughput, mean
      -- durations and retention.
      CREATE INDEX jobs_live ON jobs(state, resource, priority, seq, run_at, model, created_at, type) WHERE finished_at IS NULL;
      CREATE INDEX jobs_finished ON jobs(finished_at, state, type, started_at) WHERE finished_at IS NOT NULL;
      CREATE INDEX jobs_batch ON jobs(batch_id, state) WHERE batch_id IS NOT NULL;
      CREATE INDEX jobs_project ON jobs(project_id, seq) WHERE project_id IS NOT NULL;
      -- The same work enqueued twice finds the live or completed job; a failed or cancelled one can be redone.
      CREATE UNIQUE INDEX jobs_dedupe ON jobs(dedupe_key) WHERE dedupe_key IS NOT NULL AND state NOT IN ('failed', 'cancelled');

      CREATE TABLE queue_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'job error codes',
    // A failure's machine-readable code (model_unavailable, disk_full…): what the UI and
    // other features react to, instead of matching English text.
    up: `ALTER TABLE jobs ADD COLUMN error_code TEXT;`,
  },
  {
    version: 3,
    name: 'blob collection, crash records, upload claims',
    // blob_gc: blobs that lost a reference (a project deleted…), removed by the collector
    // once nothing references them and no writer that might still reference them is in
    // flight (store/blob-collector.ts). boots.crash: what a fatal handler recorded before
    // the process died (a crash, not a kill). jobs.interruptions: boots that died while the
    // job ran without recording a crash (killed from outside, power loss).
    up: `
      CREATE TABLE blob_gc (
        sha256 TEXT PRIMARY KEY,
        queued_at INTEGER NOT NULL
      );
      ALTER TABLE boots ADD COLUMN crash TEXT;
      ALTER TABLE jobs ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0;
      -- Uploads something will read later (an import's files): kept past the staging expiry.
      CREATE TABLE upload_claims (
        upload_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        claimed_at INTEGER NOT NULL
      );
    `,
  },
];
