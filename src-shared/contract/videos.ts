/**
 * Videos: product videos dropped (or added from the CLI, or found in a watched folder)
 * become clean, segmented frames of their product. Each video is linked to a product by
 * barcode; processing runs as a queue job with declared stages; the frames and cut-outs
 * land as the product's synthetic images. Optionally a Gemini-compatible vision API
 * fills empty product fields from the best frames (the user's keys never leave the engine).
 */
import { z } from 'zod';
import { batchType, defineSlice, jobType, method } from './define.js';
import { BarcodeCode } from './products.js';
import { Id, Timestamp } from './schemas.js';

/**
 * pending: added, not processed (or cancelled); queued: waiting in the queue; processing:
 * its job runs; completed: frames stored; failed: the reason is in error/errorCode.
 */
export const VideoState = z.enum(['pending', 'queued', 'processing', 'completed', 'failed']);
export type VideoState = z.infer<typeof VideoState>;

/** What the probe read from the file (display size: rotation applied). */
export const VideoProbeInfo = z.object({
  duration: z.number().nonnegative(),
  fps: z.number().positive().nullable(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  codec: z.string(),
  container: z.string(),
  rotation: z.number().int(),
});
export type VideoProbeInfo = z.infer<typeof VideoProbeInfo>;

export const Video = z.object({
  id: Id,
  /** The product it shows; null while it waits for a barcode (a dropped file whose name is none). */
  productId: Id.nullable(),
  /** The product's primary barcode, for the list. */
  barcode: z.string().nullable(),
  /** The product's brand and name, for the list ('' when the catalog has none yet). */
  productLabel: z.string(),
  originalName: z.string(),
  bytes: z.number().int().nonnegative(),
  /** Added by hand (paths or uploads) or found in the watched folder. */
  origin: z.enum(['added', 'watched']),
  probe: VideoProbeInfo.nullable(),
  /** A still from the start of the video, as a media id (thumb), when ffmpeg could make one. */
  posterId: Id.nullable(),
  state: VideoState,
  error: z.string().nullable(),
  /** Machine-readable reason of a failure: video_unreadable, ffmpeg_missing, model_unavailable… */
  errorCode: z.string().nullable(),
  /** The queue job processing it (queued, processing, or the last one). */
  jobId: Id.nullable(),
  /** While processing: the stage and overall percent. */
  progress: z.object({ stage: z.string().nullable(), percent: z.number().min(0).max(100).nullable() }).nullable(),
  framesKept: z.number().int().nonnegative(),
  /** Kept frames whose mask jumped or was indecisive (stored, marked needs_review). */
  framesFlagged: z.number().int().nonnegative(),
  processedAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Video = z.infer<typeof Video>;

/** One file to add: a local path (desktop, CLI) or an upload (web). */
export const VideoFileInput = z
  .object({
    path: z.string().min(1).optional(),
    uploadId: Id.optional(),
    /** The file's name as the user had it (uploads); a path's own name otherwise. */
    name: z.string().min(1).max(500).optional(),
    /** This file's product; else the call's barcode, else the file name when it is a valid barcode. */
    barcode: BarcodeCode.optional(),
  })
  .strict()
  .refine((v) => (v.path ? 1 : 0) + (v.uploadId ? 1 : 0) === 1, 'give either path or uploadId');

export const VideoAddInput = z
  .object({
    /** Files or folders (a folder adds the video files directly inside it and below). */
    files: z.array(VideoFileInput).min(1).max(10_000),
    /** The product of every file that names none. */
    barcode: BarcodeCode.optional(),
    /** Queue processing for the added videos that have a product. */
    process: z.boolean().default(false),
  })
  .strict();
export type VideoAddInput = z.input<typeof VideoAddInput>;

export const VideoRefusal = z.object({ name: z.string(), reason: z.string(), code: z.string() });

export const VideoAddResult = z.object({
  /** Videos added (or found already added: the same bytes for the same product). */
  videos: z.array(Video),
  /** How many of `videos` were already there. */
  existing: z.number().int().nonnegative(),
  /** Videos that still need a barcode before they can be processed (ask the user, then videos.setBarcode). */
  needBarcode: z.array(Id),
  refused: z.array(VideoRefusal),
  /** The processing batch when `process` was asked and something was queued. */
  batchId: Id.nullable(),
});
export type VideoAddResult = z.infer<typeof VideoAddResult>;

export const VideoListInput = z
  .object({
    state: z.array(VideoState).max(5).optional(),
    productId: Id.optional(),
    offset: z.number().int().nonnegative().default(0),
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .strict();
export type VideoListInput = z.input<typeof VideoListInput>;

export const VideoStats = z.object({
  pending: z.number().int().nonnegative(),
  queued: z.number().int().nonnegative(),
  processing: z.number().int().nonnegative(),
  completedToday: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Pending videos that have no product yet. */
  needBarcode: z.number().int().nonnegative(),
});
export type VideoStats = z.infer<typeof VideoStats>;

export const VideoProcessResult = z.object({
  batchId: Id.nullable(),
  queued: z.number().int().nonnegative(),
  refused: z.array(z.object({ id: Id, reason: z.string(), code: z.string() })),
});
export type VideoProcessResult = z.infer<typeof VideoProcessResult>;

/** Which ffmpeg the engine uses and where it came from; `error` says why there is none. */
export const FfmpegStatus = z.object({
  available: z.boolean(),
  source: z.enum(['env', 'settings', 'installer', 'path']).nullable(),
  version: z.string().nullable(),
  path: z.string().nullable(),
  error: z.string().nullable(),
});
export type FfmpegStatus = z.infer<typeof FfmpegStatus>;

export const WatchSettings = z
  .object({
    enabled: z.boolean(),
    /** Absolute folder; its video files (and those below it) are added once each. */
    folder: z.string().min(1).nullable(),
    /** Queue processing for each video the folder adds. */
    process: z.boolean(),
    /** A file is added once its size and time have not changed for this long. */
    stableMs: z.number().int().min(500).max(600_000),
  })
  .strict();
export type WatchSettings = z.infer<typeof WatchSettings>;

export const WatchStatus = WatchSettings.extend({
  /** The watcher is running now (enabled, and the folder exists). */
  active: z.boolean(),
  /** Why it is not running while enabled (the folder is gone…). */
  problem: z.string().nullable(),
  lastScanAt: Timestamp.nullable(),
});
export type WatchStatus = z.infer<typeof WatchStatus>;

/** A stored API key as the UI sees it: never the key itself. */
export const MetadataKey = z.object({
  id: Id,
  label: z.string(),
  /** The key's last four characters, to tell keys apart. */
  hint: z.string(),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
  /** Rate-limited until this time (HTTP 429). */
  coolingUntil: Timestamp.nullable(),
});
export type MetadataKey = z.infer<typeof MetadataKey>;

export const MetadataSettings = z.object({
  /** Base URL of the Gemini-compatible API (…/v1beta/models/<model>:generateContent is appended). */
  endpoint: z.string().url(),
  model: z.string().trim().min(1).max(200),
  /** Fill empty product fields after each video is processed (when a key is stored). */
  auto: z.boolean(),
});
export type MetadataSettings = z.infer<typeof MetadataSettings>;

export const MetadataStatus = MetadataSettings.extend({
  keys: z.array(MetadataKey),
  /** Where keys are kept: the OS keychain (desktop), or encrypted in the library with a key file only the user can read. */
  storage: z.enum(['os-keychain', 'key-file', 'unavailable']),
  storageNote: z.string().nullable(),
});
export type MetadataStatus = z.infer<typeof MetadataStatus>;

export const videosContract = defineSlice({
  methods: {
    'videos.add': method(VideoAddInput, VideoAddResult, 'Add video files (paths or uploads) to their products, by barcode; optionally queue processing', { local: ['files[].path'] }),
    'videos.list': method(VideoListInput, z.object({ items: z.array(Video), total: z.number().int().nonnegative() }), 'Videos, newest first, by state or product'),
    'videos.get': method(z.object({ id: Id }).strict(), Video, 'One video'),
    'videos.stats': method(
      z.object({ since: Timestamp.optional() }).strict(),
      VideoStats,
      'Videos by state; completedToday counts those finished since `since` (the caller’s local midnight; default the engine’s)',
    ),
    'videos.setBarcode': method(z.object({ id: Id, barcode: BarcodeCode }).strict(), Video, 'Link a video to the product with this barcode (created if new)'),
    'videos.process': method(z.object({ ids: z.array(Id).min(1).max(10_000) }).strict(), VideoProcessResult, 'Queue processing (or re-processing) of videos; their frames replace earlier ones'),
    'videos.cancel': method(z.object({ ids: z.array(Id).min(1).max(10_000) }).strict(), z.object({ cancelled: z.number().int().nonnegative() }), 'Stop queued or running processing'),
    'videos.delete': method(z.object({ ids: z.array(Id).min(1).max(10_000) }).strict(), z.object({ deleted: z.number().int().nonnegative() }), 'Delete videos (their product keeps the frames)'),
    'videos.ffmpeg': method(z.object({}).strict(), FfmpegStatus, 'Which ffmpeg processing uses, or why there is none'),
    'videos.watchSettings': method(z.object({}).strict(), WatchStatus, 'The watched folder'),
    'videos.setWatchSettings': method(WatchSettings.partial().strict(), WatchStatus, 'Turn the watched folder on or off, or change it', { local: ['folder'] }),
    'videos.metadataSettings': method(z.object({}).strict(), MetadataStatus, 'Metadata from frames: API settings and stored keys (never the keys themselves)'),
    'videos.setMetadataSettings': method(MetadataSettings.partial().strict(), MetadataStatus, 'Change the metadata API settings'),
    'videos.addMetadataKey': method(
      z.object({ label: z.string().trim().min(1).max(80), key: z.string().trim().min(8).max(400) }).strict(),
      MetadataStatus,
      'Store an API key (encrypted); several keys are used in turn',
    ),
    'videos.removeMetadataKey': method(z.object({ id: Id }).strict(), MetadataStatus, 'Forget an API key'),
    'videos.fillMetadata': method(
      z.object({ productIds: z.array(Id).min(1).max(10_000) }).strict(),
      z.object({ queued: z.number().int().nonnegative(), refused: z.array(z.object({ id: Id, reason: z.string() })) }),
      "Fill products' empty fields from their best video frames (needs a stored key)",
    ),
  },
  events: {
    /** Videos changed (ids when known; null: many, refetch). */
    'videos.changed': z.object({ ids: z.array(Id).nullable() }),
    /** A processing job's stage and overall percent (about 10 per second at most). */
    'videos.progress': z.object({ videoId: Id, jobId: Id, stage: z.string().nullable(), percent: z.number().min(0).max(100).nullable() }),
    'videos.watchChanged': WatchStatus,
  },
  jobs: {
    'videos.process': jobType({ stages: ['analysing', 'extracting', 'segmenting', 'checking', 'storing'] }),
    'videos.metadata': jobType({ stages: ['reading frames', 'asking the model'] }),
  },
  batchTypes: {
    videos: batchType({ notify: true, noun: { en: 'Process videos', tr: 'Videoları işle' } }),
  },
});
