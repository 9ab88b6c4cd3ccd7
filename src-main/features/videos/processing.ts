/**
 * Processing videos through the queue: `process` makes a batch of `videos.process` jobs;
 * each job's `work` runs processVideo (decode → sample → drop blurred and near-duplicate
 * frames → segment with the default background-removal model → masks checked across
 * frames → primary) and stores frames and cut-outs through core's image ingest pool;
 * `record` makes them the product's synthetic images in the completing transaction. The
 * video's state and its product's status follow the queue's job events.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ContractError, type EngineEvent, type VideoProcessResult } from '../../../src-shared/contract/index.js';
import type { EventBus } from '../../engine/events.js';
import type { ImageIngestPool } from '../../engine/images/ingest-pool.js';
import { ModelFileError, type InferenceRuntime } from '../../engine/inference/runtime.js';
import { PermanentError } from '../../engine/queue/errors.js';
import type { Queue } from '../../engine/queue/queue.js';
import type { CommitContext, JobContext } from '../../engine/queue/types.js';
import { ModelUnavailableError, type ModelStore } from '../models/public.js';
import type { NewProductImage } from '../products/public.js';
import { createMeasurePool, type FrameMeasure } from './analyse.js';
import type { CutoutMaker } from './cutout.js';
import { abortError, FfmpegRunError, VideoInputError } from './errors.js';
import type { FfmpegLocator } from './ffmpeg-locator.js';
import { metadataJob } from './jobs/metadata-job.js';
import { processVideoJob, videosBatch, type ProcessedVideoResult, type ProcessVideoServices, type ProcessVideoStage, type StoredFrame } from './jobs/process-video-job.js';
import type { MetadataService } from './metadata/metadata-service.js';
import { processVideo, type Stage } from './process-video.js';
import type { VideoRow } from './repository.js';
import type { SamplingOptions } from './sampling.js';
import { probeInfo, type VideoLibrary } from './video-library.js';

export interface ProcessingOptions {
  /** Frames kept per video at most (sampling's cap); default the sampling module's. */
  maxFrames?: number;
  /** Longest side of stored frames; default the video's own size. */
  frameMaxSide?: number;
  /** Cut-outs: default the raw model alpha with colour cleared under alpha 0. */
  makeCutout?: CutoutMaker;
}

export interface ProcessingDeps {
  library: VideoLibrary;
  queue: Queue;
  models: ModelStore;
  inference: InferenceRuntime;
  images: ImageIngestPool;
  ffmpeg: FfmpegLocator;
  metadata: MetadataService;
  dataDir: string;
  options: ProcessingOptions;
}

/** Where each processVideo stage sits in the job's overall percent (the model is ~95% of the time). */
const STAGE_SPAN: Record<Stage, [number, number, ProcessVideoStage]> = {
  analyse: [0, 12, 'analysing'],
  extract: [12, 16, 'extracting'],
  segment: [16, 92, 'segmenting'],
  check: [92, 93, 'checking'],
};

const INPUT_CODES: Record<VideoInputError['kind'], string> = {
  not_found: 'video_missing',
  unreadable: 'video_unreadable',
  no_video: 'video_unreadable',
  truncated: 'video_truncated',
};

export class VideoProcessing implements ProcessVideoServices {
  private measurePool: { measure: FrameMeasure; close: () => Promise<void> } | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: ProcessingDeps) {}

  private get lib(): VideoLibrary {
    return this.deps.library;
  }

  /** Queues processing of videos that have a product and are not already queued; one batch for all. */
  process(ids: readonly string[]): VideoProcessResult {
    const refused: VideoProcessResult['refused'] = [];
    const ready: VideoRow[] = [];
    for (const id of new Set(ids)) {
      const row = this.lib.repo.liveById.get(id);
      if (!row) refused.push({ id, code: 'not_found', reason: `no video ${id}` });
      else if (!row.product_id) refused.push({ id, code: 'barcode_missing', reason: `${row.original_name} has no product yet: give it a barcode first` });
      else if (row.state === 'queued' || row.state === 'processing') refused.push({ id, code: 'already_queued', reason: `${row.original_name} is already being processed` });
      else ready.push(row);
    }
    if (ready.length === 0) return { batchId: null, queued: 0, refused };
    const now = Date.now();
    const batchId = this.lib.db.transaction(() => {
      const label = ready.length === 1 ? `Process video · ${ready[0]!.original_name}` : `Process ${ready.length} videos`;
      const batch = this.deps.queue.createBatch(videosBatch, { label });
      for (const row of ready) {
        // No queue-level dedupe: processing again is asked for on purpose (it replaces the frames).
        const job = this.deps.queue.enqueue(processVideoJob, { videoId: row.id }, { batchId: batch, dedupeKey: null, label: row.original_name });
        this.lib.repo.setQueued.run(job.id, now, row.id);
      }
      return batch;
    })();
    this.lib.changed(ready.map((r) => r.id));
    return { batchId, queued: ready.length, refused };
  }

  /** Stops queued or running processing (a running job stops at its next check, its files left unrecorded). */
  cancel(ids: readonly string[]): { cancelled: number } {
    let cancelled = 0;
    for (const id of ids) {
      const row = this.lib.repo.liveById.get(id);
      if (!row?.job_id || (row.state !== 'queued' && row.state !== 'processing')) continue;
      try {
        this.deps.queue.cancel(row.job_id);
        cancelled++;
      } catch (err) {
        if (!(err instanceof ContractError && err.code === 'not_found')) throw err;
        this.lib.repo.setState.run('pending', Date.now(), id);
      }
    }
    return { cancelled };
  }

  // ------------------------------------------------------------ the job (jobs/process-video-job.ts)

  async work(videoId: string, ctx: JobContext<unknown, ProcessVideoStage>): Promise<ProcessedVideoResult> {
    const row = this.lib.repo.liveById.get(videoId);
    if (!row) throw new PermanentError('the video was deleted', { code: 'video_missing' });
    if (!row.product_id) throw new PermanentError(`${row.original_name} has no product yet: give it a barcode`, { code: 'barcode_missing' });
    const productId = row.product_id;
    let ffmpeg;
    try {
      ffmpeg = await this.deps.ffmpeg.resolve();
    } catch (err) {
      throw new PermanentError((err as Error).message, { code: 'ffmpeg_missing', cause: err });
    }
    const modelId = this.deps.models.defaultId('background-removal');
    // Resolved at the first frame to segment: a damaged video fails before the model is
    // assembled or loaded, and a video the model never sees costs no model.
    let resolving: ReturnType<ModelStore['resolve']> | null = null;
    const model = () => (resolving ??= this.deps.models.resolve(modelId));
    const file = this.lib.store.pathOf(row.sha256);
    const workDir = path.join(this.deps.dataDir, 'tmp', `video-${videoId}-${ctx.jobId}-${ctx.attempt}`);
    const report = (stage: Stage, fraction: number) => {
      const [from, to, name] = STAGE_SPAN[stage];
      ctx.progress(name, Math.round(from + (to - from) * Math.min(1, Math.max(0, fraction))));
    };
    try {
      let processed;
      try {
        processed = await processVideo(file, {
          ffmpeg: ffmpeg.path,
          workDir,
          measure: this.measure(),
          sampling: this.deps.options.maxFrames ? ({ maxFrames: this.deps.options.maxFrames } satisfies Partial<SamplingOptions>) : undefined,
          frameMaxSide: this.deps.options.frameMaxSide,
          makeCutout: this.deps.options.makeCutout,
          signal: ctx.signal,
          segment: async (rgb, width, height, signal) => {
            const m = await model();
            const out = await this.deps.inference.segment(m, rgb, width, height, signal);
            this.deps.models.noteUsed(m.id, out.provider);
            return out;
          },
          onProgress: (p) => report(p.stage, p.total > 0 ? p.done / p.total : 0),
        });
      } catch (err) {
        throw this.explain(err, row, modelId);
      }
      const kept = processed.frames.filter((f) => f.mask.status !== 'dropped');
      if (kept.length === 0) {
        throw new PermanentError(
          `no frame of ${row.original_name} gave a usable cut-out (${processed.frames.length} segmented, every mask empty or the whole frame): film the product against a plainer background`,
          { code: 'no_usable_frames' },
        );
      }
      const frames: StoredFrame[] = [];
      for (const [k, f] of kept.entries()) {
        if (ctx.signal.aborted) throw abortError();
        ctx.progress('storing', Math.round(93 + (7 * k) / kept.length));
        const image = await this.ingest(f.frame, ctx);
        const cutout = await this.ingest(f.cutout, ctx);
        frames.push({
          frameIndex: f.index,
          sha256: image.sha256,
          format: image.format,
          width: image.width,
          height: image.height,
          bytes: image.bytes,
          thumbSha256: image.thumb.sha256,
          cutoutSha256: cutout.sha256,
          review: f.mask.status === 'ok' ? 'ok' : 'needs_review',
          primaryScore: f.primary.score,
          meta: {
            time: f.time,
            scene: f.scene,
            sharpness: f.sharpness,
            relativeSharpness: f.relativeSharpness,
            mask: { status: f.mask.status, reasons: f.mask.reasons, withPrevious: f.mask.withPrevious, withNext: f.mask.withNext, shape: f.mask.shape },
            primaryScore: f.primary.score,
            primaryParts: f.primary.parts,
            modelId,
            cutout: this.deps.options.makeCutout ? 'custom' : 'raw-alpha-cleared',
          },
        });
      }
      return {
        videoId,
        productId,
        probe: probeInfo(processed.analysis.probe),
        frames,
        primaryFrame: processed.primary,
        framesDecoded: processed.analysis.frames.length,
        dropped: processed.frames.length - kept.length,
        flagged: frames.filter((f) => f.review === 'needs_review').length,
        modelId,
        timingsMs: Object.fromEntries(Object.entries(processed.timings).map(([k, v]) => [k, Math.round(v)])),
      };
    } finally {
      await fs.rm(workDir, { recursive: true, force: true });
    }
  }

  record(ctx: CommitContext<unknown>, r: ProcessedVideoResult): void {
    const row = this.lib.repo.liveById.get(r.videoId);
    // Deleted, or linked elsewhere, while it ran: these frames are no longer wanted.
    if (!row || row.product_id !== r.productId) return;
    const catalog = this.lib.catalog;
    if (!catalog.many([r.productId])[0]) {
      this.lib.repo.setFailed.run('its product was deleted while the video was processed', 'product_missing', Date.now(), r.videoId);
      return;
    }
    const images: NewProductImage[] = r.frames.map((f) => ({
      type: 'synthetic',
      sha256: f.sha256,
      format: f.format,
      width: f.width,
      height: f.height,
      bytes: f.bytes,
      thumbSha256: f.thumbSha256,
      cutoutSha256: f.cutoutSha256,
      source: { kind: 'video', id: r.videoId },
      frameIndex: f.frameIndex,
      review: f.review,
      meta: f.meta,
    }));
    const best = r.primaryFrame === null ? -1 : r.frames.findIndex((f) => f.frameIndex === r.primaryFrame);
    catalog.addImages(r.productId, images, { replaceSource: { kind: 'video', id: r.videoId }, primaryIndex: this.primaryIndex(r, best) });
    this.lib.repo.setCompleted.run({ id: r.videoId, kept: r.frames.length, flagged: r.flagged, probe: JSON.stringify(r.probe), now: Date.now() });
    catalog.setStatus([r.productId], 'needs_matching');
    this.lib.progress.delete(r.videoId);
    if (this.deps.metadata.wantsAuto(r.productId)) ctx.enqueue(metadataJob, { productId: r.productId }, { dedupeKey: null, label: row.original_name });
    this.lib.changed([r.videoId]);
  }

  /**
   * The best frame becomes the product's primary image unless the product shows something
   * better: a frame of another video that scored higher, or an image that is not a video
   * frame (a person chose it). A frame of this same video is being replaced, so it counts
   * as nothing. undefined: leave the primary as it is.
   */
  private primaryIndex(r: ProcessedVideoResult, best: number): number | null | undefined {
    if (best < 0) return undefined;
    const current = this.lib.catalog.many([r.productId])[0]?.primaryImageId;
    if (!current) return best;
    let image;
    try {
      image = this.lib.catalog.image(current);
    } catch {
      return best;
    }
    if (image.source.kind !== 'video') return undefined;
    if (image.source.id === r.videoId) return best;
    const score = typeof image.meta.primaryScore === 'number' ? image.meta.primaryScore : 0;
    return score < r.frames[best]!.primaryScore ? best : undefined;
  }

  // ------------------------------------------------------------ state from the queue's events

  onEvent(e: EngineEvent): void {
    if (!e.type.startsWith('job.')) return;
    const p = e.payload as { jobId: string; type: string };
    if (p.type !== processVideoJob.type) return;
    const row = this.lib.repo.byJob.get(p.jobId);
    if (!row || row.deleted) return;
    const now = Date.now();
    switch (e.type) {
      case 'job.started':
        this.lib.repo.setState.run('processing', now, row.id);
        this.lib.progress.set(row.id, { stage: null, percent: 0 });
        if (row.product_id) this.moveProduct(row.product_id, 'processing');
        break;
      case 'job.progress':
        this.lib.progress.set(row.id, { stage: e.payload.stage, percent: e.payload.percent });
        this.lib.events.emit('videos.progress', { videoId: row.id, jobId: p.jobId, stage: e.payload.stage, percent: e.payload.percent });
        return;
      case 'job.retrying':
        this.lib.repo.setState.run('queued', now, row.id);
        break;
      case 'job.failed':
        this.lib.repo.setFailed.run(e.payload.error ?? 'processing failed', e.payload.errorCode, now, row.id);
        this.lib.progress.delete(row.id);
        this.settleProduct(row.product_id);
        break;
      case 'job.cancelled':
        this.lib.repo.setState.run('pending', now, row.id);
        this.lib.progress.delete(row.id);
        this.settleProduct(row.product_id);
        break;
      case 'job.completed':
        this.lib.progress.delete(row.id);
        break;
      default:
        return;
    }
    this.lib.changed([row.id]);
  }

  /**
   * At start, before the queue runs: a video left queued or processing follows its job
   * (a crash between the job's end and the event that tells us), and one whose job is gone
   * is pending again.
   */
  settle(): void {
    for (const row of this.lib.repo.unsettled.all()) {
      let job;
      try {
        job = row.job_id ? this.deps.queue.get(row.job_id) : null;
      } catch {
        job = null;
      }
      const now = Date.now();
      if (!job || job.state === 'cancelled') {
        this.lib.repo.setState.run('pending', now, row.id);
        this.settleProduct(row.product_id);
      } else if (job.state === 'failed') {
        this.lib.repo.setFailed.run(job.error ?? 'processing failed', job.errorCode, now, row.id);
        this.settleProduct(row.product_id);
      } else if (job.state !== 'completed') {
        this.lib.repo.setState.run('queued', now, row.id);
      }
    }
  }

  /** Follows the queue's job events (until close). */
  listen(events: EventBus): void {
    this.unsubscribe = events.subscribe((e) => this.onEvent(e));
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.measurePool?.close();
    this.measurePool = null;
  }

  // ------------------------------------------------------------ internals

  private measure(): FrameMeasure {
    this.measurePool ??= createMeasurePool();
    return this.measurePool.measure;
  }

  private async ingest(file: string, ctx: JobContext<unknown, ProcessVideoStage>) {
    const stored = await this.deps.images.ingest(file, { signal: ctx.signal, kill: ctx.stopSignal });
    // Our own PNG that does not decode is a fault here (disk, a killed writer), not the video's: retry.
    if (!stored.ok) throw new Error(`a frame could not be stored (${path.basename(file)}): ${stored.reason}`);
    return stored;
  }

  /** A failure in words the user can act on, with a machine-readable code; the blob path never shows. */
  private explain(err: unknown, row: VideoRow, modelId: string): unknown {
    const name = `“${row.original_name}”`;
    const clean = (message: string) => message.split(this.lib.store.pathOf(row.sha256)).join(name);
    if (err instanceof VideoInputError) {
      return new PermanentError(clean(err.message) + (err.ffmpegReason && !err.message.includes(err.ffmpegReason) ? ` (ffmpeg: ${err.ffmpegReason})` : ''), { code: INPUT_CODES[err.kind], cause: err });
    }
    if (err instanceof ModelFileError) {
      this.deps.models.noteBroken(modelId, err.kind, err.message);
      return new PermanentError(err.message, { code: 'model_unavailable', cause: err });
    }
    // The model store's refusal (not installed, damaged, a download that failed).
    if (err instanceof ModelUnavailableError) return new PermanentError(err.message, { code: 'model_unavailable', cause: err });
    if (err instanceof FfmpegRunError) return new Error(clean(err.message), { cause: err });
    return err;
  }

  /** Moves a product along the workflow when the workflow allows it (a ready product is left ready). */
  private moveProduct(productId: string, status: 'processing' | 'pending' | 'needs_matching'): void {
    try {
      this.lib.catalog.setStatus([productId], status);
    } catch (err) {
      if (!(err instanceof ContractError && err.code === 'not_found')) throw err;
    }
  }

  /** After a failure or a cancel: a product still marked processing goes back (pending, or needs_matching when it has frames). */
  private settleProduct(productId: string | null): void {
    if (!productId) return;
    const product = this.lib.catalog.many([productId])[0];
    if (!product || product.status !== 'processing') return;
    const stillRunning = this.lib.repo.list({ state: ['processing'], productId }, 0, 1).total > 0;
    if (stillRunning) return;
    this.moveProduct(productId, product.counts.synthetic > 0 ? 'needs_matching' : 'pending');
  }
}
