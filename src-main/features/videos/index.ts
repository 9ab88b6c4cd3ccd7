import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { bindBatchType, bindJob, defineFeature } from '../../engine/feature.js';
import { modelsFeature } from '../models/public.js';
import { productsFeature } from '../products/public.js';
import { videosApi, type VideosApi } from './api.js';
import { videosCommand } from './cli-videos.js';
import type { CutoutMaker } from './cutout.js';
import { FfmpegLocator } from './ffmpeg-locator.js';
import { metadataJob } from './jobs/metadata-job.js';
import { processVideoJob, videosBatch } from './jobs/process-video-job.js';
import { MetadataService } from './metadata/metadata-service.js';
import { KeyFileBox, type SecretBox } from './metadata/secret-box.js';
import { videosMigrations } from './migrations.js';
import { VideoProcessing } from './processing.js';
import { SettingsStore } from './settings-store.js';
import { VideoLibrary } from './video-library.js';
import { WatchService } from './watch-service.js';

/** `Engine.open({ settings: { videos: … } })`: what the app (or a test) decides, not the user. */
const FeatureSettings = z.object({
  /** An ffmpeg binary to use before FFMPEG_PATH, the npm package and PATH. */
  ffmpegPath: z.string().min(1).optional(),
  /** Frames kept per video at most. */
  maxFrames: z.number().int().min(1).max(500).optional(),
  /** Longest side of stored frames. */
  frameMaxSide: z.number().int().min(64).max(16_384).optional(),
  /** How often the watched folder is listed, ms. */
  watchIntervalMs: z.number().int().min(50).max(60_000).optional(),
  /** Where API keys rest: the desktop app passes one backed by the OS keychain; default a key file. */
  secretBox: z.custom<SecretBox>((v) => typeof v === 'object' && v !== null && typeof (v as SecretBox).seal === 'function' && typeof (v as SecretBox).open === 'function').optional(),
  /** How cut-outs are made (the remove-background refinement, once it is public). */
  makeCutout: z.custom<CutoutMaker>((v) => typeof v === 'function').optional(),
});

/** Product videos → clean segmented frames of their product, through the queue; a watched folder; metadata from frames. */
export const videosFeature = defineFeature<VideosApi>({
  name: 'videos',
  migrations: videosMigrations,
  create(ctx) {
    const settings = FeatureSettings.parse(ctx.settings);
    const { catalog } = ctx.use(productsFeature);
    const store = new SettingsStore(ctx.db);
    const ffmpeg = new FfmpegLocator(settings.ffmpegPath);
    const library = new VideoLibrary(ctx.db, ctx.store, ctx.events, catalog, ctx.images, ffmpeg);
    const box = settings.secretBox ?? new KeyFileBox(path.join(ctx.dataDir, 'metadata-keys.key'));
    const metadata = new MetadataService(ctx.db, catalog, store, box, () => (box instanceof KeyFileBox ? box.problem() : null));
    const processing = new VideoProcessing({
      library,
      queue: ctx.queue,
      models: ctx.use(modelsFeature),
      inference: ctx.inference,
      images: ctx.images,
      ffmpeg,
      metadata,
      dataDir: ctx.dataDir,
      options: { maxFrames: settings.maxFrames, frameMaxSide: settings.frameMaxSide, makeCutout: settings.makeCutout },
    });
    processing.listen(ctx.events);
    const watch = new WatchService(ctx.db, store, library, processing, ctx.events, settings.watchIntervalMs ?? 1000);
    return videosApi({ library, processing, watch, metadata, ffmpeg }, ctx.uploads, ctx.queue);
  },
  jobs: (api) => [bindJob(processVideoJob, api.processing), bindJob(metadataJob, api.metadata)],
  batchTypes: () => [bindBatchType(videosBatch, null)],
  handlers: (api) => ({
    'videos.add': (input) => api.add(input),
    'videos.list': (input) => api.library.list(input),
    'videos.get': ({ id }) => api.library.get(id),
    'videos.stats': ({ since }) => api.library.stats(since),
    'videos.setBarcode': ({ id, barcode }) => api.library.setBarcode(id, barcode),
    'videos.process': ({ ids }) => api.processing.process(ids),
    'videos.cancel': ({ ids }) => api.processing.cancel(ids),
    'videos.delete': async ({ ids }) => {
      api.processing.cancel(ids);
      return { deleted: (await api.library.delete(ids)).deleted };
    },
    'videos.ffmpeg': () => api.ffmpeg.status(),
    'videos.watchSettings': () => api.watch.status(),
    'videos.setWatchSettings': (patch) => api.watch.update(patch),
    'videos.metadataSettings': () => api.metadata.status(),
    'videos.setMetadataSettings': (patch) => api.metadata.setSettings(patch),
    'videos.addMetadataKey': ({ label, key }) => api.metadata.addKey(label, key),
    'videos.removeMetadataKey': ({ id }) => api.metadata.removeKey(id),
    'videos.fillMetadata': ({ productIds }) => api.fillMetadata(productIds),
  }),
  media: (api, id, variant) => api.library.media(id, variant),
  info: (api) => api.info(),
  async start(api) {
    // Work folders of jobs a crash interrupted: nothing runs yet, so every one is stale.
    const tmp = path.join(api.library.store.root, '..', 'tmp');
    for (const name of await fs.readdir(tmp).catch(() => [] as string[])) {
      if (name.startsWith('video-')) await fs.rm(path.join(tmp, name), { recursive: true, force: true });
    }
    api.processing.settle();
    await api.watch.restart();
  },
  async close(api) {
    await api.watch.stop();
    await api.processing.close();
  },
  cli: (self) => [videosCommand(self)],
});
