import { ContractError, DEFAULT_EMBEDDER_ID, type EmbeddingScope, type SearchHit } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import type { Embedders } from './embedders.js';
import type { Extraction } from './extraction.js';
import type { ImageEmbedder } from './image-embedder.js';
import { publicInfo, type IndexRecord, type IndexRegistry } from './index-registry.js';
import type { DuplicateGroup, NearDuplicates } from './near-duplicates.js';
import type { ScopeItem } from './scope-items.js';
import type { IdFilter } from './vector-index.js';
import type { VectorIndexWorkers } from './vector-index-workers.js';
import type { VectorStore } from './vector-store.js';

/** The embeddings feature's API (other features use it through public.ts). */
export interface EmbeddingsApi {
  embedders: Embedders;
  registry: IndexRegistry;
  extraction: Extraction;
  vectors: VectorStore;
  /** Images → vectors of a model, embedding what has none (stored); failures listed, never a zero vector. */
  embedItems: Extraction['embedItems'];
  /** The index of a scope for a model, if one exists. */
  indexFor(scope: EmbeddingScope, modelId: string): IndexRecord | null;
  /** Nearest items of an index to a unit-length query vector. */
  search(indexId: string, query: Float32Array, k: number, filter?: IdFilter): Promise<SearchHit[]>;
  duplicates: NearDuplicates;
  /** Near-duplicate groups of a project, extracting its index first when it has none (then 'indexing' with the job). */
  findDuplicates(projectId: string, opts: { similarity?: number; hashDistance?: number }): Promise<{ state: 'ready' | 'indexing'; jobId: string | null; groups: DuplicateGroup[] }>;
  /** Embeds image files outside the library (the CLI's `atolye embed`) or encoded images (training's views): vectors in order, or the reason per source. */
  embedFiles(modelId: string, files: readonly (string | Uint8Array)[], signal?: AbortSignal): Promise<({ vector: Float32Array } | { error: string })[]>;
  close(): Promise<void>;
}

export function embeddingsApi(deps: {
  db: Db;
  embedder: ImageEmbedder;
  embedders: Embedders;
  registry: IndexRegistry;
  extraction: Extraction;
  vectors: VectorStore;
  indexWorkers: VectorIndexWorkers;
  duplicates: NearDuplicates;
}): EmbeddingsApi {
  const { embedder, embedders, registry, extraction, vectors, indexWorkers, duplicates } = deps;
  return {
    duplicates,
    async findDuplicates(projectId, opts) {
      const scope = { kind: 'project' as const, projectId };
      const index = registry.forScope(scope, DEFAULT_EMBEDDER_ID);
      let jobId: string | null = null;
      if (!index || extraction.isBehind(index)) {
        jobId = extraction.extract({ scope }).jobId;
        if (!index?.blobSha256) return { state: 'indexing', jobId, groups: [] };
      }
      return { state: 'ready', jobId, groups: await duplicates.groups(projectId, index!.id, index!.modelId, opts) };
    },
    embedders,
    registry,
    extraction,
    vectors,
    embedItems: (modelId, items, signal, progress) => extraction.embedItems(modelId, items, signal, progress),
    indexFor: (scope, modelId) => registry.forScope(scope, modelId),
    search: (indexId, query, k, filter) => registry.search(indexId, query, k, { filter }),
    async embedFiles(modelId, files, signal) {
      const handle = await embedders.handle(modelId);
      const D = handle.spec.dimension;
      const out: ({ vector: Float32Array } | { error: string })[] = [];
      // Chunks as in extraction; an unreadable file is retried alone so it is the only one left out.
      for (let i = 0; i < files.length; i += 8) {
        const chunk = files.slice(i, i + 8);
        try {
          signal?.throwIfAborted();
          const m = await embedder.embed(handle, [...chunk], { batchSize: 8, signal });
          chunk.forEach((_, k) => out.push({ vector: m.slice(k * D, (k + 1) * D) }));
        } catch {
          for (const f of chunk) {
            try {
              out.push({ vector: await embedder.embed(handle, [f], { signal }) });
            } catch (err) {
              if (signal?.aborted) throw err;
              out.push({ error: (err as Error).message });
            }
          }
        }
      }
      return out;
    },
    async close() {
      await indexWorkers.close();
      await embedder.close();
    },
  };
}

/** The vector of an image already embedded for an index's model, by the image's id in that index's scope. */
export function vectorOfItem(api: Pick<EmbeddingsApi, 'vectors'>, modelId: string, item: ScopeItem | undefined): Float32Array {
  if (!item) throw new ContractError('not_found', 'that image is not in the index');
  const v = api.vectors.get(modelId, item.sha256);
  if (!v) throw new ContractError('not_found', `image ${item.id} has no vector for ${modelId} (extract first)`);
  return v;
}

export { publicInfo };
