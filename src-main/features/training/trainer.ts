/**
 * The training loop: a projection + ArcFace head on frozen features, AdamW with a
 * warm-up + cosine schedule, global-norm clipping, an EMA of the weights (evaluated,
 * checkpointed and returned), the domain-aware sampler with hard-negative products,
 * guards (NaN or runaway loss → emergency checkpoint), plateau/divergence events,
 * cancellation between steps, and a checkpoint every epoch that resumes bit-for-bit.
 *
 * Blocking tensor work: run it in a worker thread (training-worker.ts), never on the
 * engine's event loop.
 */
import * as tf from '@tensorflow/tfjs';
import { parseTrainingConfig, type TrainingConfig, type TrainingConfigInput } from './config.js';
import { checkTrainingData, DOMAIN, rowCount, selectRows, type LabelledFeatures, type TrainingData } from './dataset.js';
import { decodeCheckpoint, encodeCheckpoint, fingerprintData, type CheckpointState, type PartialEpoch } from './checkpoint.js';
import { recallAtK } from './evaluate.js';
import { AdamW } from './optimizer.js';
import { WeightEma } from './ema.js';
import { clipByGlobalNorm } from './gradients.js';
import { arcFaceLoss, dropoutMask, embed, embedRows, initialHeadParams, PARAM, type HeadWeights } from './head.js';
import { checkMonitors, type EpochRecord, type MonitorEvent, type MonitorState } from './monitors.js';
import { Rng } from './rng.js';
import { DomainAwareSampler, neighbourPools, ProductIndex } from './sampler.js';
import { learningRateAt } from './schedule.js';
import { useTfBackend } from './tf-backend.js';

export type TrainingEvent =
  | { type: 'started'; epochs: number; stepsPerEpoch: number; resumedAt: { epoch: number; step: number } | null; baseline: Recall }
  | { type: 'step'; epoch: number; step: number; steps: number; loss: number; lr: number; gradNorm: number }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'checkpoint'; epoch: number; step: number; emergency: boolean; bytes: Uint8Array }
  | MonitorEvent;

export interface Recall {
  /** recall@k of the valid real queries on the raw (untrained) features. */
  recall: Record<string, number>;
  syntheticToReal: Record<string, number> | null;
}

export interface TrainingResult {
  status: 'completed' | 'cancelled' | 'emergency-stop';
  /** Why an emergency stop happened. */
  reason: string | null;
  epochsCompleted: number;
  history: EpochRecord[];
  /** The raw features' recall, measured the same way as each epoch's. */
  baseline: Recall;
  /** The EMA weights of the embedding part (projection), ready to export. */
  head: HeadWeights;
  /** The latest state: after the last epoch, at the cancel point, or the emergency checkpoint. */
  checkpoint: Uint8Array;
}

export interface TrainOptions {
  /** Required unless resuming (a checkpoint carries its config). */
  config?: TrainingConfigInput | TrainingConfig;
  resumeFrom?: Uint8Array;
  /** Checked between steps; AbortSignal fits, so does a shared-memory flag in a worker. */
  signal?: { readonly aborted: boolean };
  onEvent?: (event: TrainingEvent) => void;
}

/** Rows of `set` whose domain is one of `domains`. */
function byDomain(set: LabelledFeatures, domains: readonly number[]): LabelledFeatures {
  const idx: number[] = [];
  for (let i = 0; i < rowCount(set); i++) if (domains.includes(set.domains[i]!)) idx.push(i);
  return selectRows(set, idx);
}

function concatSets(a: LabelledFeatures, b: LabelledFeatures): LabelledFeatures {
  const features = new Float32Array(a.features.length + b.features.length);
  features.set(a.features, 0);
  features.set(b.features, a.features.length);
  return {
    dimension: a.dimension,
    features,
    labels: Int32Array.from([...a.labels, ...b.labels]),
    domains: Uint8Array.from([...a.domains, ...b.domains]),
  };
}

/** The query/gallery sets every evaluation uses, cut once. */
interface EvaluationSets {
  gallery: LabelledFeatures;
  queries: LabelledFeatures;
  synthetic: { queries: LabelledFeatures; gallery: LabelledFeatures } | null;
}

function evaluationSets(data: TrainingData, config: TrainingConfig): EvaluationSets {
  const galleryAll = data.gallery ?? data.train;
  const gallery = byDomain(galleryAll, config.evaluation.galleryDomains.map((d) => DOMAIN[d]));
  const queries = byDomain(data.valid, [DOMAIN.real]);
  const syntheticQueries = concatSets(byDomain(data.train, [DOMAIN.synthetic]), byDomain(data.valid, [DOMAIN.synthetic]));
  const realGallery = byDomain(galleryAll, [DOMAIN.real]);
  const synthetic = rowCount(syntheticQueries) && rowCount(realGallery) ? { queries: syntheticQueries, gallery: realGallery } : null;
  return { gallery, queries, synthetic };
}

function measure(sets: EvaluationSets, ks: readonly number[], project: (f: Float32Array) => { vectors: Float32Array; dim: number }): Recall {
  const run = (gallery: LabelledFeatures, queries: LabelledFeatures) => {
    const g = project(gallery.features);
    const q = project(queries.features);
    const r = recallAtK({ vectors: g.vectors, labels: gallery.labels }, { vectors: q.vectors, labels: queries.labels }, g.dim, ks);
    return Object.fromEntries(ks.map((k) => [String(k), r[k]!]));
  };
  return {
    recall: run(sets.gallery, sets.queries),
    syntheticToReal: sets.synthetic ? run(sets.synthetic.gallery, sets.synthetic.queries) : null,
  };
}

/** Raw features, L2-normalised (they usually are already; this makes sure). */
function normalisedRows(features: Float32Array, dim: number): { vectors: Float32Array; dim: number } {
  const out = new Float32Array(features.length);
  for (let r = 0; r < features.length / dim; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += features[r * dim + k]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < dim; k++) out[r * dim + k] = features[r * dim + k]! * inv;
  }
  return { vectors: out, dim };
}

function headWeights(values: ReadonlyMap<string, Float32Array>, inputDim: number, projectionDim: number): HeadWeights {
  return { inputDim, projectionDim, kernel: values.get(PARAM.kernel)!, bias: values.get(PARAM.bias)! };
}

/** TF.js variable names are global to the engine; runs in one thread need distinct ones. */
let variableRuns = 0;

export async function trainHead(data: TrainingData, opts: TrainOptions): Promise<TrainingResult> {
  checkTrainingData(data);
  const resumed: CheckpointState | null = opts.resumeFrom ? decodeCheckpoint(opts.resumeFrom) : null;
  const config = parseTrainingConfig(opts.config ?? resumed?.config ?? {});
  await useTfBackend(config.backend);

  const classCount = data.classNames.length;
  const inputDim = data.train.dimension;
  const projectionDim = config.projection.dim;
  const trainRows = rowCount(data.train);
  const fingerprint = fingerprintData(data.train);
  if (resumed) {
    if (resumed.dataFingerprint !== fingerprint) throw new Error('the checkpoint was made on other training data; it cannot be resumed on this data');
    if (resumed.classCount !== classCount) throw new Error(`the checkpoint has ${resumed.classCount} classes, the data ${classCount}`);
  }

  const emit = (e: TrainingEvent) => opts.onEvent?.(e);
  // Independent streams: initial weights, batch plans, dropout masks.
  const root = new Rng(config.seed);
  const initRng = root.fork();
  const freshSampler = root.fork();
  const freshDropout = root.fork();
  const samplerRng = resumed ? new Rng(resumed.rng.sampler) : freshSampler;
  const dropoutRng = resumed ? new Rng(resumed.rng.dropout) : freshDropout;

  const init = resumed ? null : initialHeadParams({ inputDim, projectionDim, classes: classCount }, initRng);
  const params = new Map<string, tf.Variable>();
  const shapes: Record<string, number[]> = resumed?.shapes ?? Object.fromEntries([...init!].map(([k, v]) => [k, v.shape]));
  for (const [name, shape] of Object.entries(shapes)) {
    const values = resumed ? resumed.weights.get(name) : init!.get(name)!.values;
    if (!values) throw new Error(`checkpoint has no weights for ${name}`);
    params.set(name, tf.variable(tf.tensor(values, shape), true, `${name}#${++variableRuns}`));
  }
  const kernelShape = shapes[PARAM.kernel]!;
  if (kernelShape[0] !== inputDim || kernelShape[1] !== projectionDim) throw new Error(`checkpoint projection is ${kernelShape.join('×')}, the run needs ${inputDim}×${projectionDim}`);
  const optimizer = new AdamW(params, config.optimizer);
  const ema = new WeightEma(params, config.emaDecay);
  const history: EpochRecord[] = resumed ? [...resumed.history] : [];
  const monitor: MonitorState = resumed ? { ...resumed.monitor } : { onPlateau: false, diverging: false };
  if (resumed) {
    optimizer.restore({ step: resumed.optimizerStep, m: resumed.adamM, v: resumed.adamV });
    ema.restore(resumed.ema);
  }

  const index = new ProductIndex(data.train, classCount);
  const sampler = new DomainAwareSampler(index, config.sampler);
  const sets = evaluationSets(data, config);
  const ks = config.evaluation.ks;
  const baseline = measure(sets, ks, (f) => normalisedRows(f, inputDim));
  const trainX = tf.tensor2d(data.train.features, [trainRows, inputDim]);
  const trainY = tf.tensor1d(data.train.labels, 'int32');
  const varList = [...params.values()];

  let epoch = resumed?.epoch ?? 0;
  let startStep = resumed?.step ?? 0;
  let plan: Int32Array[] | null = resumed?.plan ?? null;
  let partial: PartialEpoch = resumed?.partial ?? { lossSum: 0, gradNormSum: 0, steps: 0, seconds: 0 };

  const emaHead = () => headWeights(ema.values(), inputDim, projectionDim);
  const snapshot = (atEpoch: number, step: number, emergency: string | null): Uint8Array => {
    const opt = optimizer.state();
    const state: CheckpointState = {
      config,
      dataFingerprint: fingerprint,
      classCount,
      epoch: atEpoch,
      step,
      optimizerStep: opt.step,
      rng: { sampler: samplerRng.state(), dropout: dropoutRng.state() },
      history,
      monitor,
      plan: step > 0 || emergency ? plan : null,
      weights: new Map([...params].map(([k, t]) => [k, Float32Array.from(t.dataSync())])),
      adamM: opt.m,
      adamV: opt.v,
      ema: ema.values(),
      shapes,
      emergency,
      partial,
    };
    return new Uint8Array(encodeCheckpoint(state));
  };
  const finish = (status: TrainingResult['status'], checkpoint: Uint8Array, reason: string | null = null): TrainingResult => ({
    status,
    reason,
    epochsCompleted: history.length,
    history,
    baseline,
    head: emaHead(),
    checkpoint,
  });

  try {
    const stepsPerEpoch = sampler.planEpoch(trainRows, config.batchSize, [], new Rng(0)).batches.length;
    emit({ type: 'started', epochs: config.epochs, stepsPerEpoch, resumedAt: resumed ? { epoch, step: startStep } : null, baseline });
    let lastCheckpoint = opts.resumeFrom ?? snapshot(0, 0, null);
    for (; epoch < config.epochs; epoch++) {
      const lr = learningRateAt(epoch, config, config.optimizer.headLr);
      if (!plan) {
        // Hard negatives from the current (EMA) embedding space, refreshed every epoch.
        const trainEmbeddings = embedRows(emaHead(), data.train.features);
        const pools = neighbourPools(trainEmbeddings, projectionDim, index, config.sampler.neighbourPool);
        plan = sampler.planEpoch(trainRows, config.batchSize, pools, samplerRng).batches;
      }
      for (let step = startStep; step < plan.length; step++) {
        if (opts.signal?.aborted) {
          const bytes = snapshot(epoch, step, null);
          emit({ type: 'checkpoint', epoch, step, emergency: false, bytes });
          return finish('cancelled', bytes);
        }
        const started = performance.now();
        const batch = plan[step]!;
        const mask = dropoutMask(batch.length, inputDim, config.projection.dropout, dropoutRng);
        let loss = Number.NaN;
        let gradNorm = Number.NaN;
        let grads = new Map<string, tf.Tensor>();
        tf.tidy(() => {
          const rows = tf.tensor1d(batch, 'int32');
          const x = tf.gather(trainX, rows) as tf.Tensor2D;
          const y = tf.gather(trainY, rows) as tf.Tensor1D;
          const m = tf.tensor2d(mask, [batch.length, inputDim]);
          const { value, grads: raw } = tf.variableGrads(
            () => arcFaceLoss(embed(params, x, m), params.get(PARAM.classWeights) as tf.Tensor2D, y, config),
            varList,
          );
          // variableGrads keys gradients by TF.js variable name; map them back to parameter names.
          const byParam = new Map([...params].map(([name, v]) => [name, raw[v.name]!]));
          if ([...byParam.values()].some((g) => !g)) throw new Error('autodiff returned no gradient for a head parameter');
          const clipped = clipByGlobalNorm(byParam, config.gradientClipNorm);
          for (const g of clipped.grads.values()) tf.keep(g);
          loss = value.dataSync()[0]!;
          gradNorm = clipped.norm;
          grads = clipped.grads;
        });
        const bad = !Number.isFinite(loss) ? `loss is ${loss}` : loss > config.guards.maxLoss ? `loss ${loss.toFixed(2)} exceeds ${config.guards.maxLoss}` : !Number.isFinite(gradNorm) ? `gradient norm is ${gradNorm}` : null;
        if (bad) {
          tf.dispose([...grads.values()]);
          // Saved before the bad update is applied: the last good weights, with the batch that broke them.
          const bytes = snapshot(epoch, step, `epoch ${epoch} step ${step}: ${bad}`);
          emit({ type: 'checkpoint', epoch, step, emergency: true, bytes });
          return finish('emergency-stop', bytes, `epoch ${epoch} step ${step}: ${bad}`);
        }
        optimizer.apply(grads, lr);
        tf.dispose([...grads.values()]);
        ema.update(params);
        partial = { lossSum: partial.lossSum + loss, gradNormSum: partial.gradNormSum + gradNorm, steps: partial.steps + 1, seconds: partial.seconds + (performance.now() - started) / 1000 };
        emit({ type: 'step', epoch, step, steps: plan.length, loss, lr, gradNorm });
        // Lets an AbortController or a message reach us between steps when run in-process.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const evalStarted = performance.now();
      const head = emaHead();
      const measured = measure(sets, ks, (f) => ({ vectors: embedRows(head, f), dim: projectionDim }));
      const record: EpochRecord = {
        epoch,
        lr,
        loss: partial.lossSum / Math.max(1, partial.steps),
        gradNorm: partial.gradNormSum / Math.max(1, partial.steps),
        seconds: partial.seconds + (performance.now() - evalStarted) / 1000,
        recall: measured.recall,
        syntheticToReal: measured.syntheticToReal,
      };
      history.push(record);
      emit({ type: 'epoch', record });
      for (const e of checkMonitors(history, monitor, config.guards)) emit(e);
      plan = null;
      startStep = 0;
      partial = { lossSum: 0, gradNormSum: 0, steps: 0, seconds: 0 };
      lastCheckpoint = snapshot(epoch + 1, 0, null);
      emit({ type: 'checkpoint', epoch: epoch + 1, step: 0, emergency: false, bytes: lastCheckpoint });
    }
    return finish('completed', lastCheckpoint);
  } finally {
    tf.dispose([trainX, trainY, ...params.values()]);
    optimizer.dispose();
    ema.dispose();
  }
}
