/**
 * Matching: for a product, the images of a pool (a project of shelf photos, or every
 * library image no product has taken) ranked by similarity to the product's frames; a
 * reviewer approves, rejects or skips them (every decision stored with its time and
 * decider, and undoable); approved images become the product's `real` images. A product
 * under review is locked to one window by a renewable lease.
 */
import { z } from 'zod';
import { defineSlice, method } from './define.js';
import { Id, Timestamp } from './schemas.js';

export const MatchingPool = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('project'), projectId: Id }).strict(),
  /** Every original in the library that no product has approved (unless sharing is allowed). */
  z.object({ kind: z.literal('library') }).strict(),
]);
export type MatchingPool = z.infer<typeof MatchingPool>;

/**
 * How the similarities of a candidate to each of a product's frames become one score.
 * contrast (the default): cosine to the centroid of the product's frames, lowered by 3×
 * how far it falls short of the best other product's centroid (a shelf photo shows one
 * product; bench:matching measures every mode). max: the best frame. mean: the frames' mean.
 */
export const FrameCombine = z.enum(['contrast', 'max', 'mean']);
export type FrameCombine = z.infer<typeof FrameCombine>;

export const DEFAULT_MATCH_THRESHOLD = 0.7;
export const MATCH_PAGE_SIZE = 50;
/** A lock's lease; the window refreshes it every minute. */
export const MATCH_LOCK_LEASE_MS = 5 * 60_000;

export const MatchLock = z.object({
  productId: Id,
  /** Who holds it (a window's or person's label). */
  holder: z.string(),
  acquiredAt: Timestamp,
  expiresAt: Timestamp,
});
export type MatchLock = z.infer<typeof MatchLock>;

export const LockAnswer = z.discriminatedUnion('mode', [
  /** This caller holds the lock: decisions need its token. */
  z.object({ mode: z.literal('edit'), token: Id, lock: MatchLock }),
  /** Someone else holds it: open read-only. */
  z.object({ mode: z.literal('readOnly'), lock: MatchLock }),
]);
export type LockAnswer = z.infer<typeof LockAnswer>;

export const Candidate = z.object({
  assetId: Id,
  score: z.number(),
  projectId: Id,
  fileName: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type Candidate = z.infer<typeof Candidate>;

export const CandidatesAnswer = z.object({
  /**
   * 'indexing': the pool has no index yet and its extraction job (jobId) is building it;
   * ask again when it completes. 'ready' with a jobId: answered from the index as it is
   * while that job brings it up to date with the pool.
   */
  state: z.enum(['ready', 'indexing']),
  jobId: Id.nullable(),
  items: z.array(Candidate),
  /** Candidates at or above the threshold (all pages). */
  total: z.number().int().nonnegative(),
  /** The best candidate's score, threshold aside (null when the pool offers none): how low the threshold must go for an empty list to show something. */
  best: z.number().nullable(),
  /** The product's frames used as queries, and those that could not be embedded. */
  frames: z.number().int().nonnegative(),
  framesFailed: z.number().int().nonnegative(),
});
export type CandidatesAnswer = z.infer<typeof CandidatesAnswer>;

export const Decision = z.enum(['approve', 'reject', 'skip']);
export type Decision = z.infer<typeof Decision>;

export const DecisionRecord = z.object({
  id: Id,
  productId: Id,
  /** null for a skip of the whole product. */
  assetId: Id.nullable(),
  decision: Decision,
  score: z.number().nullable(),
  decider: z.string(),
  decidedAt: Timestamp,
  /** Decisions made in one action share it (undo takes them back together). */
  groupId: Id,
  undoneAt: Timestamp.nullable(),
});
export type DecisionRecord = z.infer<typeof DecisionRecord>;

export const WorkItem = z.object({
  productId: Id,
  name: z.string(),
  brand: z.string(),
  barcode: z.string().nullable(),
  barcodes: z.array(z.string()),
  primaryImageId: Id.nullable(),
  frames: z.number().int().nonnegative(),
  approved: z.number().int().nonnegative(),
  /** Any decision recorded (not undone). */
  reviewed: z.boolean(),
  lock: MatchLock.nullable(),
});
export type WorkItem = z.infer<typeof WorkItem>;

const Locked = { productId: Id, token: Id };

export const matchingContract = defineSlice({
  methods: {
    'matching.queue': method(
      z.object({ query: z.string().trim().max(200).optional(), offset: z.number().int().nonnegative().default(0), limit: z.number().int().min(1).max(500).default(100) }).strict(),
      z.object({ items: z.array(WorkItem), total: z.number().int().nonnegative() }),
      'Products waiting for matching (search by barcode or name), with approved counts and locks',
    ),
    'matching.next': method(
      z.object({ after: Id.optional() }).strict(),
      WorkItem.nullable(),
      'The next product waiting for matching that has no decision yet and no lock by someone else',
    ),
    'matching.candidates': method(
      z
        .object({
          productId: Id,
          pool: MatchingPool,
          threshold: z.number().min(0).max(1).default(DEFAULT_MATCH_THRESHOLD),
          offset: z.number().int().nonnegative().default(0),
          limit: z.number().int().min(1).max(MATCH_PAGE_SIZE).default(MATCH_PAGE_SIZE),
          combine: FrameCombine.default('contrast'),
          /** Also offer images another product has approved. */
          allowShared: z.boolean().default(false),
          /** The embedder to rank with (any installed one; its pool index is extracted on first use). Default: the offline default. */
          modelId: z.string().min(1).optional(),
        })
        .strict(),
      CandidatesAnswer,
      "A page of a pool's images ranked by similarity to the product's frames (rejected ones never come back)",
    ),
    'matching.lock': method(
      // takeOver: the user chose to take it from its holder (a window that closed without giving it back holds it for the rest of its lease).
      z.object({ productId: Id, holder: z.string().trim().min(1).max(120), takeOver: z.boolean().default(false) }).strict(),
      LockAnswer,
      'Take (or see who holds) the review lock of a product; with takeOver, take it from its holder',
    ),
    'matching.refreshLock': method(z.object(Locked).strict(), MatchLock, 'Extend the lease of a lock this caller holds'),
    'matching.releaseLock': method(z.object(Locked).strict(), z.object({ released: z.boolean() }), 'Give a lock back'),
    'matching.decide': method(
      z
        .object({
          ...Locked,
          decision: Decision,
          /** The candidates decided (none for a skip of the product). */
          assets: z.array(z.object({ assetId: Id, score: z.number().nullable().default(null) })).max(1000).default([]),
          decider: z.string().trim().min(1).max(120),
          allowShared: z.boolean().default(false),
        })
        .strict(),
      z.object({ groupId: Id, decided: z.number().int().nonnegative(), approved: z.number().int().nonnegative() }),
      'Approve (the images become real images of the product), reject or skip; needs the lock',
    ),
    'matching.undo': method(z.object(Locked).strict(), z.object({ undone: z.number().int().nonnegative(), groupId: Id.nullable() }), "Take back the product's latest decision"),
    'matching.decisions': method(z.object({ productId: Id }).strict(), z.array(DecisionRecord), "A product's decisions, newest first"),
    'matching.finish': method(
      z.object({ ...Locked, done: z.boolean().default(true) }).strict(),
      z.object({ status: z.string() }),
      'End the review: the product becomes ready (done), or stays for another pass; the lock is released',
    ),
  },
  events: {
    'matching.changed': z.object({ productIds: z.array(Id) }),
  },
});
