/**
 * The training feature's service: starts, estimates, cancels and resumes runs (the
 * training.run job), does the job's work (the dataset's images → cached backbone
 * features → the trainer in its worker thread, a checkpoint blob per epoch → the head
 * exported as ONNX), records the model in the job's completing transaction, and serves
 * trained models as embedders (their vector: the parent embedder's vector through the
 * head), one of which may be the active embedder.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  ContractError,
  DEFAULT_EMBEDDER_ID,
  DEFAULT_TRAINING_BACKBONE_ID,
  type TrainedModel,
  type TrainingErrorCode,
  type TrainingEstimate,
  type TrainingRun,
  type TrainingStartInput,
} from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import type { EventBus } from '../../engine/events.js';
import { newId } from '../../engine/ids.js';
import { PermanentError } from '../../engine/queue/errors.js';
import type { Queue } from '../../engine/queue/queue.js';
import type { CommitContext, JobContext } from '../../engine/queue/types.js';
import type { BlobCollector } from '../../engine/store/blob-collector.js';
import type { BlobStore } from '../../engine/store/blob-store.js';
import type { DatasetsApi } from '../datasets/public.js';
import { fineTunedBackboneHandle, isFineTunableEmbedder, offlineTailLayerNames, offlineTailMapBytes, TailMapCache, type EmbedderHandle, type EmbeddingsApi } from '../embeddings/public.js';
import { parseTrainingConfig, type TrainingConfig } from './config.js';
import { DOMAIN, type LabelledFeatures, type TrainingData } from './dataset.js';
import { estimateSeconds, readThroughput, recordThroughput, THROUGHPUT_KEYS, trainRowsPerEpoch } from './estimate.js';
import { recallAtK } from './evaluate.js';
import { applyHead, readHeadModel } from './head-model.js';
import type { HeadWeights } from './head.js';
import { trainingRunJob, type TrainingRunPayload, type TrainingRunResult, type TrainingStage } from './jobs/training-run.js';
import { exportTrainedModel } from './manifest.js';
import { modelIdOfRun, ModelRepository, toTrainedModel, type StoredModel } from './model-repository.js';
import { epochFromRecord, nanGuardEvent, restartedEvent, runEventFromMonitor } from './progress.js';
import { RunRepository } from './run-repository.js';
import { countItems, splitProblem, trainingItems, type TrainingItem } from './training-items.js';
import { renderView, withViewRows, type TrainingViewName } from './views.js';
import { trainInWorker } from './train-in-worker.js';
import type { TrainingEvent } from './trainer.js';
import type { TailRequest, TrainingWorkerResult } from './training-protocol.js';
import { checkpointProblem } from './checkpoint.js';

export interface TrainingDeps {
  db: Db;
  store: BlobStore;
  blobs: BlobCollector;
  events: EventBus;
  queue: Queue;
  datasets: DatasetsApi;
  embeddings: EmbeddingsApi;
  /** Where fine-tuning keeps its backbone maps between runs (embeddings' TailMapCache). */
  tailMapsDir: string;
  /** Free disk space the maps cache leaves (TailMapCache's MIN_FREE_BYTES unless set). */
  tailMapsMinFreeBytes?: number;
}

/** A refusal the UI words by its code. */
function refusal(errorCode: TrainingErrorCode, reason: string, code: 'invalid_input' | 'not_found' | 'unavailable' = 'invalid_input'): ContractError {
  return Object.assign(new ContractError(code, reason), { errorCode });
}

/** The embedder id of a fine-tuned model's own backbone (its vectors are cached under it). */
const fineTunedBackboneId = (modelId: string) => `${modelId}#backbone`;

/** Step snapshots are written at most this often (the epoch ones always). */
const STEP_WRITE_MS = 1000;

interface PreparedData {
  data: TrainingData;
  items: TrainingItem[];
  counts: ReturnType<typeof countItems>;
  /** Test split rows (raw backbone features), for the figures at the end. */
  test: { gallery: LabelledFeatures; queries: LabelledFeatures } | null;
  trainProducts: number;
  /** The item behind each row of each set (train rows before any views), in row order: what fine-tuning computes maps of. */
  rows: { train: TrainingItem[]; valid: TrainingItem[]; gallery: TrainingItem[]; testGallery: TrainingItem[]; testQueries: TrainingItem[] };
}

export class TrainingService {
  readonly runs: RunRepository;
  readonly models: ModelRepository;
  private readonly heads = new Map<string, HeadWeights>();
  private readonly unsubscribe: () => void;
  /** Set by close(): a job still winding down after the engine closed writes nothing more. */
  private closed = false;

  constructor(private readonly deps: TrainingDeps) {
    this.runs = new RunRepository(deps.db);
    this.models = new ModelRepository(deps.db);
    deps.embeddings.embedders.addSource({
      list: () =>
        this.models.list().map((m) => ({
          id: m.id,
          name: `${m.name} v${m.version}`,
          dimension: m.dimension,
          installed: true,
          source: 'trained' as const,
          licence: 'Your own model',
          description: `Trained on ${m.datasetName} (${m.classes} products) on top of ${m.backboneId}`,
        })),
      dimension: (id) => this.models.find(id)?.dimension ?? null,
      handle: (id, handleOf) => {
        const m = this.models.find(id);
        return m ? this.handleOf(m, handleOf) : null;
      },
    });
    // A run's job ended outside the service's own calls (the Queue page's cancel, a poison job).
    this.unsubscribe = deps.events.subscribe((event) => {
      if (event.type !== 'job.cancelled' && event.type !== 'job.failed') return;
      const p = event.payload as { jobId?: string; type?: string; error?: string | null; errorCode?: string | null };
      if (p.type !== 'training.run' || !p.jobId) return;
      const id = this.runs.idOfJob(p.jobId);
      if (!id) return;
      const run = this.runs.get(id);
      if (!run || run.state === 'done' || run.state === 'failed' || run.state === 'cancelled') return;
      if (event.type === 'job.cancelled') this.patch(id, { state: 'cancelled', stage: null, step: null, finishedAt: Date.now() });
      else this.patch(id, { state: 'failed', stage: null, step: null, error: p.error ?? 'the training job failed', errorCode: 'training_failed', finishedAt: Date.now() });
    });
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
  }

  // ── Runs ────────────────────────────────────────────────────────────────────────────

  private backboneOf(input: TrainingStartInput): string {
    const id = input.backboneModelId ?? DEFAULT_TRAINING_BACKBONE_ID;
    const info = this.deps.embeddings.embedders.list().find((m) => m.id === id);
    if (!info) throw refusal('backbone_unavailable', `no embedder ${id}`, 'not_found');
    if (!info.installed) throw refusal('backbone_unavailable', `embedder ${id} is not installed: install it on the Models page first`, 'unavailable');
    if (info.source === 'trained') throw refusal('backbone_unavailable', `${info.name} is a trained model: train on its backbone (${this.models.find(id)?.backboneId ?? 'the offline default'}) instead`);
    return id;
  }

  private itemsOf(datasetId: string): { name: string; items: TrainingItem[] } {
    const { store } = this.deps.datasets;
    let dataset;
    try {
      dataset = store.get(datasetId);
    } catch {
      throw refusal('dataset_not_found', `no dataset ${datasetId}`, 'not_found');
    }
    return { name: dataset.name, items: trainingItems(this.deps.db, datasetId, store.members(datasetId)) };
  }

  /** The recipe with the evaluation's recall@1 and @5 always measured (the UI shows them). */
  private configOf(input: TrainingStartInput): TrainingConfig {
    const config = parseTrainingConfig(input.config ?? {});
    const ks = [...new Set([1, 5, ...config.evaluation.ks])].sort((a, b) => a - b) as [number, ...number[]];
    return { ...config, evaluation: { ...config.evaluation, ks } };
  }

  estimate(input: TrainingStartInput): TrainingEstimate {
    const { items } = this.itemsOf(input.datasetId);
    const backboneId = this.backboneOf(input);
    const config = this.configOf(input);
    const counts = countItems(items);
    const problem = splitProblem(items) ?? fineTuneProblem(config, backboneId, items);
    const { vectors } = this.deps.embeddings;
    const shas = new Set(items.map((i) => i.sha256));
    let imagesToEmbed = 0;
    for (const sha of shas) if (!vectors.has(backboneId, sha)) imagesToEmbed++;
    // Each view is one more embedding of every train image not cached yet, and one more pass of them per epoch.
    const views = config.data.views;
    const trainShas = new Set(items.filter((i) => i.split === 'train').map((i) => i.sha256));
    for (const view of views) for (const sha of trainShas) if (!vectors.has(`${backboneId}#${view}`, sha)) imagesToEmbed++;
    // Fine-tuning computes the backbone map of every image (and each view of the train ones) not kept by an earlier run.
    if (config.backbone.fineTune && !problem) {
      const kept = new TailMapCache(this.deps.tailMapsDir, backboneId, config.backbone.layers).keptSync();
      for (const sha of shas) if (!kept.has(TailMapCache.keyOf(sha, null))) imagesToEmbed++;
      for (const view of views) for (const sha of trainShas) if (!kept.has(TailMapCache.keyOf(sha, view))) imagesToEmbed++;
    }
    const throughput = readThroughput(this.deps.db, backboneId, { fineTune: config.backbone.fineTune });
    const e = estimateSeconds({ trainRows: trainRowsPerEpoch(counts, views.length), epochs: config.epochs, imagesToEmbed, throughput });
    return { ok: !problem, errorCode: problem?.errorCode ?? null, reason: problem?.reason ?? null, backboneId, counts, imagesToEmbed, ...e, basis: throughput.basis };
  }

  start(input: TrainingStartInput): TrainingRun {
    const { name, items } = this.itemsOf(input.datasetId);
    const backboneId = this.backboneOf(input);
    const config = this.configOf(input);
    const problem = splitProblem(items) ?? fineTuneProblem(config, backboneId, items);
    if (problem) throw refusal(problem.errorCode, problem.reason);
    const id = newId();
    const now = Date.now();
    this.deps.db.transaction(() => {
      this.runs.create({ id, datasetId: input.datasetId, datasetName: name, backboneId, config, now });
      const { id: jobId } = this.deps.queue.enqueue(trainingRunJob, { runId: id }, { label: `${name} · ${backboneId}` });
      this.runs.update(id, { jobId }, now);
    })();
    return this.emit(id);
  }

  list(): TrainingRun[] {
    return this.runs.ids().map((id) => this.runs.get(id)!);
  }

  get(id: string): TrainingRun {
    const run = this.runs.get(id);
    if (!run) throw new ContractError('not_found', `no training run ${id}`);
    return run;
  }

  cancel(id: string): TrainingRun {
    const run = this.get(id);
    if (run.state !== 'queued' && run.state !== 'running' && run.state !== 'paused') return run;
    // The state first: the job's end (its own or the event) then keeps it.
    this.patch(id, { state: 'cancelled', stage: null, step: null, finishedAt: Date.now() });
    if (run.jobId) {
      try {
        this.deps.queue.cancel(run.jobId);
      } catch {
        // The job already ended: the run's state is all there is to change.
      }
    }
    return this.get(id);
  }

  resume(id: string): TrainingRun {
    const run = this.get(id);
    if (run.state === 'queued' || run.state === 'running') return run;
    if (run.state === 'done') throw new ContractError('conflict', 'this run is finished; start a new one to train again');
    if (run.errorCode === 'nan_guard') throw new ContractError('conflict', 'this run was stopped by the NaN guard: resuming it would take the same step again; start a new run with a lower learning rate');
    // A cancel is recorded at once, but the job stops at its next step and then saves its checkpoint.
    const previous = run.jobId ? this.jobState(run.jobId) : null;
    if (previous === 'running' && run.state !== 'paused') throw new ContractError('conflict', 'the run is still stopping (saving its checkpoint); resume it in a moment');
    // Paused after a restart with its job still in the queue: that job resumes it; a second one would train it twice.
    if (previous === 'pending' || previous === 'paused' || previous === 'running') return run;
    const now = Date.now();
    this.deps.db.transaction(() => {
      const { id: jobId } = this.deps.queue.enqueue(trainingRunJob, { runId: id }, { label: `${run.datasetName} · ${run.backboneId}` });
      this.runs.update(id, { state: 'queued', stage: null, error: null, errorCode: null, finishedAt: null, jobId }, now);
    })();
    return this.emit(id);
  }

  delete(id: string): { deleted: boolean } {
    const run = this.runs.get(id);
    if (!run) return { deleted: false };
    if (run.state === 'queued' || run.state === 'running') throw new ContractError('conflict', 'cancel the run before deleting it');
    // A cancelled run's job may still be stopping (its last epoch and checkpoint on their
    // way); deleting under it would leave those writes without their run.
    const job = run.jobId ? this.jobState(run.jobId) : null;
    if (job === 'running' || job === 'pending' || job === 'paused') throw new ContractError('conflict', 'the run is still stopping (saving its checkpoint); delete it in a moment');
    this.deps.db.transaction(() => {
      const checkpoint = this.runs.checkpointOf(id);
      this.runs.delete(id);
      if (checkpoint) this.deps.blobs.release([checkpoint]);
    })();
    return { deleted: true };
  }

  /** After a crash: a run left `running` continues (its job was requeued) or ends as its job did. */
  settle(): void {
    for (const run of this.list()) {
      if (run.state !== 'running' && run.state !== 'queued') continue;
      const job = run.jobId ? this.jobState(run.jobId) : null;
      if (job === 'cancelled') this.patch(run.id, { state: 'cancelled', stage: null, step: null });
      else if (job === 'failed' || job === null) this.patch(run.id, { state: 'failed', stage: null, step: null, error: run.error ?? 'the training job ended without a result', errorCode: run.errorCode ?? 'training_failed' });
      else if (run.state === 'running') this.patch(run.id, { state: 'paused', stage: null, step: null });
    }
  }

  /** Clears a run's epochs for a start from epoch 1, with the reason as an event. */
  private restartFromScratch(runId: string, reason: string): void {
    this.deps.db.transaction(() => {
      this.runs.clearEpochs(runId);
      this.runs.addEvent(runId, restartedEvent(reason, Date.now()));
    })();
    this.patch(runId, { epochsCompleted: 0, step: null });
  }

  private jobState(jobId: string): string | null {
    try {
      return this.deps.queue.get(jobId).state;
    } catch {
      return null;
    }
  }

  private patch(id: string, patch: Parameters<RunRepository['update']>[1]): TrainingRun | null {
    if (this.closed) return null;
    this.runs.update(id, patch, Date.now());
    return this.emit(id);
  }

  private emit(id: string): TrainingRun {
    const run = this.get(id);
    this.deps.events.emit('training.progress', run);
    return run;
  }

  // ── The job ─────────────────────────────────────────────────────────────────────────

  async work(p: TrainingRunPayload, ctx: JobContext<unknown, TrainingStage>): Promise<TrainingRunResult> {
    const run = this.runs.get(p.runId);
    if (!run) throw new PermanentError(`training run ${p.runId} was deleted`, { code: 'not_found' });
    if (run.state === 'cancelled') throw new PermanentError('the run was cancelled before it started', { code: 'cancelled' });
    // A run finished by another job (two jobs for one run, from an older engine) is not trained again.
    if (run.state === 'done') throw new PermanentError('the run is already finished', { code: 'conflict' });
    const fail = (errorCode: TrainingErrorCode, reason: string): never => {
      this.patch(run.id, { state: 'failed', stage: null, step: null, error: reason, errorCode, finishedAt: Date.now() });
      throw new PermanentError(reason, { code: errorCode });
    };
    this.patch(run.id, { state: 'running', stage: 'preparing', jobId: ctx.jobId, error: null, errorCode: null });
    ctx.progress('preparing', null);

    let prepared: PreparedData;
    try {
      prepared = await this.prepare(run, ctx);
    } catch (err) {
      if (ctx.signal.aborted) throw this.stopped(run.id, err);
      const code = (err as { errorCode?: TrainingErrorCode }).errorCode;
      return fail(code && code !== 'training_failed' ? code : 'embedding_failed', (err as Error).message);
    }

    // Training, from the run's last checkpoint when it has one made on this same data.
    this.patch(run.id, { stage: 'training', embedding: null });
    ctx.progress('training', 0);
    const checkpointSha = this.runs.checkpointOf(run.id);
    let resumeFrom: Uint8Array | undefined = checkpointSha ? await this.readBlob(checkpointSha) : undefined;
    // A checkpoint that is gone or damaged (a disk error, a crash while it was written) would
    // fail every resume: the run trains from epoch 1 instead, and says so.
    const unusable = !checkpointSha
      ? null
      : !resumeFrom
        ? 'the checkpoint file is missing'
        : createHash('sha256').update(resumeFrom).digest('hex') !== checkpointSha
          ? 'the checkpoint file is damaged (its content no longer matches its checksum)'
          : checkpointProblem(resumeFrom);
    if (unusable) {
      resumeFrom = undefined;
      this.restartFromScratch(run.id, unusable);
    }
    let result: TrainingWorkerResult;
    try {
      result = await this.train(run, prepared, resumeFrom, ctx);
    } catch (err) {
      if (resumeFrom && /other training data|classes, the data|checkpoint/.test((err as Error).message)) {
        // The dataset changed since the checkpoint (or it does not fit the run): train again from the start.
        resumeFrom = undefined;
        this.restartFromScratch(run.id, (err as Error).message);
        result = await this.train(run, prepared, undefined, ctx).catch((e2: unknown) => {
          if (ctx.signal.aborted) throw this.stopped(run.id, e2);
          return fail('training_failed', (e2 as Error).message);
        });
      } else {
        if (ctx.signal.aborted) throw this.stopped(run.id, err);
        return fail('training_failed', (err as Error).message);
      }
    }
    await this.saveCheckpoint(run.id, result.checkpoint);
    if (result.status === 'cancelled') throw this.stopped(run.id, ctx.signal.reason);
    if (result.status === 'emergency-stop') {
      const reason = result.reason ?? 'a NaN or a runaway loss';
      this.runs.addEvent(run.id, nanGuardEvent(result.epochsCompleted, reason, Date.now()));
      return fail('nan_guard', `the run stopped at epoch ${result.epochsCompleted + 1}: ${reason}; an emergency checkpoint was saved`);
    }

    // Export: the head as ONNX (the EMA weights), its manifest, and the test split's figures.
    this.patch(run.id, { stage: 'exporting', step: null });
    ctx.progress('exporting', 0);
    if (run.config.backbone.fineTune && !result.backboneOnnx) return fail('training_failed', 'the fine-tuned backbone was not built');
    const fineTunedBackbone = result.backboneOnnx ? { onnx: result.backboneOnnx, layers: offlineTailLayerNames(run.config.backbone.layers) } : undefined;
    const { onnx, manifest } = exportTrainedModel({ result, config: run.config, data: prepared.data, parentModel: { id: run.backboneId }, datasetId: run.datasetId, fineTunedBackbone });
    const { sha256, bytes } = await this.deps.store.putBuffer(onnx);
    // A fine-tuned backbone is the model's too: its graph (built by the worker) is stored beside the head.
    const backbone = result.backboneOnnx ? await this.deps.store.putBuffer(result.backboneOnnx) : null;
    const testSets = prepared.test && backbone ? { gallery: { ...prepared.test.gallery, features: result.tailed.testGallery! }, queries: { ...prepared.test.queries, features: result.tailed.testQueries! } } : prepared.test;
    const test = testSets ? await this.testFigures(testSets, result.head) : null;
    const model: StoredModel = {
      id: modelIdOfRun(run.id),
      runId: run.id,
      // The version is shown beside the name (cards, lists); the name is the user's to change.
      name: run.datasetName,
      version: this.models.nextVersion(run.datasetId, run.backboneId),
      backboneId: run.backboneId,
      datasetId: run.datasetId,
      datasetName: run.datasetName,
      dimension: manifest.dimension,
      classes: prepared.trainProducts,
      manifest,
      onnxSha256: sha256,
      bytes: bytes + (backbone?.bytes ?? 0),
      backboneSha256: backbone?.sha256 ?? null,
      createdAt: Date.now(),
    };
    ctx.progress('exporting', 100);
    // Cancelled while exporting: the user's word stands, no model appears after it.
    if (ctx.signal.aborted) throw this.stopped(run.id, ctx.signal.reason);
    return { runId: run.id, model, test };
  }

  record(_ctx: CommitContext<unknown>, r: TrainingRunResult): void {
    // A cancel that landed between the work and this commit stands too.
    if (this.runs.get(r.runId)?.state === 'cancelled') return;
    this.models.insert(r.model);
    this.runs.update(r.runId, { state: 'done', stage: null, step: null, modelId: r.model.id, test: r.test, finishedAt: Date.now() }, Date.now());
    // After the transaction: listeners read committed rows.
    setImmediate(() => {
      if (this.runs.get(r.runId)?.state !== 'done') return;
      this.emit(r.runId);
      this.deps.events.emit('training.modelsChanged', { ids: [r.model.id] });
    });
  }

  /** The run stopped mid-way (cancel or shutdown): paused unless the user cancelled it. The error the queue records. */
  private stopped(runId: string, reason: unknown): Error {
    if (this.runs.get(runId)?.state === 'running') this.patch(runId, { state: 'paused', stage: null, step: null });
    return reason instanceof Error ? reason : new Error('the training run was stopped');
  }

  private async prepare(run: TrainingRun, ctx: JobContext<unknown, TrainingStage>): Promise<PreparedData> {
    const { items } = this.itemsOf(run.datasetId);
    const counts = countItems(items);
    const problem = splitProblem(items);
    if (problem) throw Object.assign(new Error(problem.reason), { errorCode: problem.errorCode });
    this.patch(run.id, { counts, stage: 'embedding', embedding: null });
    ctx.progress('embedding', 0);
    const started = performance.now();
    const views = run.config.data.views;
    const trainItems = items.filter((it) => it.split === 'train').length;
    const progress = this.embeddingProgress(run, counts, started, ctx);
    // One count for the backbone's images (those not cached) and then each view's train images.
    let backboneTotal = 0;
    const embedded = await this.deps.embeddings.embedItems(run.backboneId, items, ctx.signal, (done, total) => {
      backboneTotal = total;
      progress(done, total + views.length * trainItems);
    });
    if (embedded.embedded > 0) {
      const seconds = (performance.now() - started) / 1000 / embedded.embedded;
      for (const key of [THROUGHPUT_KEYS.embeddedImage, THROUGHPUT_KEYS.embeddedImageBy(run.backboneId)]) recordThroughput(this.deps.db, key, seconds, Date.now());
    }
    const usable = items.filter((it) => embedded.vectors.has(it.id));
    const usableCounts = countItems(usable);
    const stillOk = splitProblem(usable);
    if (stillOk) throw Object.assign(new Error(`${stillOk.reason} once the images that cannot be embedded are left out (${embedded.failures.length})`), { errorCode: 'embedding_failed' as const });
    const prepared = buildTrainingData(usable, (it) => embedded.vectors.get(it.id)!, usableCounts);
    if (views.length === 0) return prepared;
    const train = usable.filter((it) => it.split === 'train');
    const viewFeatures: Float32Array[] = [];
    const total = backboneTotal + views.length * train.length;
    for (const [v, view] of views.entries()) {
      viewFeatures.push(await this.viewFeatures(run.backboneId, view, train, (it) => embedded.vectors.get(it.id)!, ctx.signal, (done) => progress(backboneTotal + v * train.length + done, total)));
    }
    return { ...prepared, data: withViewRows(prepared.data, viewFeatures) };
  }

  /**
   * Reports embedding progress to the job (every call) and to the run (the first, the
   * last, and at most twice a second between), with the seconds left for the whole run:
   * the images left at the rate measured so far (this machine's last rate for the
   * backbone before the first image is done), then the epochs left at the last epoch rate.
   */
  private embeddingProgress(run: TrainingRun, counts: ReturnType<typeof countItems>, started: number, ctx: JobContext<unknown, TrainingStage>): (done: number, total: number) => void {
    const throughput = readThroughput(this.deps.db, run.backboneId, { fineTune: run.config.backbone.fineTune });
    const trainingSeconds = estimateSeconds({ trainRows: trainRowsPerEpoch(counts, run.config.data.views.length), epochs: Math.max(0, run.epochs - run.epochsCompleted), imagesToEmbed: 0, throughput }).seconds;
    let lastWrite = -Infinity;
    return (done, total) => {
      ctx.progress('embedding', total ? (100 * done) / total : 100);
      const now = performance.now();
      if (done > 0 && done < total && now - lastWrite < 500) return;
      lastWrite = now;
      const perImage = done > 0 ? (now - started) / 1000 / done : throughput.secondsPerEmbeddedImage;
      this.patch(run.id, { embedding: { done, total, etaSeconds: Math.max(0, total - done) * perImage + trainingSeconds } });
    };
  }

  /**
   * A view's features of the train rows, in their order: cached in the vector store per
   * image bytes under the model id `<backbone>#<view>` (a view is a fixed sharp pipeline
   * of the image, views.ts), so a rerun renders and embeds nothing. An image whose view
   * cannot be made keeps its own vector for that row.
   */
  private async viewFeatures(backboneId: string, view: TrainingViewName, rows: readonly TrainingItem[], own: (it: TrainingItem) => Float32Array, signal: AbortSignal, progress: (done: number) => void): Promise<Float32Array> {
    const { vectors } = this.deps.embeddings;
    const key = `${backboneId}#${view}`;
    const dim = own(rows[0]!).length;
    const todo = [...new Set(rows.map((it) => it.sha256))].filter((sha) => !vectors.has(key, sha));
    const CHUNK = 16;
    for (let i = 0; i < todo.length; i += CHUNK) {
      signal.throwIfAborted();
      const chunk = todo.slice(i, i + CHUNK);
      const rendered = await Promise.all(chunk.map((sha) => renderView(this.deps.store.pathOf(sha), view).catch(() => null)));
      const ok = chunk.flatMap((sha, k) => (rendered[k] ? [{ sha, bytes: rendered[k] }] : []));
      const answers = await this.deps.embeddings.embedFiles(backboneId, ok.map((o) => o.bytes), signal);
      vectors.putMany(key, ok.flatMap((o, k) => ('vector' in answers[k]! ? [{ sha256: o.sha, vector: answers[k].vector }] : [])));
      progress(Math.min(rows.length, i + chunk.length));
    }
    const out = new Float32Array(rows.length * dim);
    rows.forEach((it, r) => out.set(vectors.get(key, it.sha256) ?? own(it), r * dim));
    return out;
  }

  private async train(run: TrainingRun, prepared: PreparedData, resumeFrom: Uint8Array | undefined, ctx: JobContext<unknown, TrainingStage>): Promise<TrainingWorkerResult> {
    let lastStepWrite = 0;
    const tail = run.config.backbone.fineTune ? this.tailRequest(run, prepared) : undefined;
    // Made at the worker's first maps event: its clock starts once the kept maps are read, so
    // the ETA is the rate of the maps actually computed.
    let mapsProgress: ((done: number, total: number) => void) | null = null;
    let writes = Promise.resolve();
    const trainRows = prepared.data.train.labels.length;
    const onEvent = (e: TrainingEvent) => {
      // A worker's late events for a run that no longer exists are dropped, never thrown
      // into the pool's message handler (an uncaught error there ends the engine).
      if (this.closed || !this.runs.get(run.id)) return;
      const now = Date.now();
      if (e.type === 'maps') {
        // Every map kept by an earlier run: nothing to embed, training comes next.
        if (e.total === 0) return;
        if (e.done === 0) {
          this.patch(run.id, { stage: 'embedding' });
          mapsProgress = this.embeddingProgress(run, prepared.counts, performance.now(), ctx);
        }
        mapsProgress?.(e.done, e.total);
      } else if (e.type === 'started') {
        if (tail) {
          this.patch(run.id, { stage: 'training', embedding: null });
          ctx.progress('training', 0);
        }
        this.patch(run.id, { baseline: { recall: { at1: e.baseline.recall['1'] ?? 0, at5: e.baseline.recall['5'] ?? 0 }, syntheticToReal: e.baseline.syntheticToReal ? { at1: e.baseline.syntheticToReal['1'] ?? 0, at5: e.baseline.syntheticToReal['5'] ?? 0 } : null } });
      } else if (e.type === 'step') {
        ctx.progress('training', (100 * (e.epoch + e.step / e.steps)) / run.epochs);
        if (now - lastStepWrite >= STEP_WRITE_MS) {
          lastStepWrite = now;
          this.patch(run.id, { step: { epoch: e.epoch + 1, step: e.step + 1, steps: e.steps } });
        }
      } else if (e.type === 'epoch') {
        this.runs.putEpoch(run.id, epochFromRecord(e.record));
        recordThroughput(this.deps.db, tail ? THROUGHPUT_KEYS.rowEpochFineTuned : THROUGHPUT_KEYS.rowEpoch, e.record.seconds / Math.max(1, trainRows), now);
        this.patch(run.id, { epochsCompleted: e.record.epoch + 1 });
      } else if (e.type === 'checkpoint') {
        const bytes = e.bytes;
        writes = writes.then(() => this.saveCheckpoint(run.id, bytes)).catch((err: unknown) => console.warn(`[training] checkpoint of ${run.id} not saved`, err));
      } else if (e.type === 'plateau' || e.type === 'divergence') {
        this.runs.addEvent(run.id, runEventFromMonitor(e, now));
        this.emit(run.id);
      }
    };
    const result = await trainInWorker(prepared.data, { config: resumeFrom ? undefined : run.config, resumeFrom, signal: ctx.signal, kill: ctx.stopSignal, onEvent, tail });
    await writes;
    return result;
  }

  /**
   * Fine-tuning's images: each distinct image (and, for the train rows, each view of it)
   * once, and for every row of every set the index of its image, in the sets' row order
   * (train rows: the images, then each view's copies, as withViewRows appends them).
   */
  private tailRequest(run: TrainingRun, prepared: PreparedData): TailRequest {
    const images: TailRequest['images'] = [];
    const seen = new Map<string, number>();
    const indexOf = (it: TrainingItem, view: TrainingViewName | null): number => {
      const key = `${it.sha256}|${view ?? ''}`;
      let i = seen.get(key);
      if (i === undefined) {
        i = images.length;
        seen.set(key, i);
        images.push({ path: this.deps.store.pathOf(it.sha256), sha256: it.sha256, view });
      }
      return i;
    };
    const { rows } = prepared;
    const train = [null, ...run.config.data.views].flatMap((view) => rows.train.map((it) => indexOf(it, view)));
    const index = { train: Int32Array.from(train), valid: Int32Array.from(rows.valid, (it) => indexOf(it, null)), gallery: Int32Array.from(rows.gallery, (it) => indexOf(it, null)) };
    const extra = prepared.test
      ? [
          { name: 'testGallery', dimension: prepared.test.gallery.dimension, features: prepared.test.gallery.features, index: Int32Array.from(rows.testGallery, (it) => indexOf(it, null)) },
          { name: 'testQueries', dimension: prepared.test.queries.dimension, features: prepared.test.queries.features, index: Int32Array.from(rows.testQueries, (it) => indexOf(it, null)) },
        ]
      : [];
    return { embedderId: run.backboneId, layers: run.config.backbone.layers, images, index, extra, cache: { root: this.deps.tailMapsDir, capBytes: fineTuneMemoryBudget(), minFreeBytes: this.deps.tailMapsMinFreeBytes } };
  }

  private async readBlob(sha256: string): Promise<Uint8Array | undefined> {
    try {
      return await fs.readFile(this.deps.store.pathOf(sha256));
    } catch {
      return undefined;
    }
  }

  /** Stores a checkpoint and makes it the run's (the one it replaces may leave the store). */
  private async saveCheckpoint(runId: string, bytes: Uint8Array): Promise<void> {
    if (this.closed) return;
    const { sha256 } = await this.deps.store.putBuffer(bytes);
    if (this.closed) return;
    this.deps.db.transaction(() => {
      const previous = this.runs.checkpointOf(runId);
      if (previous === sha256) return;
      this.runs.update(runId, { checkpointSha256: sha256 }, Date.now());
      if (previous) this.deps.blobs.release([previous]);
    })();
    this.emit(runId);
  }

  /** Test split, before and after: real test photos against train + test images. Yields between rows (main thread). */
  private async testFigures(test: NonNullable<PreparedData['test']>, head: HeadWeights): Promise<TrainingRunResult['test']> {
    const project = async (set: LabelledFeatures): Promise<Float32Array> => {
      const out = new Float32Array(set.labels.length * head.projectionDim);
      for (let r = 0; r < set.labels.length; r++) {
        out.set(applyHead(head, set.features.subarray(r * set.dimension, (r + 1) * set.dimension)), r * head.projectionDim);
        if (r % 64 === 63) await yieldToLoop();
      }
      return out;
    };
    const before = recallAtK({ vectors: test.gallery.features, labels: test.gallery.labels }, { vectors: test.queries.features, labels: test.queries.labels }, test.gallery.dimension, [1, 5]);
    const after = recallAtK({ vectors: await project(test.gallery), labels: test.gallery.labels }, { vectors: await project(test.queries), labels: test.queries.labels }, head.projectionDim, [1, 5]);
    return { before: { at1: before[1]!, at5: before[5]! }, after: { at1: after[1]!, at5: after[5]! } };
  }

  // ── Models ──────────────────────────────────────────────────────────────────────────

  private async handleOf(m: StoredModel, handleOf: (id: string) => Promise<EmbedderHandle>): Promise<EmbedderHandle> {
    const parent = await handleOf(m.backboneId);
    let weights = this.heads.get(m.id);
    if (!weights) {
      const bytes = await this.readBlob(m.onnxSha256);
      if (!bytes) throw new ContractError('unavailable', `the file of ${m.name} is missing from the library`);
      weights = readHeadModel(bytes);
      this.heads.set(m.id, weights);
    }
    const w = weights;
    const backbone = m.backboneSha256 ? this.fineTunedBackbone(m, parent, m.backboneSha256) : parent;
    return { id: m.id, spec: { ...backbone.spec, dimension: m.dimension }, ref: backbone.ref, head: { parent: backbone, apply: (v) => applyHead(w, v) } };
  }

  /** A fine-tuned model's own backbone: the built-in's spec over the stored graph with the trained layer. */
  private fineTunedBackbone(m: StoredModel, builtIn: EmbedderHandle, sha256: string): EmbedderHandle {
    const path = this.deps.store.pathOf(sha256);
    if (!existsSync(path)) throw new ContractError('unavailable', `the backbone file of ${m.name} is missing from the library`);
    return fineTunedBackboneHandle(builtIn, fineTunedBackboneId(m.id), { path, sha256, bytes: statSync(path).size });
  }

  listModels(): TrainedModel[] {
    const active = this.deps.embeddings.embedders.activeId();
    return this.models.list().map((m) => toTrainedModel(m, active, this.runs.get(m.runId)?.test ?? null));
  }

  model(id: string): TrainedModel {
    const m = this.models.find(id);
    if (!m) throw new ContractError('not_found', `no trained model ${id}`);
    return toTrainedModel(m, this.deps.embeddings.embedders.activeId(), this.runs.get(m.runId)?.test ?? null);
  }

  activate(id: string): { model: TrainedModel | null; activeEmbedderId: string; staleIndexIds: string[] } {
    if (id !== DEFAULT_EMBEDDER_ID && !this.models.has(id)) {
      // Any other installed embedder may be made active too (a catalog one).
      if (!this.deps.embeddings.embedders.list().some((e) => e.id === id)) throw new ContractError('not_found', `no trained model or embedder ${id}`);
    }
    const stored = this.models.find(id);
    // Made active, a model whose file is gone would fail every extraction after; refuse it now.
    if (stored && [stored.onnxSha256, stored.backboneSha256].some((sha) => sha && !existsSync(this.deps.store.pathOf(sha)))) throw new ContractError('unavailable', `the file of ${stored.name} is missing from the library; delete the model or train it again`);
    this.deps.embeddings.embedders.setActive(id);
    const activeEmbedderId = this.deps.embeddings.embedders.activeId();
    // Indexes of another embedder whose scope has none of the active one yet (one re-extraction each).
    const indexes = this.deps.embeddings.registry.list();
    const covered = new Set(indexes.filter((ix) => ix.modelId === activeEmbedderId).map((ix) => JSON.stringify(ix.scope)));
    const staleIndexIds = indexes.filter((ix) => ix.modelId !== activeEmbedderId && !covered.has(JSON.stringify(ix.scope))).map((ix) => ix.id);
    this.deps.events.emit('training.modelsChanged', { ids: [id] });
    return { model: this.models.has(id) ? this.model(id) : null, activeEmbedderId, staleIndexIds };
  }

  deleteModel(id: string): { deleted: boolean } {
    const wasActive = this.deps.embeddings.embedders.activeId() === id;
    const deleted = this.deps.db.transaction(() => {
      const m = this.models.delete(id);
      if (m) this.deps.blobs.release([m.onnxSha256, ...(m.backboneSha256 ? [m.backboneSha256] : [])]);
      // Its vectors (and its fine-tuned backbone's) can never be asked for again.
      if (m) for (const modelId of [m.id, fineTunedBackboneId(m.id)]) this.deps.embeddings.vectors.forgetModel(modelId);
      return m !== null;
    })();
    this.heads.delete(id);
    if (deleted && wasActive) this.deps.embeddings.embedders.setActive(DEFAULT_EMBEDDER_ID);
    if (deleted) this.deps.events.emit('training.modelsChanged', { ids: [id] });
    return { deleted };
  }

  rename(id: string, name: string): TrainedModel {
    if (!this.models.rename(id, name.trim())) throw new ContractError('not_found', `no trained model ${id}`);
    this.deps.events.emit('training.modelsChanged', { ids: [id] });
    return this.model(id);
  }

  /** The model's files for a ZIP: the head ONNX, the recipe, the metrics and the manifest. */
  async modelFiles(id: string): Promise<{ name: string; entries: { name: string; data: Uint8Array }[] }> {
    const m = this.models.find(id);
    if (!m) throw new ContractError('not_found', `no trained model ${id}`);
    const onnx = await this.readBlob(m.onnxSha256);
    if (!onnx) throw new ContractError('unavailable', `the file of ${m.name} is missing from the library`);
    const backbone = m.backboneSha256 ? await this.readBlob(m.backboneSha256) : null;
    if (m.backboneSha256 && !backbone) throw new ContractError('unavailable', `the backbone file of ${m.name} is missing from the library`);
    const json = (v: unknown) => new TextEncoder().encode(`${JSON.stringify(v, null, 2)}\n`);
    const run = this.runs.get(m.runId);
    return {
      name: `${m.name} v${m.version}`,
      entries: [
        { name: 'model.onnx', data: onnx },
        // The fine-tuned backbone (its network part; the colour histogram joins it as the built-in's manifest says).
        ...(backbone ? [{ name: 'backbone.onnx', data: backbone }] : []),
        { name: 'config.json', data: json(m.manifest.config) },
        { name: 'metrics.json', data: json({ ...m.manifest.metrics, history: run?.history ?? null, test: run?.test ?? null }) },
        { name: 'manifest.json', data: json(m.manifest) },
      ],
    };
  }
}

/**
 * Why a run cannot fine-tune its backbone, or null: only the built-in embedders can (their
 * graph is built here, so it can be rebuilt with the trained layer), and the backbone map
 * of every image and view must fit in `budget` bytes of memory (the worker holds them all).
 */
export function fineTuneProblem(config: TrainingConfig, backboneId: string, items: readonly TrainingItem[], budget = fineTuneMemoryBudget()): { errorCode: TrainingErrorCode; reason: string } | null {
  if (!config.backbone.fineTune) return null;
  if (!isFineTunableEmbedder(backboneId)) return { errorCode: 'fine_tune_unsupported', reason: `${backboneId} cannot be fine-tuned here: only the built-in embedders' last layer can; train its head alone instead` };
  const images = new Set(items.map((it) => it.sha256)).size + config.data.views.length * new Set(items.filter((it) => it.split === 'train').map((it) => it.sha256)).size;
  const bytes = images * offlineTailMapBytes(backboneId, config.backbone.layers);
  if (bytes <= budget) return null;
  const gb = (n: number) => (n / 2 ** 30).toFixed(1);
  return { errorCode: 'fine_tune_too_large', reason: `fine-tuning holds the backbone map of every image and view in memory: ${images} need ${gb(bytes)} GB, more than the ${gb(budget)} GB allowed here; train the head alone, or use fewer views` };
}

/** Memory fine-tuning's maps may take: a quarter of this machine's, at most 8 GB. */
export function fineTuneMemoryBudget(): number {
  return Math.min(8 * 2 ** 30, os.totalmem() / 4);
}

/**
 * The trainer's input from the usable items. Classes: every product with an image, train
 * products first (the head learns those; valid and test products only get labels so
 * recall can be measured). Evaluation as the contract says: valid real photos as queries
 * against a gallery of the train images plus the valid products' synthetic images (their
 * catalog references: a held-out product can only be recognised from its own references);
 * the test split likewise at the end.
 */
export function buildTrainingData(items: readonly TrainingItem[], vectorOf: (it: TrainingItem) => Float32Array, counts: ReturnType<typeof countItems>): PreparedData {
  const order = { train: 0, valid: 1, test: 2 } as const;
  const products = [...new Map(items.map((it) => [it.productId, it.split])).entries()].sort((a, b) => order[a[1]] - order[b[1]] || a[0].localeCompare(b[0]));
  const classOf = new Map(products.map(([id], i) => [id, i]));
  const dimension = vectorOf(items[0]!).length;
  const setOf = (rows: readonly TrainingItem[]): LabelledFeatures => {
    const features = new Float32Array(rows.length * dimension);
    rows.forEach((it, i) => features.set(vectorOf(it), i * dimension));
    return { dimension, features, labels: Int32Array.from(rows, (it) => classOf.get(it.productId)!), domains: Uint8Array.from(rows, (it) => DOMAIN[it.domain]) };
  };
  const train = items.filter((it) => it.split === 'train');
  // Valid real photos of a product without a reference cannot be recognised by anything: left out of the queries.
  const validReferences = new Set(items.filter((it) => it.split === 'valid' && it.domain === 'synthetic').map((it) => it.productId));
  const valid = items.filter((it) => it.split === 'valid' && validReferences.has(it.productId));
  const test = items.filter((it) => it.split === 'test');
  const validSynthetic = valid.filter((it) => it.domain === 'synthetic');
  const testSynthetic = test.filter((it) => it.domain === 'synthetic');
  const testReferences = new Set(testSynthetic.map((it) => it.productId));
  const testReal = test.filter((it) => it.domain === 'real' && testReferences.has(it.productId));
  const data: TrainingData = {
    classNames: products.map(([id]) => id),
    train: setOf(train),
    valid: setOf(valid),
    gallery: setOf([...train, ...validSynthetic]),
  };
  return {
    data,
    items: [...items],
    counts,
    test: testReal.length ? { gallery: setOf([...train, ...testSynthetic]), queries: setOf(testReal) } : null,
    trainProducts: new Set(train.map((it) => it.productId)).size,
    rows: { train, valid, gallery: [...train, ...validSynthetic], testGallery: testReal.length ? [...train, ...testSynthetic] : [], testQueries: testReal },
  };
}
