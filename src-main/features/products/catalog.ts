import {
  ContractError,
  ProductFields,
  ProductListInput,
  ProductSelection,
  productTransitions,
  type ProductCreate,
  type MediaVariant,
  type Product,
  type ProductImage,
  type ProductImageType,
  type ProductStatus,
} from '../../../src-shared/contract/index.js';
import type { z } from 'zod';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../engine/db/database.js';
import type { EventBus } from '../../engine/events.js';
import type { MediaFile } from '../../engine/feature.js';
import { newId } from '../../engine/ids.js';
import type { BlobStore } from '../../engine/store/blob-store.js';
import { gtinCheckDigitValid, gtinSpellings, hasCheckDigit } from './gtin.js';
import { columnValue, FIELD_COLUMNS, ProductRepository, toImage, type ImageRow, type ProductRow } from './repository.js';

const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** An image another feature hands to a product (its files already in the blob store). */
/** An image's stored file, as an export packs it. */
export interface ProductImageFile {
  id: string;
  sha256: string;
  type: ProductImage['type'];
  format: string;
  frameIndex: number | null;
  bytes: number;
  path: string;
}

export interface NewProductImage {
  type: ProductImageType;
  sha256: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  thumbSha256: string | null;
  cutoutSha256?: string | null;
  source: ProductImage['source'];
  frameIndex?: number | null;
  review?: ProductImage['review'];
  meta?: Record<string, unknown>;
}

type CreateInput = z.input<typeof ProductCreate>;

/** Built once: zod compiles a schema on first use, and a `.partial()` per call made each create and update pay for it again (an import writes 50,000). */
const PartialFields = ProductFields.partial();

/**
 * The catalog: products with barcodes unique across it, fields, the status workflow and
 * typed images. Every change runs in one transaction and bumps the product's version; an
 * update based on an older version is refused (two windows, later two devices).
 */
export class ProductCatalog {
  private readonly repo: ProductRepository;

  /** Statements by their text, prepared once (an import runs create 50,000 times; preparing is most of a small write). */
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly db: Db,
    private readonly store: BlobStore,
    private readonly events: EventBus,
  ) {
    this.repo = new ProductRepository(db);
  }

  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  // ------------------------------------------------------------ reads

  list(input: ProductListInput = {}): { items: Product[]; total: number } {
    return this.repo.list(ProductListInput.parse(input));
  }

  categories(): { category: string; count: number }[] {
    return this
      .sql("SELECT category, COUNT(*) AS count FROM products WHERE deleted = 0 AND category IS NOT NULL AND category != '' GROUP BY category ORDER BY category COLLATE NOCASE")
      .all() as { category: string; count: number }[];
  }

  stats(): { total: number; byStatus: Record<ProductStatus, number> } {
    const byStatus: Record<ProductStatus, number> = { pending: 0, processing: 0, needs_matching: 0, ready: 0, rejected: 0 };
    for (const r of this.sql('SELECT status, COUNT(*) AS n FROM products WHERE deleted = 0 GROUP BY status').all() as { status: ProductStatus; n: number }[]) byStatus[r.status] = r.n;
    return { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus };
  }

  /** Whether a live product has this id. */
  exists(id: string): boolean {
    return this.repo.liveById.get(id) !== undefined;
  }

  get(id: string): Product {
    const row = this.repo.liveById.get(id);
    if (!row) throw new ContractError('not_found', `no product ${id}`);
    return this.repo.withBarcodes([row])[0]!;
  }

  byBarcode(code: string): Product | null {
    const b = this.barcodeOwner(code.trim());
    return b ? this.get(b.product_id) : null;
  }

  /** The barcode row for a code as written, or for another spelling of the same GTIN (gtin.ts). */
  private barcodeOwner(code: string) {
    for (const spelling of gtinSpellings(code)) {
      const row = this.repo.barcode.get(spelling);
      if (row) return row;
    }
    return undefined;
  }

  /** Products for ids, in the given order; missing or deleted ids are left out. */
  many(ids: readonly string[]): Product[] {
    const rows = ids.map((id) => this.repo.liveById.get(id)).filter((r): r is ProductRow => r !== undefined);
    return this.repo.withBarcodes(rows);
  }

  /** Ids a selection stands for (the filter's current view minus exceptions, or the ids themselves). */
  resolve(selection: z.input<typeof ProductSelection> | undefined): string[] {
    if (!selection) return this.repo.idsOf({});
    const s = ProductSelection.parse(selection);
    if ('ids' in s) return [...new Set(s.ids)];
    const except = new Set(s.except);
    return this.repo.idsOf(s.filter).filter((id) => !except.has(id));
  }

  // ------------------------------------------------------------ writes

  create(input: CreateInput): Product {
    const fields = PartialFields.parse(stripExtra(input));
    const codes = [...new Set((input.barcodes ?? []).map((c) => c.trim()))];
    const id = newId();
    const now = Date.now();
    this.db.transaction(() => {
      const cols = Object.keys(fields) as (keyof ProductFields)[];
      this
        .sql(
          `INSERT INTO products (id, status, created_at, updated_at${cols.map((c) => `, ${FIELD_COLUMNS[c]}`).join('')}) VALUES (?, ?, ?, ?${cols.map(() => ', ?').join('')})`,
        )
        .run(id, input.status ?? 'pending', now, now, ...cols.map((c) => columnValue(c, fields[c])));
      codes.forEach((code, i) => this.claimBarcode(id, code, i === 0, input.allowInvalidCheckDigit ?? false, now));
      this.repo.syncPrimaryBarcode.run(id);
      this.repo.reindex(id);
    })();
    this.changed([id]);
    return this.get(id);
  }

  update(id: string, version: number, patch: Partial<ProductFields>): Product {
    const fields = PartialFields.parse(patch);
    const cols = Object.keys(fields) as (keyof ProductFields)[];
    this.db.transaction(() => {
      this.requireVersion(id, version);
      if (cols.length) {
        this.sql(`UPDATE products SET ${cols.map((c) => `${FIELD_COLUMNS[c]} = ?`).join(', ')} WHERE id = ?`).run(...cols.map((c) => columnValue(c, fields[c])), id);
      }
      this.repo.bump.run({ id, now: Date.now() });
      this.repo.reindex(id);
    })();
    this.changed([id]);
    return this.get(id);
  }

  /** Moves products along the workflow in one transaction; moves the workflow forbids are answered, not made. */
  setStatus(ids: readonly string[], status: ProductStatus): { changed: number; refused: { id: string; from: ProductStatus }[] } {
    const refused: { id: string; from: ProductStatus }[] = [];
    let changed = 0;
    const now = Date.now();
    const set = this.sql('UPDATE products SET status = ?, version = version + 1, updated_at = ? WHERE id = ? AND deleted = 0');
    this.db.transaction(() => {
      for (const id of ids) {
        const row = this.repo.liveById.get(id);
        if (!row) throw new ContractError('not_found', `no product ${id}`);
        if (row.status === status) continue;
        if (!productTransitions[row.status].includes(status)) {
          refused.push({ id, from: row.status });
          continue;
        }
        set.run(status, now, id);
        changed++;
      }
    })();
    if (changed) this.changed(ids.length > 200 ? null : [...ids]);
    return { changed, refused };
  }

  addBarcode(id: string, version: number, code: string, options: { primary?: boolean; allowInvalidCheckDigit?: boolean } = {}): Product {
    this.db.transaction(() => {
      this.requireVersion(id, version);
      const position = (this.sql('SELECT COALESCE(MAX(position), -1) + 1 FROM product_barcodes WHERE product_id = ?').pluck().get(id) as number) ?? 0;
      const first = position === 0;
      this.claimBarcode(id, code.trim(), first || options.primary === true, options.allowInvalidCheckDigit ?? false, Date.now(), position);
      if (options.primary) this.repo.setPrimaryBarcode.run({ productId: id, code: code.trim() });
      this.repo.syncPrimaryBarcode.run(id);
      this.repo.bump.run({ id, now: Date.now() });
    })();
    this.changed([id]);
    return this.get(id);
  }

  removeBarcode(id: string, version: number, code: string): Product {
    this.db.transaction(() => {
      this.requireVersion(id, version);
      const owned = this.repo.barcode.get(code);
      if (!owned || owned.product_id !== id) throw new ContractError('not_found', `product ${id} has no barcode ${code}`);
      this.repo.deleteBarcode.run(code, id);
      if (owned.is_primary) {
        const next = this.sql('SELECT code FROM product_barcodes WHERE product_id = ? ORDER BY position, code LIMIT 1').pluck().get(id) as string | undefined;
        if (next) this.repo.setPrimaryBarcode.run({ productId: id, code: next });
      }
      this.repo.syncPrimaryBarcode.run(id);
      this.repo.bump.run({ id, now: Date.now() });
    })();
    this.changed([id]);
    return this.get(id);
  }

  setPrimaryBarcode(id: string, version: number, code: string): Product {
    this.db.transaction(() => {
      this.requireVersion(id, version);
      const owned = this.repo.barcode.get(code);
      if (!owned || owned.product_id !== id) throw new ContractError('not_found', `product ${id} has no barcode ${code}`);
      this.repo.setPrimaryBarcode.run({ productId: id, code });
      this.repo.syncPrimaryBarcode.run(id);
      this.repo.bump.run({ id, now: Date.now() });
    })();
    this.changed([id]);
    return this.get(id);
  }

  /** Tombstones products and releases their barcodes; the token undoes it (products.restore). */
  delete(ids: readonly string[]): { deleted: number; undoToken: string | null } {
    if (ids.length === 0) return { deleted: 0, undoToken: null };
    const token = newId();
    const now = Date.now();
    let deleted = 0;
    const tombstone = this.sql('UPDATE products SET deleted = 1, deleted_by = ?, released_barcodes = ?, version = version + 1, updated_at = ? WHERE id = ? AND deleted = 0');
    const release = this.sql('DELETE FROM product_barcodes WHERE product_id = ?');
    this.db.transaction(() => {
      for (const id of ids) {
        const codes = this.repo.barcodesOf.all(id);
        if (tombstone.run(token, JSON.stringify(codes), now, id).changes === 0) continue;
        release.run(id);
        this.repo.searchDelete.run(id);
        deleted++;
      }
    })();
    this.changed(ids.length > 200 ? null : [...ids]);
    return { deleted, undoToken: deleted ? token : null };
  }

  /** Undoes a delete: each product comes back with its barcodes, unless one of them was claimed meanwhile. */
  restore(token: string): { restored: number; refused: { id: string; reason: string }[] } {
    const rows = this.sql('SELECT * FROM products WHERE deleted = 1 AND deleted_by = ?').all(token) as ProductRow[];
    if (rows.length === 0) throw new ContractError('not_found', 'nothing to undo: that delete was already undone or is unknown');
    const refused: { id: string; reason: string }[] = [];
    let restored = 0;
    const now = Date.now();
    this.db.transaction(() => {
      for (const row of rows) {
        const codes = JSON.parse(row.released_barcodes ?? '[]') as { code: string; is_primary: number; check_ok: number; position: number }[];
        const taken = codes.map((c) => this.barcodeOwner(c.code)).find((b) => b !== undefined);
        if (taken) {
          refused.push({ id: row.id, reason: `barcode ${taken.code} now belongs to ${this.describe(taken.product_id)}` });
          continue;
        }
        this.sql('UPDATE products SET deleted = 0, deleted_by = NULL, released_barcodes = NULL, version = version + 1, updated_at = ? WHERE id = ?').run(now, row.id);
        for (const c of codes) this.repo.insertBarcode.run({ code: c.code, productId: row.id, primary: c.is_primary, checkOk: c.check_ok, position: c.position, now });
        this.repo.reindex(row.id);
        restored++;
      }
    })();
    this.changed(rows.length > 200 ? null : rows.map((r) => r.id));
    return { restored, refused };
  }

  // ------------------------------------------------------------ images (other features add them through public.ts)

  images(productId: string, type: ProductImageType | undefined, offset = 0, limit = 200): { items: ProductImage[]; total: number } {
    this.get(productId);
    const where = `product_id = ? AND deleted = 0${type ? ' AND type = ?' : ''}`;
    const params = type ? [productId, type] : [productId];
    const total = this.sql(`SELECT COUNT(*) FROM product_images WHERE ${where}`).pluck().get(...params) as number;
    const rows = this
      .sql(`SELECT * FROM product_images WHERE ${where} ORDER BY type, COALESCE(frame_index, 0), created_at, id LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as ImageRow[];
    return { items: rows.map(toImage), total };
  }

  image(imageId: string): ProductImage & { sha256: string; cutoutSha256: string | null; meta: Record<string, unknown> } {
    const row = this.repo.image.get(imageId);
    if (!row) throw new ContractError('not_found', `no product image ${imageId}`);
    return { ...toImage(row), sha256: row.sha256, cutoutSha256: row.cutout_sha256, meta: JSON.parse(row.meta) as Record<string, unknown> };
  }

  /** Where an image's (or its cut-out's) bytes are. */
  imagePath(imageId: string, which: 'image' | 'cutout' = 'image'): string {
    const img = this.image(imageId);
    const sha = which === 'cutout' ? img.cutoutSha256 : img.sha256;
    if (!sha) throw new ContractError('not_found', `product image ${imageId} has no ${which}`);
    return this.store.pathOf(sha);
  }

  /**
   * The live images of many products in one query (an export reads a page of products at
   * once; three queries a product made a 50,000-product ZIP crawl), grouped by product in
   * the order the detail page shows them.
   */
  imageFilesOf(productIds: readonly string[]): Map<string, ProductImageFile[]> {
    const byProduct = new Map<string, ProductImageFile[]>();
    for (let i = 0; i < productIds.length; i += 500) {
      const chunk = productIds.slice(i, i + 500);
      const rows = this
        .sql(
          `SELECT id, product_id, type, sha256, format, frame_index, bytes FROM product_images
           WHERE product_id IN (${chunk.map(() => '?').join(',')}) AND deleted = 0
           ORDER BY product_id, type, COALESCE(frame_index, 0), created_at, id`,
        )
        .all(...chunk) as Pick<ImageRow, 'id' | 'product_id' | 'type' | 'sha256' | 'format' | 'frame_index' | 'bytes'>[];
      for (const r of rows) {
        const file: ProductImageFile = { id: r.id, sha256: r.sha256, type: r.type, format: r.format, frameIndex: r.frame_index, bytes: r.bytes, path: this.store.pathOf(r.sha256) };
        const list = byProduct.get(r.product_id);
        if (list) list.push(file);
        else byProduct.set(r.product_id, [file]);
      }
    }
    return byProduct;
  }

  /**
   * Adds images in one transaction (call inside a job's commit for exactly-once). With
   * `replaceSource`, the product's earlier images from that same source are tombstoned
   * first, so re-processing a video replaces its frames instead of adding more.
   */
  addImages(productId: string, images: readonly NewProductImage[], options: { replaceSource?: ProductImage['source']; primaryIndex?: number | null } = {}): string[] {
    const now = Date.now();
    const insert = this.sql(
      `INSERT INTO product_images (id, product_id, type, sha256, format, width, height, bytes, thumb_sha256, cutout_id, cutout_sha256, source_kind, source_id, frame_index, review, meta, created_at, updated_at)
       VALUES (@id, @productId, @type, @sha256, @format, @width, @height, @bytes, @thumb, @cutoutId, @cutoutSha, @sourceKind, @sourceId, @frameIndex, @review, @meta, @now, @now)`,
    );
    return this.db.transaction(() => {
      if (!this.repo.liveById.get(productId)) throw new ContractError('not_found', `no product ${productId}`);
      if (options.replaceSource) {
        this
          .sql('UPDATE product_images SET deleted = 1, updated_at = ? WHERE product_id = ? AND source_kind = ? AND source_id IS ? AND deleted = 0')
          .run(now, productId, options.replaceSource.kind, options.replaceSource.id);
      }
      const ids = images.map((img) => {
        const id = newId();
        insert.run({
          id,
          productId,
          type: img.type,
          sha256: img.sha256,
          format: img.format,
          width: img.width,
          height: img.height,
          bytes: img.bytes,
          thumb: img.thumbSha256,
          cutoutId: img.cutoutSha256 ? newId() : null,
          cutoutSha: img.cutoutSha256 ?? null,
          sourceKind: img.source.kind,
          sourceId: img.source.id,
          frameIndex: img.frameIndex ?? null,
          review: img.review ?? 'ok',
          meta: JSON.stringify(img.meta ?? {}),
          now,
        });
        return id;
      });
      this.repo.recount.run(productId);
      const current = this.repo.liveById.get(productId)!;
      const primaryStillThere = current.primary_image_id && this.repo.image.get(current.primary_image_id);
      const chosen = options.primaryIndex != null ? ids[options.primaryIndex] : !primaryStillThere ? ids[0] : undefined;
      if (chosen) this.sql('UPDATE products SET primary_image_id = ? WHERE id = ?').run(chosen, productId);
      this.repo.bump.run({ id: productId, now });
      return ids;
    })();
  }

  /** Tombstones images (a real image whose approval was undone, say). */
  removeImages(imageIds: readonly string[]): void {
    const now = Date.now();
    const touched = new Set<string>();
    this.db.transaction(() => {
      for (const id of imageIds) {
        const row = this.repo.image.get(id);
        if (!row) continue;
        this.sql('UPDATE product_images SET deleted = 1, updated_at = ? WHERE id = ?').run(now, id);
        this.sql('UPDATE products SET primary_image_id = NULL WHERE id = ? AND primary_image_id = ?').run(row.product_id, id);
        touched.add(row.product_id);
      }
      for (const p of touched) {
        this.repo.recount.run(p);
        this.repo.bump.run({ id: p, now });
      }
    })();
    if (touched.size) this.changed([...touched]);
  }

  setPrimaryImage(id: string, version: number, imageId: string): Product {
    this.db.transaction(() => {
      this.requireVersion(id, version);
      const img = this.repo.image.get(imageId);
      if (!img || img.product_id !== id) throw new ContractError('not_found', `product ${id} has no image ${imageId}`);
      this.sql('UPDATE products SET primary_image_id = ? WHERE id = ?').run(imageId, id);
      this.repo.bump.run({ id, now: Date.now() });
    })();
    this.changed([id]);
    return this.get(id);
  }

  /** Media for a product image id (its file or thumbnail) or a cut-out id. */
  media(id: string, variant: MediaVariant): MediaFile | null {
    const row = this.repo.image.get(id);
    if (row) {
      const sha = variant === 'thumb' ? (row.thumb_sha256 ?? row.sha256) : row.sha256;
      return { path: this.store.pathOf(sha), contentType: variant === 'thumb' && row.thumb_sha256 ? 'image/webp' : (IMAGE_TYPES[row.format] ?? 'application/octet-stream') };
    }
    const cut = this.repo.imageByCutout.get(id);
    if (cut?.cutout_sha256) return { path: this.store.pathOf(cut.cutout_sha256), contentType: 'image/png' };
    return null;
  }

  /** Tells the UI (and other windows) what changed. */
  changed(ids: string[] | null): void {
    this.events.emit('products.changed', { ids });
  }

  // ------------------------------------------------------------ internals

  private requireVersion(id: string, version: number): ProductRow {
    const row = this.repo.liveById.get(id);
    if (!row) throw new ContractError('not_found', `no product ${id}`);
    if (row.version !== version) {
      throw new ContractError(
        'conflict',
        `“${this.describe(id)}” was changed elsewhere (another window or device) after you opened it: your copy is version ${version}, the library has ${row.version}. Reload it and make your change again.`,
      );
    }
    return row;
  }

  private claimBarcode(productId: string, code: string, primary: boolean, allowInvalid: boolean, now: number, position?: number): void {
    const owner = this.barcodeOwner(code);
    if (owner) {
      const as = owner.code === code ? '' : ` (as ${owner.code}, the same GTIN)`;
      if (owner.product_id === productId) throw new ContractError('conflict', `this product already has barcode ${code}${as}`);
      throw new ContractError('conflict', `barcode ${code} already belongs to ${this.describe(owner.product_id)}${as}`);
    }
    const checkOk = hasCheckDigit(code) && gtinCheckDigitValid(code);
    if (hasCheckDigit(code) && !checkOk && !allowInvalid) {
      throw new ContractError('invalid_input', `barcode ${code} has a wrong check digit (GTIN mod 10); check the number, or keep it anyway`);
    }
    const pos = position ?? ((this.sql('SELECT COALESCE(MAX(position), -1) + 1 FROM product_barcodes WHERE product_id = ?').pluck().get(productId) as number) ?? 0);
    if (primary) this.sql('UPDATE product_barcodes SET is_primary = 0 WHERE product_id = ?').run(productId);
    this.repo.insertBarcode.run({ code, productId, primary: primary ? 1 : 0, checkOk: checkOk ? 1 : 0, position: pos, now });
  }

  /** “Brand Name (barcode)” for messages. */
  describe(id: string): string {
    const r = this.repo.byId.get(id);
    if (!r) return `product ${id}`;
    const name = [r.brand_name, r.product_name].filter(Boolean).join(' ') || 'an unnamed product';
    return r.barcode ? `${name} (${r.barcode})` : name;
  }
}

/** The editable fields of a create input (barcodes and flags handled apart). */
function stripExtra(input: CreateInput): Partial<ProductFields> {
  const { barcodes: _b, allowInvalidCheckDigit: _a, status: _s, ...fields } = input;
  return fields;
}
