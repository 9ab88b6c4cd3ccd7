import type { Migration } from '../../engine/db/migrate.js';

export const matchingMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'matching',
    up: `
      -- Every review decision: who decided what, when, for which product and image. Undo
      -- marks a decision (undone_at), never deletes it; an approval points at the product
      -- image it made. Syncable later: ids, created/updated times, no hard deletes.
      CREATE TABLE match_decisions (
        id TEXT PRIMARY KEY,
        group_id TEXT NOT NULL,
        product_id TEXT NOT NULL REFERENCES products(id),
        asset_id TEXT,
        decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'skip')),
        score REAL,
        decider TEXT NOT NULL,
        decided_at INTEGER NOT NULL,
        product_image_id TEXT,
        undone_at INTEGER,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX match_decisions_by_product ON match_decisions(product_id, undone_at, decided_at);
      CREATE INDEX match_decisions_by_asset ON match_decisions(asset_id, decision) WHERE undone_at IS NULL;

      -- Review locks: one row per product being reviewed, held by the token's window until
      -- expires_at (a lease the window renews). Rows, not memory, so they can sync later.
      CREATE TABLE match_locks (
        product_id TEXT PRIMARY KEY REFERENCES products(id),
        token TEXT NOT NULL,
        holder TEXT NOT NULL,
        acquired_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
];
