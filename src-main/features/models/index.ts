import { z } from 'zod';
import { bindJob, defineFeature } from '../../engine/feature.js';
import { modelDownloadJob } from './jobs/model-download.js';
import { modelsMigrations } from './migrations.js';
import { ModelStore } from './model-store.js';

/** Settings: `{ models: { catalogDir, downloadRetries, retryDelayMs } }` (tests serve a catalog from loopback). */
const ModelsSettings = z.object({ catalogDir: z.string(), downloadRetries: z.number().int().nonnegative(), retryDelayMs: z.number().int().nonnegative() }).partial();

/** The model store: catalog, installed and imported models per task, sha256-verified; installs run as queue jobs. */
export const modelsFeature = defineFeature({
  name: 'models',
  migrations: modelsMigrations,
  create: (ctx) => new ModelStore(ctx.db, ctx.store, ctx.events, ctx.inference, ctx.queue, ctx.uploads, ctx.dataDir, ModelsSettings.parse(ctx.settings)),
  jobs: (models) => [bindJob(modelDownloadJob, models)],
  start: (models) => models.init(),
  handlers: (models) => ({
    'models.list': ({ task }) => models.list(task),
    'models.download': async ({ id }) => {
      await models.install(id);
      return models.info(id);
    },
    'models.cancel': ({ id }) => models.cancel(id),
    'models.import': async ({ path, uploadId, task, name }) => models.importUpload({ path, uploadId, task, name }),
    'models.delete': async ({ id }) => ({ removed: await models.delete(id) }),
    'models.setDefault': ({ id }) => models.setDefault(id),
  }),
});
