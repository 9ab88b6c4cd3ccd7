import { z } from 'zod';
import { defineFeature } from '../../engine/feature.js';
import { embeddingsFeature } from '../embeddings/public.js';
import { productsFeature } from '../products/public.js';
import { matchingApi, type MatchingApi } from './api.js';
import { CandidateFinder } from './candidates.js';
import { DecisionLog } from './decisions.js';
import { Locks } from './locks.js';
import { matchingMigrations } from './migrations.js';
import { WorkQueue } from './work-queue.js';

/** `Engine.open({ settings: { matching: … } })`. */
const FeatureSettings = z.object({
  /** The clock locks and decisions read (tests move it to expire a lease). */
  now: z.custom<() => number>((v) => typeof v === 'function').optional(),
  /** The embedder candidates are ranked with. */
  modelId: z.string().min(1).optional(),
});

/** Matching review: candidates for a product from a pool, decisions (approve/reject/skip, undo), review locks. */
export const matchingFeature = defineFeature<MatchingApi>({
  name: 'matching',
  migrations: matchingMigrations,
  create(ctx) {
    const settings = FeatureSettings.parse(ctx.settings);
    const now = settings.now ?? Date.now;
    const { catalog } = ctx.use(productsFeature);
    const embeddings = ctx.use(embeddingsFeature);
    const locks = new Locks(ctx.db, now);
    const decisions = new DecisionLog(ctx.db, catalog, ctx.events, now);
    const candidates = new CandidateFinder(ctx.db, embeddings, decisions, () => settings.modelId ?? embeddings.embedders.activeId());
    return matchingApi({ candidates, decisions, locks, queue: new WorkQueue(catalog, decisions, locks), catalog });
  },
  handlers: (api) => ({
    'matching.queue': (input) => api.queue.list(input),
    'matching.next': ({ after }) => api.queue.next(after),
    'matching.candidates': (input) => api.candidates.find(input),
    'matching.lock': ({ productId, holder, takeOver }) => api.locks.acquire(productId, holder, { takeOver }),
    'matching.refreshLock': ({ productId, token }) => api.locks.refresh(productId, token),
    'matching.releaseLock': ({ productId, token }) => ({ released: api.locks.release(productId, token) }),
    'matching.decide': ({ productId, token, decision, assets, decider, allowShared }) => {
      api.locks.assertHeld(productId, token);
      return api.decisions.decide({ productId, decision, assets: assets.map((a) => ({ assetId: a.assetId, score: a.score ?? null })), decider, allowShared });
    },
    'matching.undo': ({ productId, token }) => {
      api.locks.assertHeld(productId, token);
      return api.decisions.undo(productId);
    },
    'matching.decisions': ({ productId }) => api.decisions.list(productId),
    'matching.finish': ({ productId, token, done }) => api.finish(productId, token, done),
  }),
});
