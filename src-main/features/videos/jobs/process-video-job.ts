import { z } from 'zod';
import { Id, type VideoProbeInfo } from '../../../../src-shared/contract/index.js';
import { defineBatchType, jobsWith, type CommitContext, type JobContext } from '../../../engine/queue/types.js';

export const ProcessVideoPayload = z.object({ videoId: Id });
export type ProcessVideoPayload = z.infer<typeof ProcessVideoPayload>;

/** A kept frame and its cut-out, already in the blob store (written by `run`, recorded by `commit`). */
export interface StoredFrame {
  frameIndex: number;
  sha256: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  thumbSha256: string;
  cutoutSha256: string;
  review: 'ok' | 'needs_review';
  primaryScore: number;
  meta: Record<string, unknown>;
}

export interface ProcessedVideoResult {
  videoId: string;
  productId: string;
  probe: VideoProbeInfo;
  frames: StoredFrame[];
  /** The decode index of the best frame whose mask is ok; null when none is. */
  primaryFrame: number | null;
  framesDecoded: number;
  /** Frames whose masks were empty or whole-frame (not stored). */
  dropped: number;
  flagged: number;
  modelId: string;
  timingsMs: Record<string, number>;
}

export type ProcessVideoStage = 'analysing' | 'extracting' | 'segmenting' | 'checking' | 'storing';

/** What the job needs of the feature. */
export interface ProcessVideoServices {
  work(videoId: string, ctx: JobContext<unknown, ProcessVideoStage>): Promise<ProcessedVideoResult>;
  /** In the transaction that completes the job: frames become the product's images, exactly once. */
  record(ctx: CommitContext<unknown>, result: ProcessedVideoResult): void;
}

/**
 * One video, end to end. `run` decodes, samples, segments and stores the files (content
 * addressed, so a second run after a crash only finds them there); `commit` replaces the
 * video's earlier frames with these, picks the primary image and moves the product on.
 * Resource `gpu` (one slot): the model is nearly all of the time and runs one pass at a
 * time in the inference thread, so two videos at once would only interleave.
 */
export const processVideoJob = jobsWith<ProcessVideoServices>()({
  type: 'videos.process',
  payload: ProcessVideoPayload,
  resource: 'gpu',
  priority: 'normal',
  retry: { maxAttempts: 3 },
  run: (p, ctx) => ctx.services.work(p.videoId, ctx),
  commit: (ctx, _p, result) => ctx.services.record(ctx, result),
  storeResult: (r) => ({
    videoId: r.videoId,
    productId: r.productId,
    framesDecoded: r.framesDecoded,
    framesKept: r.frames.length,
    flagged: r.flagged,
    dropped: r.dropped,
    primaryFrame: r.primaryFrame,
    modelId: r.modelId,
    timingsMs: r.timingsMs,
  }),
});

/** "Process selected" (or `atolye videos add --process`) is one batch of videos.process jobs. */
export const videosBatch = defineBatchType({ type: 'videos' });
