/**
 * The model store: catalog, installed and imported models per task, their status and
 * the default per task. Downloads run as queue jobs.
 */
import { z } from 'zod';
import { defineSlice, jobType, method } from './define.js';
import { ExecutionProvider } from './engine.js';
import { Id, SafeText } from './schemas.js';

/** background-removal: a mask per image. embedding: a vector per image (the embeddings feature runs it; its offline default is built there, not listed here). */
export const ModelTask = z.enum(['background-removal', 'embedding']);
export type ModelTask = z.infer<typeof ModelTask>;

/** Where a model's file comes from. */
export const ModelSource = z.enum(['package', 'catalog', 'user']);
export type ModelSource = z.infer<typeof ModelSource>;

/**
 * ready: in the library and verified. available: can be installed (assembled from
 * an npm package or downloaded). downloading. missing: was installed, the file is
 * gone. corrupt: the file no longer matches its sha256. failed: the last install
 * failed (see error). manual: no published checksum, so it is offered only as a
 * link to fetch yourself and import.
 */
export const ModelStatus = z.enum(['ready', 'available', 'downloading', 'missing', 'corrupt', 'failed', 'manual']);
export type ModelStatus = z.infer<typeof ModelStatus>;

export const ModelId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, 'a model id is lower-case letters, digits, ".", "_" or "-"');

export const ModelInfo = z.object({
  id: ModelId,
  name: z.string(),
  task: ModelTask,
  source: ModelSource,
  status: ModelStatus,
  description: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().length(64).nullable(),
  licence: z.string(),
  licenceUrl: z.string().nullable(),
  homepage: z.string().nullable(),
  downloadUrl: z.string().nullable(),
  /** Square side (or width, height) the model reads, in pixels. */
  inputSize: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  isDefault: z.boolean(),
  /** The execution provider its loaded session runs on; null when not loaded yet. */
  provider: ExecutionProvider.nullable(),
  progress: z.object({ received: z.number().int().nonnegative(), total: z.number().int().nonnegative() }).nullable(),
  error: z.string().nullable(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

const ModelRef = z.object({ id: ModelId }).strict();

export const ModelProgress = z.object({
  id: z.string(),
  status: ModelStatus,
  received: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  error: z.string().nullable(),
});
export type ModelProgress = z.infer<typeof ModelProgress>;

export const modelsContract = defineSlice({
  methods: {
    'models.list': method(z.object({ task: ModelTask.optional() }).strict(), z.array(ModelInfo), 'Every known model: installed, installable and imported'),
    'models.download': method(ModelRef, ModelInfo, 'Install a model: assemble it from its npm package or download it (resumable, a queue job); progress as models.progress'),
    'models.cancel': method(ModelRef, ModelInfo, 'Stop a download; the part already fetched is kept to resume'),
    'models.import': method(
      z
        .object({
          /** A local .onnx file (Electron, CLI). */
          path: z.string().min(1).optional(),
          /** Or a file uploaded first through the web transport. */
          uploadId: Id.optional(),
          task: ModelTask,
          name: SafeText({ max: 120 }).optional(),
        })
        .strict()
        .refine((v) => (v.path ? 1 : 0) + (v.uploadId ? 1 : 0) === 1, 'give either path or uploadId'),
      ModelInfo,
      'Import your own .onnx; accepted only if it loads and its inputs and outputs fit the task',
      { local: ['path'] },
    ),
    'models.delete': method(ModelRef, z.object({ removed: z.boolean() }), 'Remove a model file from the library (package and catalog models can be installed again)'),
    'models.setDefault': method(ModelRef, ModelInfo, 'Use this model for its task from now on'),
  },
  events: {
    'models.progress': ModelProgress,
    'models.changed': z.object({ id: z.string().nullable() }),
  },
  jobs: {
    'models.download': jobType({ stages: ['downloading', 'verifying'] }),
  },
});
