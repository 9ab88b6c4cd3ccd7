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
import { checkTrainingData, DOMAIN, rowCount, type LabelledFeatures, type TrainingData } from './dataset.js';
import { decodeCheckpoint, encodeCheckpoint, fingerprintTrainingData, type CheckpointState, type PartialEpoch } from './checkpoint.js';
import { RetrievalEvaluation, type EvaluationSource, type RetrievalScores } from './evaluate.js';
import { AdamW } from './optimizer.js';
import { WeightEma } from './ema.js';
import { clipByGlobalNorm } from './gradients.js';
import { arcFaceLoss, dropoutMask, embedForTraining, embedRows, foldedHeadWeights, initialHeadParams, initialHeadState, inputStandardisation, PARAM, STATE, trainableParamNames, updateMovingStatistics, type HeadShape, type HeadWeights } from './head.js';
import { fitLda, headWithLdaPart, ldaInitialisation } from './lda.js';
import { checkMonitors, type EpochRecord, type MonitorEvent, type MonitorState } from './monitors.js';
import { Rng } from './rng.js';
import { DomainAwareSampler, neighbourPools, ProductIndex } from './sampler.js';
import { learningRateAt } from './schedule.js';
import { useTfBackend } from './tf-backend.js';
import { checkTail, gatherMaps, tailDepth, tailForward, tailParam, tailRows, type TailWeights } from './tail.js';

export type TrainingEvent =
  | { type: 'started'; epochs: number; stepsPerEpoch: number; resumedAt: { epoch: number; step: number } | null; baseline: Recall }
  | { type: 'step'; epoch: number; step: number; steps: number; loss: number; lr: number; gradNorm: number }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'checkpoint'; epoch: number; step: number; emergency: boolean; bytes: Uint8Array }
  /** Backbone fine-tuning: the backbone maps (the input of the deepest unlocked layer) computed so far (training-worker.ts), before 'started'. */
  | { type: 'maps'; done: number; total: number }
  | MonitorEvent;

export type Recall = RetrievalScores;

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
  /** With backbone fine-tuning: the EMA weights of the backbone's fine-tuned layers, in the order they are applied (tail.ts). */
  tail: TailWeights[] | null;
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

/** Raw features, L2-normalised (they usually are already; this makes sure). */
function normalisedRows(features: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(features.length);
  for (let r = 0; r < features.length / dim; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += features[r * dim + k]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < dim; k++) out[r * dim + k] = features[r * dim + k]! * inv;
  }
  return out;
}

/** (x − mean)·invStd per row, as the head's input standardisation computes it. */
function standardisedRows(features: Float32Array, s: { mean: Float32Array; invStd: Float32Array }): Float32Array {
  const dim = s.mean.length;
  return Float32Array.from(features, (x, i) => (x - s.mean[i % dim]!) * s.invStd[i % dim]!);
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
  const fingerprint = fingerprintTrainingData(data);
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

  const shape: HeadShape = { inputDim, projectionDim, classes: classCount, batchNorm: config.projection.batchNorm, hiddenDim: config.projection.hiddenDim };
  const standardisation = config.projection.standardiseInputs && !resumed ? inputStandardisation(data.train.features, inputDim) : undefined;
  const init = resumed ? null : new Map([...initialHeadParams(shape, initRng), ...initialHeadState(shape, standardisation)]);
  if (init && config.projection.init === 'lda') {
    // The LDA is fitted on what the projection sees: the standardised rows when the head standardises.
    const seen = standardisation ? { ...data.train, features: standardisedRows(data.train.features, standardisation) } : data.train;
    const random = { kernel: init.get(PARAM.kernel)!.values, classWeights: init.get(PARAM.classWeights)!.values };
    const lda = ldaInitialisation(seen, classCount, projectionDim, random, { shrinkage: config.projection.ldaShrinkage, residualScale: config.projection.ldaResidualScale });
    init.set(PARAM.kernel, { shape: [inputDim, projectionDim], values: lda.kernel });
    init.set(PARAM.bias, { shape: [projectionDim], values: lda.bias });
    init.set(PARAM.classWeights, { shape: [classCount, projectionDim], values: lda.classWeights });
  }
  const trainable = new Set(trainableParamNames(shape));
  // config.backbone.fineTune: the backbone's last layers join the parameters (tail.ts), named by their depth from the top.
  const tail = data.tail ?? null;
  if (config.backbone.fineTune !== (tail !== null)) throw new Error(config.backbone.fineTune ? 'backbone fine-tuning needs the backbone maps of every row (data.tail)' : 'the data carries backbone maps but the config does not fine-tune the backbone');
  if (tail && tail.layers.length !== config.backbone.layers) throw new Error(`the data's backbone maps are for ${tail.layers.length} layer(s), the config unlocks ${config.backbone.layers}`);
  const tailNames = tail ? tail.layers.map((_, j) => tailParam(tail.layers.length - 1 - j)) : [];
  if (tail) {
    checkTail(tail, { train: trainRows, valid: rowCount(data.valid), gallery: data.gallery ? rowCount(data.gallery) : undefined }, inputDim);
    tail.layers.forEach((l, j) => {
      const names = tailNames[j]!;
      trainable.add(names.kernel);
      trainable.add(names.bias);
      init?.set(names.kernel, { shape: [l.inChannels, l.outChannels], values: tail.init[j]!.kernel });
      init?.set(names.bias, { shape: [l.outChannels], values: tail.init[j]!.bias });
    });
  }
  // Trainable parameters (optimised) and state (batch-norm moving statistics); the EMA and checkpoints cover both.
  const params = new Map<string, tf.Variable>();
  const state = new Map<string, tf.Variable>();
  const shapes: Record<string, number[]> = resumed?.shapes ?? Object.fromEntries([...init!].map(([k, v]) => [k, v.shape]));
  for (const [name, dims] of Object.entries(shapes)) {
    const values = resumed ? resumed.weights.get(name) : init!.get(name)!.values;
    if (!values) throw new Error(`checkpoint has no weights for ${name}`);
    const isParam = trainable.has(name);
    (isParam ? params : state).set(name, tf.variable(tf.tensor(values, dims), isParam, `${name}#${++variableRuns}`));
  }
  const allWeights = new Map([...params, ...state]);
  const kernelShape = shapes[PARAM.kernel]!;
  const fanIn = shape.hiddenDim > 0 ? shape.hiddenDim : inputDim;
  if (kernelShape[0] !== fanIn || kernelShape[1] !== projectionDim) throw new Error(`checkpoint projection is ${kernelShape.join('×')}, the run needs ${fanIn}×${projectionDim}`);
  if ((shapes[PARAM.hiddenKernel]?.[1] ?? 0) !== shape.hiddenDim) throw new Error('the checkpoint and the config disagree on the hidden layer');
  if ((PARAM.normGamma in shapes) !== config.projection.batchNorm) throw new Error('the checkpoint and the config disagree on the batch norm');
  if ((STATE.inputMean in shapes) !== config.projection.standardiseInputs) throw new Error('the checkpoint and the config disagree on input standardisation');
  if (tail && tail.layers.some((l, j) => shapes[tailNames[j]!.kernel]?.join('×') !== `${l.inChannels}×${l.outChannels}`)) throw new Error('the checkpoint and the data disagree on the fine-tuned backbone layers');
  const optimizer = new AdamW(params, config.optimizer);
  // The standardisation constants stay out of the EMA (averaging a constant would only add rounding).
  const constants = new Map([...state].filter(([k]) => k === STATE.inputMean || k === STATE.inputInvStd));
  const constantValues = new Map([...constants].map(([k, t]) => [k, Float32Array.from(t.dataSync())]));
  const ema = new WeightEma(new Map([...allWeights].filter(([k]) => !constants.has(k))), config.emaDecay);
  const history: EpochRecord[] = resumed ? [...resumed.history] : [];
  const monitor: MonitorState = resumed ? { ...resumed.monitor } : { onPlateau: false, diverging: false };
  if (resumed) {
    optimizer.restore({ step: resumed.optimizerStep, m: resumed.adamM, v: resumed.adamV });
    ema.restore(resumed.ema);
  }

  const index = new ProductIndex(data.train, classCount);
  const sampler = new DomainAwareSampler(index, config.sampler);
  const evaluation = new RetrievalEvaluation(data, config.evaluation.galleryDomains.map((d) => DOMAIN[d]), config.evaluation.ks, DOMAIN.real, DOMAIN.synthetic);
  const sourceSet = (s: EvaluationSource): LabelledFeatures => (s === 'gallery' ? data.gallery! : data[s]);
  /** The EMA weights of the fine-tuned backbone layer (null when the backbone is frozen). */
  const emaTail = (): TailWeights[] | null =>
    tail ? tailNames.map((names) => ({ kernel: Float32Array.from(ema.shadow.get(names.kernel)!.dataSync()), bias: Float32Array.from(ema.shadow.get(names.bias)!.dataSync()) })) : null;
  /** A set's feature rows as the backbone now makes them: its cached rows, or their final part recomputed through `w`. */
  const rowsOf = (s: EvaluationSource, w: TailWeights[] | null): Float32Array =>
    tail && w ? tailRows(tail, w, sourceSet(s).features, inputDim, s === 'gallery' ? tail.index.gallery! : tail.index[s]) : sourceSet(s).features;
  const baseline = evaluation.measure((s) => normalisedRows(sourceSet(s).features, inputDim), inputDim);
  // EMA embeddings of the train rows: evaluation makes them at each epoch's end, the next epoch's hard negatives reuse them.
  let trainEmbeddings: Float32Array | null = null;
  const trainX = tf.tensor2d(data.train.features, [trainRows, inputDim]);
  const trainY = tf.tensor1d(data.train.labels, 'int32');
  const varList = [...params.values()];

  let epoch = resumed?.epoch ?? 0;
  let startStep = resumed?.step ?? 0;
  let plan: Int32Array[] | null = resumed?.plan ?? null;
  let partial: PartialEpoch = resumed?.partial ?? { lossSum: 0, gradNormSum: 0, steps: 0, seconds: 0 };

  const emaHead = () => foldedHeadWeights(new Map([...ema.values(), ...constantValues]), inputDim, projectionDim);
  // projection.ldaMix: the served embedding joins an LDA of the train rows to the trained
  // head (fitted once; a resumed run refits the same one from the same rows).
  const ldaPart = config.projection.ldaMix > 0 ? fitLda(data.train, classCount, config.projection.ldaShrinkage) : null;
  /** What is evaluated, exported and used for hard negatives: the EMA head, with its LDA part when mixed. */
  const servedHead = (): HeadWeights => {
    const head = emaHead();
    return ldaPart ? headWithLdaPart(head, ldaPart, config.projection.ldaMix, data.train.features) : head;
  };
  const servedDim = ldaPart ? ldaPart.outputDim + projectionDim : projectionDim;
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
      // Whenever the epoch's plan has been drawn it is saved: the sampler's RNG has moved past it.
      plan,
      weights: new Map([...allWeights].map(([k, t]) => [k, Float32Array.from(t.dataSync())])),
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
    head: servedHead(),
    tail: emaTail(),
    checkpoint,
  });

  try {
    const stepsPerEpoch = sampler.planEpoch(trainRows, config.batchSize, [], new Rng(0)).batches.length;
    emit({ type: 'started', epochs: config.epochs, stepsPerEpoch, resumedAt: resumed ? { epoch, step: startStep } : null, baseline });
    let lastCheckpoint = opts.resumeFrom ?? snapshot(0, 0, null);
    for (; epoch < config.epochs; epoch++) {
      const lr = learningRateAt(epoch, config, config.optimizer.headLr);
      const backboneLr = learningRateAt(epoch, config, config.optimizer.backboneLr);
      if (!plan) {
        // Hard negatives from the current (EMA) embedding space, refreshed every epoch.
        trainEmbeddings ??= embedRows(servedHead(), rowsOf('train', emaTail()));
        const pools = neighbourPools(trainEmbeddings, servedDim, index, config.sampler.neighbourPool);
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
        let moments: { mean: tf.Tensor1D; variance: tf.Tensor1D } | null = null;
        tf.tidy(() => {
          const rows = tf.tensor1d(batch, 'int32');
          const cached = tf.gather(trainX, rows) as tf.Tensor2D;
          const maps = tail ? gatherMaps(tail, tail.index.train, batch) : null;
          const y = tf.gather(trainY, rows) as tf.Tensor1D;
          const m = tf.tensor2d(mask, [batch.length, inputDim]);
          const { value, grads: raw } = tf.variableGrads(
            () => {
              // With fine-tuning the rows are made here, inside the differentiated function, so the loss reaches the layer.
              const x = tail && maps ? tailForward(tail, tailNames.map((names) => ({ kernel: params.get(names.kernel)!, bias: params.get(names.bias)! })), maps, cached) : cached;
              const forward = embedForTraining(params, x, m);
              if (forward.moments) moments = { mean: tf.keep(forward.moments.mean), variance: tf.keep(forward.moments.variance) };
              return arcFaceLoss(forward.embeddings, params.get(PARAM.classWeights) as tf.Tensor2D, y, config);
            },
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
        const batchMoments = moments as { mean: tf.Tensor1D; variance: tf.Tensor1D } | null;
        const releaseStep = () => tf.dispose([...grads.values(), ...(batchMoments ? [batchMoments.mean, batchMoments.variance] : [])]);
        if (bad) {
          releaseStep();
          // Saved before the bad update is applied: the last good weights, with the batch that broke them.
          const bytes = snapshot(epoch, step, `epoch ${epoch} step ${step}: ${bad}`);
          emit({ type: 'checkpoint', epoch, step, emergency: true, bytes });
          return finish('emergency-stop', bytes, `epoch ${epoch} step ${step}: ${bad}`);
        }
        // Layer-wise decay: each layer deeper than the final convolution learns layerDecay times slower.
        optimizer.apply(grads, tail ? (name) => ((d) => (d === null ? lr : backboneLr * config.backbone.layerDecay ** d))(tailDepth(name)) : lr);
        if (batchMoments) updateMovingStatistics(state, batchMoments, batch.length);
        releaseStep();
        ema.update(allWeights);
        partial = { lossSum: partial.lossSum + loss, gradNormSum: partial.gradNormSum + gradNorm, steps: partial.steps + 1, seconds: partial.seconds + (performance.now() - started) / 1000 };
        emit({ type: 'step', epoch, step, steps: plan.length, loss, lr, gradNorm });
        // Lets an AbortController or a message reach us between steps when run in-process.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const evalStarted = performance.now();
      const head = servedHead();
      const tailNow = emaTail();
      trainEmbeddings = embedRows(head, rowsOf('train', tailNow));
      const embedded = new Map<EvaluationSource, Float32Array>([['train', trainEmbeddings]]);
      const measured = evaluation.measure((s) => {
        if (!embedded.has(s)) embedded.set(s, embedRows(head, rowsOf(s, tailNow)));
        return embedded.get(s)!;
      }, servedDim);
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
    tf.dispose([trainX, trainY, ...allWeights.values()]);
    optimizer.dispose();
    ema.dispose();
  }
}
