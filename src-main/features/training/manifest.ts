/**
 * The record that travels with an exported model: what it computes (dimension, the
 * classes it was trained on), how well (metrics before and after), and where it came
 * from (parent embedder, data set, config, seed), so a model in the store can be
 * trusted, compared and reproduced.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TrainingConfigSchema, type TrainingConfig } from './config.js';
import { DOMAIN, rowCount, type TrainingData } from './dataset.js';
import { appendHeadToBackbone, buildHeadModel, HEAD_INPUT, HEAD_OUTPUT, type AppendOptions } from './export-onnx.js';
import type { TrainingResult } from './trainer.js';

const RecallSchema = z.record(z.string(), z.number());
const MeasureSchema = z.object({ recall: RecallSchema, syntheticToReal: RecallSchema.nullable() }).strict();

export const TrainedModelManifestSchema = z
  .object({
    format: z.literal('atolye-trained-embedder'),
    version: z.literal(1),
    /** `head`: the ONNX graph takes the parent embedder's features; `embedder`: backbone + head in one file. */
    kind: z.enum(['head', 'embedder']),
    createdAt: z.iso.datetime(),
    onnx: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().positive(), input: z.string(), output: z.string() }).strict(),
    dimension: z.number().int().positive(),
    inputDimension: z.number().int().positive(),
    classes: z.array(z.string()).min(2),
    metrics: z
      .object({
        status: z.enum(['completed', 'cancelled', 'emergency-stop']),
        epochs: z.number().int().nonnegative(),
        before: MeasureSchema,
        after: MeasureSchema.extend({ epoch: z.number().int().nonnegative() }).nullable(),
      })
      .strict(),
    parentModel: z.object({ id: z.string().min(1), sha256: z.string().optional(), dimension: z.number().int().positive() }).strict(),
    /**
     * With backbone fine-tuning: the parent embedder's graph with its trained last layer
     * (`backbone.onnx` in a model's ZIP), run with the parent's preparation and colour part;
     * model.onnx then takes this graph's embedding instead of the parent's.
     */
    fineTunedBackbone: z.object({ file: z.literal('backbone.onnx'), layers: z.array(z.string()).min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().positive() }).strict().optional(),
    dataset: z
      .object({
        id: z.string().min(1),
        trainRows: z.number().int().nonnegative(),
        realTrainRows: z.number().int().nonnegative(),
        syntheticTrainRows: z.number().int().nonnegative(),
        validRows: z.number().int().nonnegative(),
        galleryRows: z.number().int().nonnegative(),
      })
      .strict(),
    config: TrainingConfigSchema,
    seed: z.number().int().nonnegative(),
  })
  .strict();

export type TrainedModelManifest = z.infer<typeof TrainedModelManifestSchema>;

export interface ExportRequest {
  result: TrainingResult;
  config: TrainingConfig;
  data: TrainingData;
  parentModel: { id: string; sha256?: string };
  datasetId: string;
  /** The parent's graph with its fine-tuned last layer (config.backbone.fineTune), recorded in the manifest. */
  fineTunedBackbone?: { onnx: Uint8Array; layers: string[] };
  /** The backbone ONNX to append to; without it the head is exported alone. */
  backbone?: { model: Uint8Array } & AppendOptions;
}

/** The ONNX file (EMA weights) and its manifest, validated. */
export function exportTrainedModel(req: ExportRequest): { onnx: Uint8Array; manifest: TrainedModelManifest } {
  const { result, config, data } = req;
  const model = req.backbone ? appendHeadToBackbone(req.backbone.model, result.head, req.backbone) : buildHeadModel(result.head);
  const last = result.history[result.history.length - 1];
  const count = (domain: number) => data.train.domains.reduce((n, d) => n + (d === domain ? 1 : 0), 0);
  const manifest = TrainedModelManifestSchema.parse({
    format: 'atolye-trained-embedder',
    version: 1,
    kind: req.backbone ? 'embedder' : 'head',
    createdAt: new Date().toISOString(),
    onnx: { sha256: createHash('sha256').update(model).digest('hex'), bytes: model.byteLength, input: req.backbone ? 'backbone input' : HEAD_INPUT, output: req.backbone?.outputName ?? HEAD_OUTPUT },
    dimension: result.head.projectionDim,
    inputDimension: result.head.inputDim,
    classes: data.classNames,
    metrics: {
      status: result.status,
      epochs: result.epochsCompleted,
      before: result.baseline,
      after: last ? { epoch: last.epoch, recall: last.recall, syntheticToReal: last.syntheticToReal } : null,
    },
    parentModel: { ...req.parentModel, dimension: data.train.dimension },
    ...(req.fineTunedBackbone
      ? { fineTunedBackbone: { file: 'backbone.onnx', layers: req.fineTunedBackbone.layers, sha256: createHash('sha256').update(req.fineTunedBackbone.onnx).digest('hex'), bytes: req.fineTunedBackbone.onnx.byteLength } }
      : {}),
    dataset: {
      id: req.datasetId,
      trainRows: rowCount(data.train),
      realTrainRows: count(DOMAIN.real),
      syntheticTrainRows: count(DOMAIN.synthetic),
      validRows: rowCount(data.valid),
      galleryRows: rowCount(data.gallery ?? data.train),
    },
    config,
    seed: config.seed,
  });
  return { onnx: model, manifest };
}
