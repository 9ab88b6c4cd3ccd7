import { z } from 'zod';
import { bindBatchType, bindJob, defineFeature } from '../../engine/feature.js';
import { libraryFeature } from '../library/public.js';
import { importCommand } from './cli-import.js';
import { ImportService } from './import-service.js';
import { defaultIngestOptions } from '../../engine/images/ingest.js';
import { importBatch } from './jobs/import-batch.js';
import { importFileJob } from './jobs/import-file.js';
import { importScanJob } from './jobs/import-scan.js';
import { importMigrations } from './migrations.js';

/** Settings: `{ import: { limitInputPixels, thumbSize } }` (tests lower the pixel limit). */
const ImportSettings = z.object({ limitInputPixels: z.number().int().positive(), thumbSize: z.number().int().min(16).max(4096) }).partial();

/** Dropped folders, files or uploads become a project's originals, as a queue batch that survives a crash. */
export const importFeature = defineFeature({
  name: 'import',
  migrations: importMigrations,
  create: (ctx) =>
    new ImportService(ctx.db, ctx.use(libraryFeature), ctx.uploads, ctx.events, ctx.queue, ctx.images, { ...defaultIngestOptions, ...ImportSettings.parse(ctx.settings) }, ctx.blobs),
  jobs: (imports) => [bindJob(importScanJob, imports), bindJob(importFileJob, imports)],
  batchTypes: (imports) => [bindBatchType(importBatch, imports)],
  handlers: (imports) => ({
    'import.start': (input) => imports.start(input),
    'import.get': ({ importId }) => imports.get(importId),
    'import.skipped': ({ projectId }) => imports.listSkipped(projectId),
  }),
  start: (imports) => void imports.markInterrupted(),
  close: (imports) => imports.close(),
  cli: () => [importCommand()],
});
