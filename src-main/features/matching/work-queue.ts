/** The reviewer's work queue: products waiting for matching, with what the review has done and who holds them. */
import type { Product, WorkItem } from '../../../src-shared/contract/index.js';
import type { ProductCatalog } from '../products/public.js';
import type { DecisionLog } from './decisions.js';
import type { Locks } from './locks.js';

export class WorkQueue {
  constructor(
    private readonly catalog: ProductCatalog,
    private readonly decisions: DecisionLog,
    private readonly locks: Locks,
  ) {}

  list(input: { query?: string; offset: number; limit: number }): { items: WorkItem[]; total: number } {
    const page = this.catalog.list({ status: ['needs_matching'], query: input.query || undefined, sort: 'name', order: 'asc', offset: input.offset, limit: input.limit });
    return { items: page.items.map((p) => this.item(p)), total: page.total };
  }

  /** The first product (by name, after `after` when given, wrapping round) with no decision yet and no other window on it. */
  next(after?: string): WorkItem | null {
    const all: Product[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = this.catalog.list({ status: ['needs_matching'], sort: 'name', order: 'asc', offset, limit: 500 });
      all.push(...page.items);
      if (all.length >= page.total || page.items.length === 0) break;
    }
    const start = after ? all.findIndex((p) => p.id === after) + 1 : 0;
    const ordered = [...all.slice(start), ...all.slice(0, start)];
    const found = ordered.find((p) => p.id !== after && !this.decisions.reviewed(p.id) && !this.locks.current(p.id));
    return found ? this.item(found) : null;
  }

  item(p: Product): WorkItem {
    return {
      productId: p.id,
      name: p.productName,
      brand: p.brandName,
      barcode: p.barcode,
      barcodes: p.barcodes.map((b) => b.code),
      primaryImageId: p.primaryImageId,
      frames: p.counts.synthetic,
      approved: this.decisions.approvedCount(p.id),
      reviewed: this.decisions.reviewed(p.id),
      lock: this.locks.current(p.id),
    };
  }
}
