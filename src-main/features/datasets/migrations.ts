import type { Migration } from '../../engine/db/migrate.js';

export const datasetsMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'datasets',
    up: `
      -- A named group of products for training. Syncable: a version every edit bumps (a stale
      -- edit is refused), a tombstone (deleted_by: the undo token) instead of a hard delete.
      CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        split_train REAL NOT NULL,
        split_valid REAL NOT NULL,
        split_test REAL NOT NULL,
        split_seed INTEGER NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        deleted_by TEXT
      );
      CREATE INDEX datasets_live ON datasets(deleted, created_at);

      -- Membership with the product's split. position: order of assignment (a re-added
      -- product keeps its row, split and position: removal is a tombstone).
      CREATE TABLE dataset_products (
        dataset_id TEXT NOT NULL REFERENCES datasets(id),
        product_id TEXT NOT NULL REFERENCES products(id),
        split TEXT NOT NULL,
        manual INTEGER NOT NULL DEFAULT 0,
        position INTEGER NOT NULL,
        added_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (dataset_id, product_id)
      );
      CREATE INDEX dataset_products_order ON dataset_products(dataset_id, deleted, position);
      CREATE INDEX dataset_products_product ON dataset_products(product_id);
    `,
  },
  {
    version: 2,
    name: 'images a delete took with it',
    up: `
      -- Deleting a dataset tombstones the augmented images made for it; its undo token
      -- remembers which, so the undo brings back those and no others.
      CREATE TABLE dataset_deleted_images (
        undo_token TEXT NOT NULL,
        image_id TEXT NOT NULL,
        PRIMARY KEY (undo_token, image_id)
      );
    `,
  },
];
