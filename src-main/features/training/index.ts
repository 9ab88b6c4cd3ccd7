import path from 'node:path';
import { bindJob, defineFeature } from '../../engine/feature.js';
import { datasetsFeature } from '../datasets/public.js';
import { embeddingsFeature } from '../embeddings/public.js';
import { trainingCommands } from './cli-training.js';
import { trainingRunJob } from './jobs/training-run.js';
import { trainingMigrations } from './migrations.js';
import { writeZip, zipFileName, zipStream } from './model-zip.js';
import { TrainingService } from './service.js';

/**
 * Training: a projection + ArcFace head trained on a dataset's cached backbone features
 * (the training.run job, its trainer in a worker thread), per-epoch records and
 * checkpoints, and the trained models it makes, served as embedders (one may be the
 * active embedder, the default of extraction and matching).
 */
export const trainingFeature = defineFeature<TrainingService>({
  name: 'training',
  migrations: trainingMigrations,
  blobRefs: [
    { table: 'training_runs', column: 'checkpoint_sha256' },
    { table: 'trained_models', column: 'onnx_sha256' },
    { table: 'trained_models', column: 'backbone_sha256' },
  ],
  create(ctx) {
    return new TrainingService({ db: ctx.db, store: ctx.store, blobs: ctx.blobs, events: ctx.events, queue: ctx.queue, datasets: ctx.use(datasetsFeature), embeddings: ctx.use(embeddingsFeature), tailMapsDir: path.join(ctx.dataDir, 'cache', 'tail-maps'),
      // Settings `{ training: { tailMapsMinFreeBytes } }`: the free space the maps cache leaves (tests lower it).
      tailMapsMinFreeBytes: typeof ctx.settings.tailMapsMinFreeBytes === 'number' ? ctx.settings.tailMapsMinFreeBytes : undefined,
    });
  },
  jobs: (service) => [bindJob(trainingRunJob, service)],
  handlers: (service) => ({
    'training.estimate': (input) => service.estimate(input),
    'training.start': (input) => service.start(input),
    'training.list': () => service.list(),
    'training.get': ({ id }) => service.get(id),
    'training.cancel': ({ id }) => service.cancel(id),
    'training.resume': ({ id }) => service.resume(id),
    'training.delete': ({ id }) => service.delete(id),
    'training.models': () => service.listModels(),
    'training.activate': ({ id }) => service.activate(id),
    'training.deleteModel': ({ id }) => service.deleteModel(id),
    'training.rename': ({ id, name }) => service.rename(id, name),
    'training.saveModel': async ({ id, destPath }) => writeZip((await service.modelFiles(id)).entries, destPath),
  }),
  downloads: (service) => ({
    'training-model': async ({ id }) => {
      const files = await service.modelFiles(id);
      return { fileName: zipFileName(files.name), contentType: 'application/zip', stream: zipStream(files.entries) };
    },
  }),
  start: (service) => service.settle(),
  close: (service) => service.close(),
  cli: (self) => trainingCommands(self),
});
