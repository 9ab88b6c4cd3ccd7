/**
 * Products in SQLite: row ↔ contract shapes, the list query (search, filters, sort, page)
 * and the search index. Every statement is prepared once; the catalog service composes
 * them inside its transactions.
 */
import type { Statement } from 'better-sqlite3';
import type { Barcode, Product, ProductFields, ProductFilter, ProductImage, ProductListInput, ProductStatus } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import { searchFold } from '../../../src-shared/search-fold.js';

export interface ProductRow {
  id: string;
  brand_name: string;
  sub_brand: string | null;
  product_name: string;
  variant: string | null;
  category: string | null;
  container_type: string | null;
  net_quantity: string | null;
  nutrition: string;
  claims: string;
  grounding_prompt: string | null;
  visibility_score: number | null;
  status: ProductStatus;
  primary_image_id: string | null;
  synthetic_count: number;
  real_count: number;
  augmented_count: number;
  barcode: string | null;
  version: number;
  created_at: number;
  updated_at: number;
  deleted: number;
  deleted_by: string | null;
  released_barcodes: string | null;
}

export interface BarcodeRow {
  code: string;
  product_id: string;
  is_primary: number;
  check_ok: number;
  position: number;
}

export interface ImageRow {
  id: string;
  product_id: string;
  type: ProductImage['type'];
  sha256: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  thumb_sha256: string | null;
  cutout_id: string | null;
  cutout_sha256: string | null;
  source_kind: ProductImage['source']['kind'];
  source_id: string | null;
  frame_index: number | null;
  review: ProductImage['review'];
  meta: string;
  created_at: number;
}

/** Contract field ↔ column. */
export const FIELD_COLUMNS: Record<keyof ProductFields, string> = {
  brandName: 'brand_name',
  subBrand: 'sub_brand',
  productName: 'product_name',
  variant: 'variant',
  category: 'category',
  containerType: 'container_type',
  netQuantity: 'net_quantity',
  nutrition: 'nutrition',
  claims: 'claims',
  groundingPrompt: 'grounding_prompt',
  visibilityScore: 'visibility_score',
};

const JSON_FIELDS = new Set<keyof ProductFields>(['nutrition', 'claims']);

export function columnValue(field: keyof ProductFields, value: unknown): unknown {
  if (JSON_FIELDS.has(field)) return JSON.stringify(value ?? []);
  return value ?? null;
}

export function toProduct(r: ProductRow, barcodes: BarcodeRow[]): Product {
  return {
    id: r.id,
    brandName: r.brand_name,
    subBrand: r.sub_brand,
    productName: r.product_name,
    variant: r.variant,
    category: r.category,
    containerType: r.container_type,
    netQuantity: r.net_quantity,
    nutrition: JSON.parse(r.nutrition) as Product['nutrition'],
    claims: JSON.parse(r.claims) as string[],
    groundingPrompt: r.grounding_prompt,
    visibilityScore: r.visibility_score,
    barcodes: barcodes.map((b): Barcode => ({ code: b.code, primary: b.is_primary === 1, checkDigitValid: b.check_ok === 1 })),
    barcode: r.barcode,
    status: r.status,
    primaryImageId: r.primary_image_id,
    counts: { synthetic: r.synthetic_count, real: r.real_count, augmented: r.augmented_count },
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toImage(r: ImageRow): ProductImage {
  return {
    id: r.id,
    productId: r.product_id,
    type: r.type,
    width: r.width,
    height: r.height,
    format: r.format,
    bytes: r.bytes,
    source: { kind: r.source_kind, id: r.source_id },
    frameIndex: r.frame_index,
    cutoutId: r.cutout_id,
    review: r.review,
    createdAt: r.created_at,
  };
}

const ORDER: Record<NonNullable<ProductListInput['sort']>, string> = {
  // Each order is an index's (migration 1), so a page is a walk of it, never a sort of the catalog.
  name: 'p.product_name COLLATE NOCASE {dir}, p.id {dir}',
  brand: 'p.brand_name COLLATE NOCASE {dir}, p.product_name COLLATE NOCASE {dir}, p.id {dir}',
  created: 'p.created_at {dir}, p.id {dir}',
  updated: 'p.updated_at {dir}, p.id {dir}',
  frames: 'p.synthetic_count {dir}, p.id {dir}',
};

/** SQL WHERE for a filter: search (barcode prefix, or name words through the trigram index), status, category. */
export function filterClause(filter: ProductFilter): { sql: string; params: unknown[] } {
  // With a search, its matches drive the query (by rowid or id); `+` keeps the planner off the
  // index on `deleted`, which, without statistics, it would otherwise walk over the whole catalog.
  const where = [filter.query?.trim() ? '+p.deleted = 0' : 'p.deleted = 0'];
  const params: unknown[] = [];
  if (filter.status?.length) {
    where.push(`p.status IN (${filter.status.map(() => '?').join(',')})`);
    params.push(...filter.status);
  }
  if (filter.category?.length) {
    where.push(`p.category IN (${filter.category.map(() => '?').join(',')})`);
    params.push(...filter.category);
  }
  const query = filter.query?.trim();
  if (query) {
    if (/^\d+$/.test(query)) {
      // Digits: a barcode prefix (any of a product's barcodes).
      where.push(`p.id IN (SELECT product_id FROM product_barcodes WHERE code >= ? AND code < ?)`);
      params.push(query, `${query}:`); // ':' sorts right after '9'
    } else {
      const words = searchFold(query).split(/\s+/).filter(Boolean);
      const long = words.filter((w) => [...w].length >= 3);
      const short = words.filter((w) => [...w].length < 3);
      if (long.length) {
        // Each word a quoted phrase (quotes doubled): user text never reaches FTS5's query syntax.
        // The index's rowid is the product's (reindex keeps them equal): the match joins by integer key.
        where.push(`p.rowid IN (SELECT rowid FROM products_search WHERE products_search MATCH ?)`);
        params.push(long.map((w) => `"${w.replace(/"/g, '""')}"`).join(' '));
      }
      for (const w of short) {
        // Too short for the trigram index: a LIKE over the same folded text (LIKE folds only
        // ASCII itself, so it must read the folded index text, not the product's fields).
        where.push(`p.rowid IN (SELECT rowid FROM products_search WHERE text LIKE ? ESCAPE '\\')`);
        params.push(`%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      }
    }
  }
  return { sql: where.join(' AND '), params };
}

/** What a product's words are found by, folded as queries are (src-shared/search-fold.ts; migration 3 writes the same). */
function searchText(r: ProductRow): string {
  return searchFold([r.brand_name, r.sub_brand, r.product_name, r.variant, r.category].filter(Boolean).join(' '));
}

export class ProductRepository {
  readonly byId: Statement<[string], ProductRow>;
  readonly liveById: Statement<[string], ProductRow>;
  readonly barcodesOf: Statement<[string], BarcodeRow>;
  readonly barcode: Statement<[string], BarcodeRow>;
  readonly insertBarcode: Statement;
  readonly deleteBarcode: Statement;
  readonly setPrimaryBarcode: Statement;
  readonly syncPrimaryBarcode: Statement;
  readonly bump: Statement;
  readonly searchDelete: Statement;
  readonly searchInsert: Statement;
  readonly image: Statement<[string], ImageRow>;
  readonly imageByCutout: Statement<[string], ImageRow>;
  readonly recount: Statement;

  constructor(private readonly db: Db) {
    this.byId = db.prepare('SELECT * FROM products WHERE id = ?');
    this.liveById = db.prepare('SELECT * FROM products WHERE id = ? AND deleted = 0');
    this.barcodesOf = db.prepare('SELECT * FROM product_barcodes WHERE product_id = ? ORDER BY is_primary DESC, position, code');
    this.barcode = db.prepare('SELECT * FROM product_barcodes WHERE code = ?');
    this.insertBarcode = db.prepare('INSERT INTO product_barcodes (code, product_id, is_primary, check_ok, position, created_at) VALUES (@code, @productId, @primary, @checkOk, @position, @now)');
    this.deleteBarcode = db.prepare('DELETE FROM product_barcodes WHERE code = ? AND product_id = ?');
    this.setPrimaryBarcode = db.prepare('UPDATE product_barcodes SET is_primary = (code = @code) WHERE product_id = @productId');
    // The denormalised primary barcode: the one marked primary, else the first.
    this.syncPrimaryBarcode = db.prepare(
      `UPDATE products SET barcode = (SELECT code FROM product_barcodes b WHERE b.product_id = products.id ORDER BY b.is_primary DESC, b.position, b.code LIMIT 1) WHERE id = ?`,
    );
    this.bump = db.prepare('UPDATE products SET version = version + 1, updated_at = @now WHERE id = @id');
    // Keyed by the product's rowid: product_id is UNINDEXED in FTS5, so a delete by it scanned the
    // whole index (an import of 50,000 rows was quadratic: 100 rows/s at 2,000).
    this.searchDelete = db.prepare('DELETE FROM products_search WHERE rowid = (SELECT rowid FROM products WHERE id = ?)');
    this.searchInsert = db.prepare('INSERT INTO products_search (rowid, product_id, text) VALUES ((SELECT rowid FROM products WHERE id = ?), ?, ?)');
    this.image = db.prepare('SELECT * FROM product_images WHERE id = ? AND deleted = 0');
    this.imageByCutout = db.prepare('SELECT * FROM product_images WHERE cutout_id = ? AND deleted = 0');
    this.recount = db.prepare(
      `UPDATE products SET
         synthetic_count = (SELECT COUNT(*) FROM product_images i WHERE i.product_id = products.id AND i.deleted = 0 AND i.type = 'synthetic'),
         real_count = (SELECT COUNT(*) FROM product_images i WHERE i.product_id = products.id AND i.deleted = 0 AND i.type = 'real'),
         augmented_count = (SELECT COUNT(*) FROM product_images i WHERE i.product_id = products.id AND i.deleted = 0 AND i.type = 'augmented')
       WHERE id = ?`,
    );
  }

  /** Rebuilds a product's search text (brand, names, variant, category; barcodes are searched by prefix). */
  reindex(id: string): void {
    this.searchDelete.run(id);
    const r = this.liveById.get(id);
    if (!r) return;
    this.searchInsert.run(id, id, searchText(r));
  }

  /** Products with their barcodes, in the order of `rows`. */
  withBarcodes(rows: ProductRow[]): Product[] {
    if (rows.length === 0) return [];
    const codes = this.db
      .prepare(`SELECT * FROM product_barcodes WHERE product_id IN (${rows.map(() => '?').join(',')}) ORDER BY is_primary DESC, position, code`)
      .all(...rows.map((r) => r.id)) as BarcodeRow[];
    const byProduct = new Map<string, BarcodeRow[]>();
    for (const c of codes) byProduct.set(c.product_id, [...(byProduct.get(c.product_id) ?? []), c]);
    return rows.map((r) => toProduct(r, byProduct.get(r.id) ?? []));
  }

  list(input: Required<Pick<ProductListInput, 'sort' | 'order' | 'offset' | 'limit'>> & ProductFilter): { items: Product[]; total: number } {
    const { sql, params } = filterClause(input);
    const total = this.db.prepare(`SELECT COUNT(*) FROM products p WHERE ${sql}`).pluck().get(...params) as number;
    const order = ORDER[input.sort].replaceAll('{dir}', input.order === 'desc' ? 'DESC' : 'ASC');
    const rows = this.db.prepare(`SELECT p.* FROM products p WHERE ${sql} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...params, input.limit, input.offset) as ProductRow[];
    return { items: this.withBarcodes(rows), total };
  }

  /** Ids of live products a filter shows, in name order (bulk actions over "everything in this view"). */
  idsOf(filter: ProductFilter): string[] {
    const { sql, params } = filterClause(filter);
    return this.db.prepare(`SELECT p.id FROM products p WHERE ${sql} ORDER BY p.product_name COLLATE NOCASE, p.id`).pluck().all(...params) as string[];
  }
}
