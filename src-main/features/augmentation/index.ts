import { bindBatchType, bindJob, defineFeature } from '../../engine/feature.js';
import { datasetsFeature } from '../datasets/public.js';
import { modelsFeature } from '../models/public.js';
import { productsFeature } from '../products/public.js';
import { augmentCommand } from './cli-augment.js';
import { CutoutSource } from './cutouts.js';
import { augmentationBatch, augmentProductJob } from './jobs/augment-product.js';
import { augmentationMigrations } from './migrations.js';
import { AugmentationService } from './service.js';

/**
 * Augmentation: each product of a dataset topped up to a target of synthetic images (its
 * cut-outs on backgrounds, light or heavy pipeline) and of variants of its real photos,
 * idempotently; pixel work in the augmentation worker pool (augment-worker.ts).
 */
export const augmentationFeature = defineFeature<AugmentationService>({
  name: 'augmentation',
  migrations: augmentationMigrations,
  create(ctx) {
    const { catalog } = ctx.use(productsFeature);
    const datasets = ctx.use(datasetsFeature);
    const cutouts = new CutoutSource(ctx.db, ctx.store, ctx.use(modelsFeature), ctx.inference);
    const service = new AugmentationService({ db: ctx.db, store: ctx.store, events: ctx.events, queue: ctx.queue, catalog, datasets, cutouts, workers: ctx.workers });
    datasets.files.addExtra('augmentation_report.json', (datasetId) => service.latestReport(datasetId));
    return service;
  },
  jobs: (service) => [bindJob(augmentProductJob, service)],
  batchTypes: (service) => [bindBatchType(augmentationBatch, service)],
  handlers: (service) => ({
    'augmentation.start': ({ datasetId, params }) => service.start(datasetId, params),
    'augmentation.get': ({ id }) => service.get(id),
    'augmentation.runs': ({ datasetId }) => service.runs(datasetId),
    'augmentation.cancel': ({ id }) => service.cancel(id),
    'augmentation.images': ({ datasetId, productId, offset, limit }) => service.images(datasetId, productId, offset, limit),
    'augmentation.productDatasets': ({ productId }) => service.productDatasets(productId),
    'augmentation.settings': () => service.settings(),
    'augmentation.setSettings': ({ backgroundsDir }) => service.setSettings(backgroundsDir),
  }),
  close: (service) => service.close(),
  cli: (self) => [augmentCommand(self)],
});
