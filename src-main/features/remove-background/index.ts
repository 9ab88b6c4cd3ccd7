import { bindBatchType, bindJob, defineFeature } from '../../engine/feature.js';
import { libraryFeature } from '../library/public.js';
import { modelsFeature } from '../models/public.js';
import { removeBackgroundCommand } from './cli-remove-background.js';
import { removeBackgroundBatch, removeBackgroundImageJob } from './jobs/remove-background-image.js';
import { removeBackgroundMigrations } from './migrations.js';
import { createImagePool } from './remove-background.js';
import { RemoveBackgroundService } from './service.js';

/** Background removal with catalog presets, over a project or a selection, as a queue batch. */
export const removeBackgroundFeature = defineFeature({
  name: 'remove-background',
  migrations: removeBackgroundMigrations,
  create: (ctx) =>
    new RemoveBackgroundService(
      { db: ctx.db, library: ctx.use(libraryFeature), store: ctx.store, models: ctx.use(modelsFeature), inference: ctx.inference, images: createImagePool(ctx.dataDir) },
      ctx.queue,
      ctx.events,
    ),
  jobs: (service) => [bindJob(removeBackgroundImageJob, service)],
  batchTypes: (service) => [bindBatchType(removeBackgroundBatch, service)],
  handlers: (service) => ({
    'remove-background.run': (input) => service.start(input),
    'remove-background.get': ({ runId }) => service.get(runId),
    'remove-background.cancel': ({ runId }) => service.cancel(runId),
    'remove-background.results': ({ projectId, sourceAssetIds }) => service.results(projectId, sourceAssetIds),
    'remove-background.preview': (input) => service.preview(input),
    'remove-background.review': (input) => service.review(input),
  }),
  // Masks of images deleted (past their undo) while the app was closed leave the cache.
  start: async (service) => void (await service.sweepMasks()),
  close: (service) => service.close(),
  cli: () => [removeBackgroundCommand()],
});
