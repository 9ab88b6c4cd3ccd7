import {
  ContractError,
  DEFAULT_SPLIT_RATIOS,
  DEFAULT_SPLIT_SEED,
  SplitRatios,
  type Dataset,
  type DatasetProduct,
  type ProductSelection,
  type Split,
} from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import type { EventBus } from '../../engine/events.js';
import { newId } from '../../engine/ids.js';
import type { NewProductImage, ProductCatalog } from '../products/public.js';
import { assignSplits, type SplitCounts } from './splits.js';

interface DatasetRow {
  id: string;
  name: string;
  description: string;
  split_train: number;
  split_valid: number;
  split_test: number;
  split_seed: number;
  version: number;
  created_at: number;
  updated_at: number;
  deleted: number;
  deleted_by: string | null;
  product_count: number;
}

interface MemberRow {
  product_id: string;
  split: Split;
  manual: number;
  position: number;
  barcode: string | null;
  brand_name: string;
  product_name: string;
  primary_image_id: string | null;
  synthetic_count: number;
  real_count: number;
  augmented: number;
}

/** The columns of a product image row that a restore copies back. */
interface TombstonedImage {
  product_id: string;
  sha256: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  thumb_sha256: string | null;
  cutout_sha256: string | null;
  source_id: string | null;
  frame_index: number | null;
  meta: string;
}

/** A product of a dataset as other features need it (augmentation, export). */
export interface Member {
  productId: string;
  split: Split;
  position: number;
}

const SELECT = `SELECT d.*, (SELECT COUNT(*) FROM dataset_products m JOIN products p ON p.id = m.product_id WHERE m.dataset_id = d.id AND m.deleted = 0 AND p.deleted = 0) AS product_count FROM datasets d`;

/**
 * Datasets and their products' splits. Each edit is one transaction that checks and bumps
 * the dataset's version, so an edit made from a stale copy (another window) is refused.
 */
export class DatasetStore {
  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
    private readonly catalog: ProductCatalog,
  ) {}

  list(): Dataset[] {
    return (this.db.prepare(`${SELECT} WHERE d.deleted = 0 ORDER BY d.created_at DESC, d.id DESC`).all() as DatasetRow[]).map(toDataset);
  }

  get(id: string): Dataset {
    return toDataset(this.row(id));
  }

  create(input: { name: string; description?: string; from?: ProductSelection; splitRatios?: SplitRatios; splitSeed?: number }): Dataset {
    const ratios = SplitRatios.parse(input.splitRatios ?? DEFAULT_SPLIT_RATIOS);
    const productIds = input.from ? this.catalog.resolve(input.from) : [];
    const id = newId();
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO datasets (id, name, description, split_train, split_valid, split_test, split_seed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, input.name.trim(), (input.description ?? '').trim(), ratios.train, ratios.valid, ratios.test, input.splitSeed ?? DEFAULT_SPLIT_SEED, now, now);
      this.insertMembers(id, productIds, now);
    })();
    this.changed([id]);
    return this.get(id);
  }

  /** Runs `fn` in one transaction (nested calls of the store and the catalog join it): all of it is written, or none. */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** A dataset whose products come with their splits already decided (an imported layout). */
  createWithSplits(input: { name: string; description?: string; splitRatios?: SplitRatios; splitSeed?: number }, members: readonly { productId: string; split: Split }[]): Dataset {
    const ratios = SplitRatios.parse(input.splitRatios ?? DEFAULT_SPLIT_RATIOS);
    const id = newId();
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO datasets (id, name, description, split_train, split_valid, split_test, split_seed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, input.name.trim(), (input.description ?? '').trim(), ratios.train, ratios.valid, ratios.test, input.splitSeed ?? DEFAULT_SPLIT_SEED, now, now);
      const insert = this.db.prepare('INSERT OR IGNORE INTO dataset_products (dataset_id, product_id, split, position, added_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
      members.forEach((m, i) => insert.run(id, m.productId, m.split, i, now, now));
    })();
    this.changed([id]);
    return this.get(id);
  }

  update(id: string, version: number, patch: { name?: string; description?: string }): Dataset {
    this.edit(id, version, () => {
      if (patch.name !== undefined) this.db.prepare('UPDATE datasets SET name = ? WHERE id = ?').run(patch.name.trim(), id);
      if (patch.description !== undefined) this.db.prepare('UPDATE datasets SET description = ? WHERE id = ?').run(patch.description.trim(), id);
    });
    return this.get(id);
  }

  /** Tombstones the dataset and the augmented images made for it, in one transaction; the token undoes both. */
  delete(id: string): { undoToken: string } {
    this.row(id);
    const token = newId();
    this.db.transaction(() => {
      this.db.prepare('UPDATE datasets SET deleted = 1, deleted_by = ?, version = version + 1, updated_at = ? WHERE id = ? AND deleted = 0').run(token, Date.now(), id);
      const images = this.db
        .prepare("SELECT id FROM product_images WHERE type = 'augmented' AND source_kind = 'dataset' AND source_id = ? AND deleted = 0")
        .pluck()
        .all(id) as string[];
      const remember = this.db.prepare('INSERT INTO dataset_deleted_images (undo_token, image_id) VALUES (?, ?)');
      for (const image of images) remember.run(token, image);
      this.catalog.removeImages(images);
    })();
    this.changed(null);
    return { undoToken: token };
  }

  /** Undoes a delete: the dataset and the augmented images its delete took with it. */
  restore(undoToken: string): Dataset {
    const row = this.db.prepare('SELECT id FROM datasets WHERE deleted = 1 AND deleted_by = ?').get(undoToken) as { id: string } | undefined;
    if (!row) throw new ContractError('not_found', 'nothing to undo: that delete was already undone or is unknown');
    this.db.transaction(() => {
      this.db.prepare('UPDATE datasets SET deleted = 0, deleted_by = NULL, version = version + 1, updated_at = ? WHERE id = ?').run(Date.now(), row.id);
      this.restoreImages(undoToken);
    })();
    this.changed(null);
    return this.get(row.id);
  }

  products(id: string): DatasetProduct[] {
    this.row(id);
    const rows = this.db
      .prepare(
        `SELECT m.product_id, m.split, m.manual, m.position, p.barcode, p.brand_name, p.product_name, p.primary_image_id, p.synthetic_count, p.real_count,
                (SELECT COUNT(*) FROM product_images i WHERE i.product_id = m.product_id AND i.type = 'augmented' AND i.source_kind = 'dataset' AND i.source_id = m.dataset_id AND i.deleted = 0) AS augmented
         FROM dataset_products m JOIN products p ON p.id = m.product_id
         WHERE m.dataset_id = ? AND m.deleted = 0 AND p.deleted = 0 ORDER BY m.position`,
      )
      .all(id) as MemberRow[];
    return rows.map((r) => ({
      productId: r.product_id,
      barcode: r.barcode,
      brandName: r.brand_name,
      productName: r.product_name,
      primaryImageId: r.primary_image_id,
      split: r.split,
      manualSplit: r.manual === 1,
      position: r.position,
      counts: { synthetic: r.synthetic_count, real: r.real_count, augmented: r.augmented },
    }));
  }

  /** The live products of a live dataset, in order of assignment. */
  members(id: string): Member[] {
    this.row(id);
    return (
      this.db
        .prepare('SELECT m.product_id, m.split, m.position FROM dataset_products m JOIN products p ON p.id = m.product_id WHERE m.dataset_id = ? AND m.deleted = 0 AND p.deleted = 0 ORDER BY m.position')
        .all(id) as { product_id: string; split: Split; position: number }[]
    ).map((r) => ({ productId: r.product_id, split: r.split, position: r.position }));
  }

  addProducts(id: string, version: number, selection: ProductSelection): { dataset: Dataset; added: number } {
    const ids = this.catalog.resolve(selection);
    let added = 0;
    this.edit(id, version, (now) => {
      added = this.insertMembers(id, ids, now);
    });
    return { dataset: this.get(id), added };
  }

  removeProducts(id: string, version: number, productIds: readonly string[]): { dataset: Dataset; removed: number } {
    let removed = 0;
    this.edit(id, version, (now) => {
      const drop = this.db.prepare('UPDATE dataset_products SET deleted = 1, updated_at = ? WHERE dataset_id = ? AND product_id = ? AND deleted = 0');
      for (const p of productIds) removed += drop.run(now, id, p).changes;
    });
    return { dataset: this.get(id), removed };
  }

  setProductSplit(id: string, version: number, productId: string, split: Split): Dataset {
    this.edit(id, version, (now) => {
      const changed = this.db.prepare('UPDATE dataset_products SET split = ?, manual = 1, updated_at = ? WHERE dataset_id = ? AND product_id = ? AND deleted = 0').run(split, now, id, productId).changes;
      if (changed === 0) throw new ContractError('not_found', `product ${productId} is not in this dataset`);
    });
    return this.get(id);
  }

  /** New ratios or seed: products placed by hand stay; every other one is assigned again, in the seeded order. */
  resplit(id: string, version: number, ratios: SplitRatios, seed: number): Dataset {
    const checked = SplitRatios.parse(ratios);
    this.edit(id, version, (now) => {
      this.db.prepare('UPDATE datasets SET split_train = ?, split_valid = ?, split_test = ?, split_seed = ? WHERE id = ?').run(checked.train, checked.valid, checked.test, seed, id);
      const rows = this.db.prepare('SELECT product_id, split, manual FROM dataset_products WHERE dataset_id = ? AND deleted = 0').all(id) as { product_id: string; split: Split; manual: number }[];
      const counts: SplitCounts = { train: 0, valid: 0, test: 0 };
      for (const r of rows) if (r.manual) counts[r.split]++;
      const assigned = assignSplits(
        counts,
        rows.filter((r) => !r.manual).map((r) => r.product_id),
        checked,
        seed,
      );
      const set = this.db.prepare('UPDATE dataset_products SET split = ?, updated_at = ? WHERE dataset_id = ? AND product_id = ?');
      for (const [productId, split] of assigned) set.run(split, now, id, productId);
    });
    return this.get(id);
  }

  /** Tells the UI (and other windows) what changed. */
  changed(ids: string[] | null): void {
    this.events.emit('datasets.changed', { ids });
  }

  // ------------------------------------------------------------ internals

  /**
   * Brings back the images a delete tombstoned, as the same files with the same origin
   * records (so augmentation counts them again). The catalog has no un-delete for images,
   * so they come back as new rows with new ids; products deleted since are left out.
   */
  private restoreImages(undoToken: string): void {
    const rows = this.db
      .prepare(
        `SELECT i.* FROM dataset_deleted_images d JOIN product_images i ON i.id = d.image_id
         WHERE d.undo_token = ? AND i.deleted = 1 ORDER BY i.product_id, i.created_at, i.id`,
      )
      .all(undoToken) as TombstonedImage[];
    const live = new Set(this.catalog.many([...new Set(rows.map((r) => r.product_id))]).map((p) => p.id));
    const byProduct = new Map<string, NewProductImage[]>();
    for (const r of rows) {
      if (!live.has(r.product_id)) continue;
      const list = byProduct.get(r.product_id) ?? [];
      list.push({
        type: 'augmented',
        sha256: r.sha256,
        format: r.format,
        width: r.width,
        height: r.height,
        bytes: r.bytes,
        thumbSha256: r.thumb_sha256,
        cutoutSha256: r.cutout_sha256,
        source: { kind: 'dataset', id: r.source_id },
        frameIndex: r.frame_index,
        meta: JSON.parse(r.meta) as Record<string, unknown>,
      });
      byProduct.set(r.product_id, list);
    }
    for (const [productId, images] of byProduct) this.catalog.addImages(productId, images);
    this.db.prepare('DELETE FROM dataset_deleted_images WHERE undo_token = ?').run(undoToken);
    if (byProduct.size) this.catalog.changed([...byProduct.keys()]);
  }

  private row(id: string): DatasetRow {
    const row = this.db.prepare(`${SELECT} WHERE d.id = ? AND d.deleted = 0`).get(id) as DatasetRow | undefined;
    if (!row) throw new ContractError('not_found', `no dataset ${id}`);
    return row;
  }

  /** One edit: checks the version, runs `work`, bumps the version, in one transaction. */
  private edit(id: string, version: number, work: (now: number) => void): void {
    const now = Date.now();
    this.db.transaction(() => {
      const row = this.row(id);
      if (row.version !== version) {
        throw new ContractError(
          'conflict',
          `the dataset “${row.name}” was changed elsewhere (another window) after you opened it: your copy is version ${version}, the library has ${row.version}. Reload it and make your change again.`,
        );
      }
      work(now);
      this.db.prepare('UPDATE datasets SET version = version + 1, updated_at = ? WHERE id = ?').run(now, id);
    })();
    this.changed([id]);
  }

  /**
   * Adds products not in the dataset yet (a removed one comes back with its old split);
   * only the newcomers are assigned, so the others never move. Returns how many joined.
   */
  private insertMembers(id: string, productIds: readonly string[], now: number): number {
    if (productIds.length === 0) return 0;
    const ds = this.db.prepare('SELECT split_train, split_valid, split_test, split_seed FROM datasets WHERE id = ?').get(id) as Pick<DatasetRow, 'split_train' | 'split_valid' | 'split_test' | 'split_seed'>;
    const existing = new Map(
      (this.db.prepare('SELECT product_id, deleted FROM dataset_products WHERE dataset_id = ?').all(id) as { product_id: string; deleted: number }[]).map((r) => [r.product_id, r.deleted]),
    );
    const live = new Set(this.catalog.many(productIds).map((p) => p.id));
    const missing = productIds.filter((p) => !live.has(p));
    if (missing.length) throw new ContractError('not_found', `no product ${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`);
    const revive = this.db.prepare('UPDATE dataset_products SET deleted = 0, updated_at = ? WHERE dataset_id = ? AND product_id = ?');
    let joined = 0;
    const fresh: string[] = [];
    for (const p of new Set(productIds)) {
      const state = existing.get(p);
      if (state === 0) continue;
      if (state === 1) {
        revive.run(now, id, p);
        joined++;
      } else fresh.push(p);
    }
    const counts: SplitCounts = { train: 0, valid: 0, test: 0 };
    // The split as the dataset shows it: a member whose product was deleted from the catalog takes no slot.
    for (const r of this.db
      .prepare('SELECT m.split, COUNT(*) AS n FROM dataset_products m JOIN products p ON p.id = m.product_id WHERE m.dataset_id = ? AND m.deleted = 0 AND p.deleted = 0 GROUP BY m.split')
      .all(id) as { split: Split; n: number }[])
      counts[r.split] = r.n;
    const assigned = assignSplits(counts, fresh, { train: ds.split_train, valid: ds.split_valid, test: ds.split_test }, ds.split_seed);
    let position = (this.db.prepare('SELECT COALESCE(MAX(position), -1) + 1 FROM dataset_products WHERE dataset_id = ?').pluck().get(id) as number) ?? 0;
    const insert = this.db.prepare('INSERT INTO dataset_products (dataset_id, product_id, split, position, added_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    // Positions follow the seeded order, so "order of assignment" is the order splits were dealt in.
    for (const [productId, split] of assigned) insert.run(id, productId, split, position++, now, now);
    return joined + assigned.size;
  }
}

function toDataset(r: DatasetRow): Dataset {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    productCount: r.product_count,
    splitRatios: { train: r.split_train, valid: r.split_valid, test: r.split_test },
    splitSeed: r.split_seed,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
