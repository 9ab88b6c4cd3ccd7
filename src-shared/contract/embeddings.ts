/**
 * Image embeddings and their vector indexes: which embedders there are, extraction as a
 * queue job (per-image progress; a rerun embeds only what has no vector for the model),
 * one index per (scope, model) persisted in the library, and nearest-neighbour search.
 */
import { z } from 'zod';
import { batchType, defineSlice, jobType, method } from './define.js';
import { Id, Timestamp } from './schemas.js';

/** The id of the embedder that ships with the app (built from an npm package at first use, no download). */
export const DEFAULT_EMBEDDER_ID = 'atolye-mobilenet-v2-hsv';

/**
 * What an index covers: a project's originals, the images (synthetic and real) of a set of
 * products or of a dataset's products (its members when the extraction runs), or every
 * original in the library.
 */
export const EmbeddingScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('project'), projectId: Id }).strict(),
  z.object({ kind: z.literal('productSet'), productIds: z.array(Id).min(1).max(10_000) }).strict(),
  z.object({ kind: z.literal('dataset'), datasetId: Id }).strict(),
  z.object({ kind: z.literal('library') }).strict(),
]);
export type EmbeddingScope = z.infer<typeof EmbeddingScope>;

export const EmbedderInfo = z.object({
  id: z.string(),
  name: z.string(),
  dimension: z.number().int().positive(),
  /** Usable now (the offline default always is; catalog entries once installed from the Models page; imported ones once their file is in). */
  installed: z.boolean(),
  /** offline: built in; download: the catalog (models.download); user: an .onnx the user imported (models.import, task embedding); trained: made by a training run (training.models). */
  source: z.enum(['offline', 'download', 'user', 'trained']),
  licence: z.string(),
  description: z.string(),
  /** The active embedder: what extraction and matching use when no model is named (training.activate sets it). */
  active: z.boolean(),
});
export type EmbedderInfo = z.infer<typeof EmbedderInfo>;

export const IndexState = z.enum(['empty', 'extracting', 'ready', 'failed']);

export const VectorIndexInfo = z.object({
  id: Id,
  name: z.string(),
  scope: EmbeddingScope,
  modelId: z.string(),
  dimension: z.number().int().positive(),
  /** Vectors in the saved index. */
  vectors: z.number().int().nonnegative(),
  /** Images of the scope that could not be embedded (listed by embeddings.failures). */
  failed: z.number().int().nonnegative(),
  state: IndexState,
  /** The extraction job in flight or last run, if any. */
  jobId: Id.nullable(),
  batchId: Id.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type VectorIndexInfo = z.infer<typeof VectorIndexInfo>;

export const SearchHit = z.object({
  /** A library asset id (project and library scopes) or a product image id (product sets). */
  id: Id,
  /** Cosine similarity of the unit-length embeddings, 1 for the same direction. */
  score: z.number(),
});
export type SearchHit = z.infer<typeof SearchHit>;

const IndexRef = z.object({ id: Id }).strict();

export const DuplicateMember = z.object({
  id: Id,
  fileName: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Cosine similarity to the image kept. */
  similarity: z.number().nullable(),
  /** Bits between the difference hashes of this image and the one kept. */
  hashDistance: z.number().int().nonnegative().nullable(),
});

export const ExtractInput = z
  .object({
    scope: EmbeddingScope,
    /** Default: the active embedder (the offline default until a trained model is set as active). */
    modelId: z.string().min(1).optional(),
    /** Add to this index (its scope and model must be the ones given). */
    indexId: Id.optional(),
    /** Or create one with this name (refused when the scope already has an index for the model). */
    newIndexName: z.string().trim().min(1).max(120).optional(),
  })
  .strict();
export type ExtractInput = z.input<typeof ExtractInput>;

export const embeddingsContract = defineSlice({
  methods: {
    'embeddings.models': method(z.object({}).strict(), z.array(EmbedderInfo), 'Embedders: the offline default, the download catalog and imported ones'),
    'embeddings.extract': method(
      ExtractInput,
      z.object({ index: VectorIndexInfo, jobId: Id, batchId: Id.nullable(), existing: z.boolean() }),
      'Embed the images of a scope into its index (a queue job; images that already have a vector for the model are skipped)',
    ),
    'embeddings.indexes': method(z.object({}).strict(), z.array(VectorIndexInfo), 'Vector indexes: name, scope, model, vectors, state'),
    'embeddings.createIndex': method(
      z.object({ name: z.string().trim().min(1).max(120), scope: EmbeddingScope, /** Default: the active embedder. */ modelId: z.string().min(1).optional() }).strict(),
      VectorIndexInfo,
      'An empty index for a scope and model (one per pair)',
    ),
    'embeddings.deleteIndex': method(IndexRef, z.object({ deleted: z.boolean() }), 'Delete an index (its vectors stay for the next index of the model)'),
    'embeddings.rebuildIndex': method(IndexRef, z.object({ index: VectorIndexInfo, jobId: Id }), 'Rebuild an index from scratch from its scope (embeds only what is missing)'),
    'embeddings.failures': method(
      IndexRef,
      z.array(z.object({ id: Id, errorCode: z.string(), message: z.string() })),
      'Images of an index that could not be embedded, with the reason',
    ),
    'embeddings.search': method(
      z
        .object({
          indexId: Id,
          /** Query by an image already embedded for the index's model (an asset or product image id)… */
          imageId: Id.optional(),
          /** …or by a vector of the index's dimension. */
          vector: z.array(z.number().finite()).max(65_536).optional(),
          k: z.number().int().min(1).max(1000).default(10),
        })
        .strict()
        .refine((v) => (v.imageId ? 1 : 0) + (v.vector ? 1 : 0) === 1, 'give either imageId or vector'),
      z.array(SearchHit),
      'Nearest images in an index, best first',
    ),
    'embeddings.duplicates': method(
      z
        .object({
          projectId: Id,
          /** Embeddings at least this similar link two images (crops, small edits). */
          similarity: z.number().min(0.5).max(1).default(0.95),
          /** Difference hashes at most this many bits apart link two images (re-encoded, resized copies). */
          hashDistance: z.number().int().min(0).max(32).default(8),
        })
        .strict(),
      z.object({
        /** 'indexing': the project's index is being built (jobId); ask again when it completes. */
        state: z.enum(['ready', 'indexing']),
        jobId: Id.nullable(),
        groups: z.array(z.object({ keep: DuplicateMember, others: z.array(DuplicateMember) })),
      }),
      "Groups of near-identical images in a project, with the one to keep (move the others to the trash with assets.delete, undoable)",
    ),
  },
  events: {
    /** Indexes were created, changed or deleted. */
    'embeddings.indexesChanged': z.object({ ids: z.array(Id) }),
  },
  jobs: {
    'embeddings.extract': jobType({ stages: ['embedding', 'indexing'] }),
  },
  batchTypes: {
    embeddings: batchType({ notify: false, noun: { en: 'Extract embeddings', tr: 'Gömme çıkarımı' } }),
  },
});
