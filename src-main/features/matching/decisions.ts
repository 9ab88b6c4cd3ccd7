/**
 * The review's decisions. Approving an image makes it a `real` image of the product
 * (through the products catalog) in the same transaction as the decision row; undo marks
 * the latest group of decisions undone and removes the images its approvals made. An image
 * approved for one product is taken: other products are not offered it, and cannot
 * approve it, unless sharing is allowed.
 */
import { ContractError, type Decision, type DecisionRecord } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import type { EventBus } from '../../engine/events.js';
import { newId } from '../../engine/ids.js';
import type { ProductCatalog } from '../products/public.js';

interface DecisionRow {
  id: string;
  group_id: string;
  product_id: string;
  asset_id: string | null;
  decision: Decision;
  score: number | null;
  decider: string;
  decided_at: number;
  product_image_id: string | null;
  undone_at: number | null;
}

const toRecord = (r: DecisionRow): DecisionRecord => ({
  id: r.id,
  productId: r.product_id,
  assetId: r.asset_id,
  decision: r.decision,
  score: r.score,
  decider: r.decider,
  decidedAt: r.decided_at,
  groupId: r.group_id,
  undoneAt: r.undone_at,
});

interface AssetFacts {
  sha256: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  thumb: string | null;
}

export class DecisionLog {
  constructor(
    private readonly db: Db,
    private readonly catalog: ProductCatalog,
    private readonly events: EventBus,
    private readonly now: () => number,
  ) {}

  list(productId: string): DecisionRecord[] {
    return (this.db.prepare('SELECT * FROM match_decisions WHERE product_id = ? ORDER BY decided_at DESC, rowid DESC').all(productId) as DecisionRow[]).map(toRecord);
  }

  /** Images this product rejected or approved (neither is offered again). */
  decidedFor(productId: string): Set<string> {
    return new Set(
      this.db.prepare("SELECT asset_id FROM match_decisions WHERE product_id = ? AND undone_at IS NULL AND asset_id IS NOT NULL AND decision IN ('approve', 'reject')").pluck().all(productId) as string[],
    );
  }

  /**
   * Images approved for any other product that still holds them: an approval stops counting
   * when its product is deleted or the approved photo is removed from it, so the image can
   * be approved for the product it really shows.
   */
  takenByOthers(productId: string): Set<string> {
    return new Set(
      this.db
        .prepare(
          `SELECT d.asset_id FROM match_decisions d
           JOIN products p ON p.id = d.product_id AND p.deleted = 0
           LEFT JOIN product_images pi ON pi.id = d.product_image_id
           WHERE d.product_id != ? AND d.undone_at IS NULL AND d.decision = 'approve' AND d.asset_id IS NOT NULL
             AND (d.product_image_id IS NULL OR pi.deleted = 0)`,
        )
        .pluck()
        .all(productId) as string[],
    );
  }

  approvedCount(productId: string): number {
    return this.db.prepare("SELECT COUNT(*) FROM match_decisions WHERE product_id = ? AND undone_at IS NULL AND decision = 'approve'").pluck().get(productId) as number;
  }

  reviewed(productId: string): boolean {
    return this.db.prepare('SELECT 1 FROM match_decisions WHERE product_id = ? AND undone_at IS NULL LIMIT 1').pluck().get(productId) !== undefined;
  }

  decide(input: { productId: string; decision: Decision; assets: readonly { assetId: string; score: number | null }[]; decider: string; allowShared: boolean }): { groupId: string; decided: number; approved: number } {
    const { productId, decision, decider } = input;
    if (decision !== 'skip' && input.assets.length === 0) throw new ContractError('invalid_input', `${decision} needs at least one image`);
    const groupId = newId();
    const insert = this.db.prepare(
      'INSERT INTO match_decisions (id, group_id, product_id, asset_id, decision, score, decider, decided_at, product_image_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const result = this.db.transaction(() => {
      const now = this.now();
      if (decision === 'skip') {
        insert.run(newId(), groupId, productId, null, 'skip', null, decider, now, null, now);
        return { groupId, decided: 1, approved: 0 };
      }
      const decided = this.decidedFor(productId);
      const taken = decision === 'approve' && !input.allowShared ? this.takenByOthers(productId) : new Set<string>();
      let count = 0;
      let approved = 0;
      for (const { assetId, score } of input.assets) {
        if (decided.has(assetId)) continue;
        if (taken.has(assetId)) throw new ContractError('conflict', `image ${assetId} is already approved for another product (allow sharing to approve it here too)`);
        let imageId: string | null = null;
        if (decision === 'approve') {
          const a = this.asset(assetId);
          const [made] = this.catalog.addImages(productId, [
            { type: 'real', sha256: a.sha256, format: a.format, width: a.width, height: a.height, bytes: a.bytes, thumbSha256: a.thumb, source: { kind: 'asset', id: assetId }, meta: { matchScore: score } },
          ]);
          imageId = made ?? null;
          approved++;
        }
        insert.run(newId(), groupId, productId, assetId, decision, score, decider, now, imageId, now);
        decided.add(assetId);
        count++;
      }
      return { groupId, decided: count, approved };
    })();
    this.events.emit('matching.changed', { productIds: [productId] });
    return result;
  }

  /** Takes back the product's latest decision group. */
  undo(productId: string): { undone: number; groupId: string | null } {
    const result = this.db.transaction(() => {
      const group = this.db.prepare('SELECT group_id FROM match_decisions WHERE product_id = ? AND undone_at IS NULL ORDER BY decided_at DESC, rowid DESC LIMIT 1').pluck().get(productId) as string | undefined;
      if (!group) return { undone: 0, groupId: null };
      const rows = this.db.prepare('SELECT * FROM match_decisions WHERE group_id = ? AND undone_at IS NULL').all(group) as DecisionRow[];
      const images = rows.map((r) => r.product_image_id).filter((id): id is string => id !== null);
      if (images.length) this.catalog.removeImages(images);
      const now = this.now();
      this.db.prepare('UPDATE match_decisions SET undone_at = ?, updated_at = ? WHERE group_id = ? AND undone_at IS NULL').run(now, now, group);
      return { undone: rows.length, groupId: group };
    })();
    if (result.undone) this.events.emit('matching.changed', { productIds: [productId] });
    return result;
  }

  private asset(assetId: string): AssetFacts {
    const row = this.db
      .prepare(
        `SELECT a.sha256, a.format, a.width, a.height, a.bytes,
                (SELECT t.sha256 FROM assets t WHERE t.source_asset_id = a.id AND t.kind = 'thumbnail' AND t.deleted = 0 LIMIT 1) AS thumb
           FROM assets a WHERE a.id = ? AND a.deleted = 0 AND a.kind = 'original'`,
      )
      .get(assetId) as AssetFacts | undefined;
    if (!row) throw new ContractError('not_found', `no image ${assetId} in the library`);
    return row;
  }
}
