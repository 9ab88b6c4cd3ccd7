import path from 'node:path';
import { defineFeature } from '../../engine/feature.js';
import { productsFeature } from '../products/public.js';
import type { DatasetsApi } from './api.js';
import { datasetsCommand } from './cli-datasets.js';
import { DatasetStore } from './dataset-store.js';
import { DatasetFiles } from './export-import.js';
import { datasetsMigrations } from './migrations.js';

/** Datasets: products grouped for training, with seeded product-level splits; the external trainers' layout out and back in. */
export const datasetsFeature = defineFeature<DatasetsApi>({
  name: 'datasets',
  migrations: datasetsMigrations,
  create(ctx) {
    const { catalog } = ctx.use(productsFeature);
    const store = new DatasetStore(ctx.db, ctx.events, catalog);
    return { store, files: new DatasetFiles(store, catalog, ctx.store, ctx.images, path.join(ctx.dataDir, 'scratch', 'datasets')), uploads: ctx.uploads };
  },
  handlers: ({ store, files, uploads }) => ({
    'datasets.list': () => store.list(),
    'datasets.get': ({ id }) => store.get(id),
    'datasets.create': (input) => store.create(input),
    'datasets.update': ({ id, version, name, description }) => store.update(id, version, { name, description }),
    'datasets.delete': ({ id }) => store.delete(id),
    'datasets.restore': ({ undoToken }) => store.restore(undoToken),
    'datasets.products': ({ id }) => store.products(id),
    'datasets.addProducts': ({ id, version, selection }) => store.addProducts(id, version, selection),
    'datasets.removeProducts': ({ id, version, productIds }) => store.removeProducts(id, version, productIds),
    'datasets.setProductSplit': ({ id, version, productId, split }) => store.setProductSplit(id, version, productId, split),
    'datasets.resplit': ({ id, version, splitRatios, splitSeed }) => store.resplit(id, version, splitRatios, splitSeed),
    'datasets.exportTo': ({ id, destPath, format, inNewFolder }) => files.exportTo(id, destPath, format, inNewFolder),
    'datasets.import': async ({ path: source, uploadId, name }) => {
      if (source) return files.importPath(source, name);
      // Web mode: the ZIP was uploaded first; the upload goes once it is read, whatever the outcome.
      try {
        return await files.importZip(uploads.pathOf(uploadId!), name);
      } finally {
        await uploads.discard([uploadId!]);
      }
    },
  }),
  downloads: ({ files }) => ({
    'dataset-export': ({ id }) => files.zipStream(id),
  }),
  cli: (self) => [datasetsCommand(self)],
  // What a kill left of an import or export (nothing runs yet, so all of it is stale).
  start: ({ files }) => files.sweep(),
});
