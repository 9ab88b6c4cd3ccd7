/**
 * Review locks: a product under review belongs to one window for a lease of five
 * minutes, renewed while the window stays on it and given back when it leaves. Anyone
 * else asking gets the holder and the end of the lease and opens the product read-only.
 * An expired lease is free for the next asker.
 */
import { ContractError, MATCH_LOCK_LEASE_MS, type LockAnswer, type MatchLock } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import { newId } from '../../engine/ids.js';

interface LockRow {
  product_id: string;
  token: string;
  holder: string;
  acquired_at: number;
  expires_at: number;
}

const toLock = (r: LockRow): MatchLock => ({ productId: r.product_id, holder: r.holder, acquiredAt: r.acquired_at, expiresAt: r.expires_at });

export class LockError extends ContractError {
  readonly errorCode = 'lock_not_held';
  constructor(message: string) {
    super('conflict', message);
  }
}

export class Locks {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly leaseMs = MATCH_LOCK_LEASE_MS,
  ) {}

  /** The live lock of a product (null when free or expired). */
  current(productId: string): MatchLock | null {
    const row = this.db.prepare('SELECT * FROM match_locks WHERE product_id = ? AND expires_at > ?').get(productId, this.now()) as LockRow | undefined;
    return row ? toLock(row) : null;
  }

  /**
   * Takes the lock, or answers who holds it. `takeOver` takes it from a live holder (the
   * user's explicit choice): the old holder's next refresh or decision is refused, so
   * its window turns read-only rather than deciding over the new reviewer.
   */
  acquire(productId: string, holder: string, { takeOver = false }: { takeOver?: boolean } = {}): LockAnswer {
    return this.db.transaction((): LockAnswer => {
      const now = this.now();
      const row = this.db.prepare('SELECT * FROM match_locks WHERE product_id = ?').get(productId) as LockRow | undefined;
      if (row && row.expires_at > now && !takeOver) return { mode: 'readOnly', lock: toLock(row) };
      const token = newId();
      this.db
        .prepare('INSERT OR REPLACE INTO match_locks (product_id, token, holder, acquired_at, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(productId, token, holder, now, now + this.leaseMs, now);
      return { mode: 'edit', token, lock: { productId, holder, acquiredAt: now, expiresAt: now + this.leaseMs } };
    })();
  }

  refresh(productId: string, token: string): MatchLock {
    const now = this.now();
    this.assertHeld(productId, token);
    this.db.prepare('UPDATE match_locks SET expires_at = ?, updated_at = ? WHERE product_id = ? AND token = ?').run(now + this.leaseMs, now, productId, token);
    return this.current(productId)!;
  }

  release(productId: string, token: string): boolean {
    return this.db.prepare('DELETE FROM match_locks WHERE product_id = ? AND token = ?').run(productId, token).changes > 0;
  }

  /** Throws unless `token` holds a live lock on the product (decisions are made under it). */
  assertHeld(productId: string, token: string): void {
    const row = this.db.prepare('SELECT * FROM match_locks WHERE product_id = ?').get(productId) as LockRow | undefined;
    if (!row || row.token !== token) {
      const other = row && row.expires_at > this.now() ? ` (${row.holder} holds it)` : '';
      throw new LockError(`the review lock of product ${productId} is not held by this window${other}`);
    }
    if (row.expires_at <= this.now()) throw new LockError(`the review lock of product ${productId} expired; take it again`);
  }
}
