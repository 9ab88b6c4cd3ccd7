import { z } from 'zod';
import { Id } from '../../../../src-shared/contract/index.js';
import { jobsWith, type CommitContext, type JobContext } from '../../../engine/queue/types.js';
import type { MetadataAnswer } from '../metadata/answer.js';

export const MetadataPayload = z.object({ productId: Id });
export type MetadataPayload = z.infer<typeof MetadataPayload>;

export type MetadataStage = 'reading frames' | 'asking the model';

export interface MetadataJobServices {
  /** Reads the best frames and asks the model (or finds the answer cached); may be rate-limited. */
  ask(productId: string, ctx: JobContext<unknown, MetadataStage>): Promise<MetadataAnswer>;
  /** In the completing transaction: caches the answer and fills the product's empty fields. */
  apply(ctx: CommitContext<unknown>, productId: string, answer: MetadataAnswer): void;
}

/**
 * Fills a product's empty fields from its best video frames with a vision model. On HTTP
 * 429 from every key the job goes back to the queue until the earliest key may be used
 * again (RateLimitedError: no attempt used); resource `io`, it waits on the network.
 */
export const metadataJob = jobsWith<MetadataJobServices>()({
  type: 'videos.metadata',
  payload: MetadataPayload,
  resource: 'io',
  priority: 'background',
  retry: { maxAttempts: 4 },
  run: (p, ctx) => ctx.services.ask(p.productId, ctx),
  commit: (ctx, p, answer) => ctx.services.apply(ctx, p.productId, answer),
  storeResult: (a) => ({ fields: Object.keys(a.fields), cached: a.cached }),
});
