import path from 'node:path';
import { z } from 'zod';
import { ContractError } from '../../../src-shared/contract/index.js';
import { bindBatchType, bindJob, defineFeature } from '../../engine/feature.js';
import { datasetsFeature } from '../datasets/public.js';
import { modelsFeature } from '../models/public.js';
import { embeddingsApi, publicInfo, vectorOfItem, type EmbeddingsApi } from './api.js';
import { embeddingsCommands } from './cli-embeddings.js';
import { Embedders } from './embedders.js';
import { Extraction } from './extraction.js';
import { ImageEmbedder } from './image-embedder.js';
import { IndexRegistry } from './index-registry.js';
import { NearDuplicates } from './near-duplicates.js';
import { embeddingsBatch, extractJob } from './jobs/extract-job.js';
import { embeddingsMigrations } from './migrations.js';
import { VectorIndexWorkers } from './vector-index-workers.js';
import { VectorStore } from './vector-store.js';

/** `Engine.open({ settings: { embeddings: … } })`. */
const FeatureSettings = z.object({
  /** Where the offline default embedder is built (default: the library's models/embedders); tests share one. */
  modelCacheDir: z.string().min(1).optional(),
});

/** Image embeddings (the offline default embedder and the catalog), extraction jobs, vector indexes per (scope, model), search. */
export const embeddingsFeature = defineFeature<EmbeddingsApi>({
  name: 'embeddings',
  migrations: embeddingsMigrations,
  blobRefs: [{ table: 'vector_indexes', column: 'blob_sha256', live: 'deleted = 0' }],
  create(ctx) {
    const settings = FeatureSettings.parse(ctx.settings);
    const embedder = new ImageEmbedder(ctx.inference, { workers: ctx.workers ?? 1 });
    const embedders = new Embedders(embedder, settings.modelCacheDir ?? path.join(ctx.dataDir, 'models', 'embedders'), ctx.use(modelsFeature), ctx.db);
    const registry = new IndexRegistry(ctx.db, ctx.store, ctx.blobs, ctx.events);
    const vectors = new VectorStore(ctx.db);
    const indexWorkers = new VectorIndexWorkers(ctx.dataDir);
    const datasets = ctx.use(datasetsFeature).store;
    const extraction = new Extraction({
      db: ctx.db,
      store: ctx.store,
      queue: ctx.queue,
      embedder,
      embedders,
      registry,
      vectors,
      indexWorkers,
      datasetMembers: (id) => datasets.members(id).map((m) => m.productId),
      datasetName: (id) => datasets.get(id).name,
    });
    const duplicates = new NearDuplicates({ db: ctx.db, store: ctx.store, embedder, registry, vectors });
    return embeddingsApi({ db: ctx.db, embedder, embedders, registry, extraction, vectors, indexWorkers, duplicates });
  },
  jobs: (api) => [bindJob(extractJob, api.extraction)],
  batchTypes: () => [bindBatchType(embeddingsBatch, null)],
  handlers: (api) => ({
    'embeddings.models': () => api.embedders.list(),
    'embeddings.extract': (input) => api.extraction.extract(input),
    'embeddings.indexes': () => api.registry.list().map(publicInfo),
    'embeddings.createIndex': ({ name, scope, modelId = api.embedders.activeId() }) => publicInfo(api.registry.create(name, scope, modelId, api.embedders.dimension(modelId))),
    'embeddings.deleteIndex': ({ id }) => ({ deleted: api.registry.delete(id) }),
    'embeddings.rebuildIndex': ({ id }) => api.extraction.rebuild(id),
    'embeddings.failures': ({ id }) => api.extraction.failures(id),
    'embeddings.duplicates': ({ projectId, similarity, hashDistance }) => api.findDuplicates(projectId, { similarity, hashDistance }),
    'embeddings.search': async ({ indexId, imageId, vector, k }) => {
      const index = api.registry.get(indexId);
      let query: Float32Array;
      if (vector) query = Float32Array.from(vector);
      else {
        const item = api.extraction.items(index.scope).find((it) => it.id === imageId);
        query = vectorOfItem(api, index.modelId, item);
      }
      if (query.length !== index.dimension) throw new ContractError('invalid_input', `the query has ${query.length} dimensions, the index ${index.dimension}`);
      return api.search(indexId, query, k);
    },
  }),
  start: (api) => api.extraction.settle(),
  close: (api) => api.close(),
  cli: (self) => embeddingsCommands(self),
});
