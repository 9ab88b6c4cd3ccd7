import { ContractError } from '../../../src-shared/contract/index.js';
import type { ProductCatalog } from '../products/public.js';
import type { CandidateFinder } from './candidates.js';
import type { DecisionLog } from './decisions.js';
import type { Locks } from './locks.js';
import type { WorkQueue } from './work-queue.js';

/** The matching feature's API. */
export interface MatchingApi {
  candidates: CandidateFinder;
  decisions: DecisionLog;
  locks: Locks;
  queue: WorkQueue;
  /** Ends a review under its lock: ready when done (else it stays waiting for another pass); the lock is given back. */
  finish(productId: string, token: string, done: boolean): { status: string };
}

export function matchingApi(parts: { candidates: CandidateFinder; decisions: DecisionLog; locks: Locks; queue: WorkQueue; catalog: ProductCatalog }): MatchingApi {
  const { locks, catalog } = parts;
  return {
    ...parts,
    finish(productId, token, done) {
      locks.assertHeld(productId, token);
      if (done) {
        const r = catalog.setStatus([productId], 'ready');
        if (r.refused.length) throw new ContractError('conflict', `product ${productId} is ${r.refused[0]!.from}, not waiting for matching`);
      }
      locks.release(productId, token);
      return { status: catalog.get(productId).status };
    },
  };
}
