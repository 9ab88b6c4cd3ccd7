import type { Migration } from '../../engine/db/migrate.js';

export const productsMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'catalog',
    up: `
      -- A catalog item. Syncable: created_at/updated_at, a version every update bumps (a stale
      -- save is refused), a tombstone instead of a hard delete.
      CREATE TABLE products (
        id TEXT PRIMARY KEY,
        brand_name TEXT NOT NULL DEFAULT '',
        sub_brand TEXT,
        product_name TEXT NOT NULL DEFAULT '',
        variant TEXT,
        category TEXT,
        container_type TEXT,
        net_quantity TEXT,
        nutrition TEXT NOT NULL DEFAULT '[]',
        claims TEXT NOT NULL DEFAULT '[]',
        grounding_prompt TEXT,
        visibility_score REAL,
        status TEXT NOT NULL DEFAULT 'pending',
        primary_image_id TEXT,
        -- Kept in step with product_images so the catalog sorts by frame count without counting 50,000 times.
        synthetic_count INTEGER NOT NULL DEFAULT 0,
        real_count INTEGER NOT NULL DEFAULT 0,
        augmented_count INTEGER NOT NULL DEFAULT 0,
        -- The primary barcode, denormalised for sorting, search by prefix and the list's first column.
        barcode TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        -- The delete (undo token) that tombstoned it, and the barcodes it gave up (JSON) for the undo.
        deleted_by TEXT,
        released_barcodes TEXT
      );
      CREATE INDEX products_by_name ON products(deleted, product_name COLLATE NOCASE, id);
      CREATE INDEX products_by_brand ON products(deleted, brand_name COLLATE NOCASE, product_name COLLATE NOCASE, id);
      CREATE INDEX products_by_created ON products(deleted, created_at, id);
      CREATE INDEX products_by_updated ON products(deleted, updated_at, id);
      CREATE INDEX products_by_frames ON products(deleted, synthetic_count, id);
      CREATE INDEX products_by_status ON products(deleted, status);
      CREATE INDEX products_by_category ON products(deleted, category);
      CREATE INDEX products_deleted_by ON products(deleted_by) WHERE deleted_by IS NOT NULL;

      -- Each barcode belongs to one live product in the whole catalog (the primary key says so).
      -- A deleted product's barcodes are released; its tombstone remembers them for undo.
      CREATE TABLE product_barcodes (
        code TEXT PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products(id),
        is_primary INTEGER NOT NULL DEFAULT 0,
        check_ok INTEGER NOT NULL,
        position INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX product_barcodes_product ON product_barcodes(product_id, position);

      -- Substring search over names (trigram: "cola" finds "Coca-Cola Zero"); barcodes by prefix above.
      CREATE VIRTUAL TABLE products_search USING fts5(product_id UNINDEXED, text, tokenize = 'trigram');

      -- A product's images: video frames (synthetic), approved shelf photos (real), augmentations.
      -- Files are blobs by sha256; a real image points at the library asset it was matched from.
      CREATE TABLE product_images (
        id TEXT PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products(id),
        type TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        format TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        thumb_sha256 TEXT,
        cutout_id TEXT,
        cutout_sha256 TEXT,
        source_kind TEXT NOT NULL,
        source_id TEXT,
        frame_index INTEGER,
        review TEXT NOT NULL DEFAULT 'ok',
        -- Anything the making feature records (pipeline, seed, scores), JSON.
        meta TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX product_images_product ON product_images(product_id, type, deleted, frame_index, created_at);
      CREATE INDEX product_images_source ON product_images(source_kind, source_id, deleted);
      CREATE INDEX product_images_sha ON product_images(sha256);
      CREATE INDEX product_images_cutout ON product_images(cutout_id) WHERE cutout_id IS NOT NULL;
    `,
  },
  {
    version: 2,
    name: 'search index keyed by product rowid',
    // Search rows written before they were keyed by the product's rowid (search answers by
    // rowid, so such a row hides its product, or shows another). Rebuilt once, for every live
    // product, with the text repository.ts's searchText() writes: the fields joined by one
    // space, empty ones left out, lower-cased. SQLite's lower() knows only ASCII; the trigram
    // index folds the other letters' case itself, except 'İ', which JavaScript lowers to
    // 'i' and a combining dot: replaced first so the rows equal what searchText() writes.
    up: `
      DELETE FROM products_search;
      INSERT INTO products_search (rowid, product_id, text)
        SELECT rowid, id, lower(replace(concat_ws(' ', NULLIF(brand_name, ''), NULLIF(sub_brand, ''), NULLIF(product_name, ''), NULLIF(variant, ''), NULLIF(category, '')), 'İ', 'i' || char(775)))
        FROM products WHERE deleted = 0;
    `,
  },
  {
    version: 3,
    name: 'search text folded (accents, Turkish i)',
    // The search text becomes searchFold()'s (src-shared/search-fold.ts, the SQL function
    // search_fold): case- and accent-blind, Turkish İ/I/ı/i as one letter.
    up: `
      DELETE FROM products_search;
      INSERT INTO products_search (rowid, product_id, text)
        SELECT rowid, id, search_fold(concat_ws(' ', NULLIF(brand_name, ''), NULLIF(sub_brand, ''), NULLIF(product_name, ''), NULLIF(variant, ''), NULLIF(category, '')))
        FROM products WHERE deleted = 0;
    `,
  },
];
