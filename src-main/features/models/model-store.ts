import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ContractError, type ExecutionProvider, type ModelInfo, type ModelStatus, type ModelTask } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import type { EventBus } from '../../engine/events.js';
import type { ModelRef, TensorInfo } from '../../engine/inference/protocol.js';
import type { InferenceRuntime } from '../../engine/inference/runtime.js';
import type { Queue } from '../../engine/queue/queue.js';
import type { JobContext } from '../../engine/queue/types.js';
import type { BlobStore } from '../../engine/store/blob-store.js';
import type { UploadStaging } from '../../engine/uploads.js';
import { DownloadError, downloadVerified, hashFile } from './download.js';
import { modelDownloadJob, type DownloadServices } from './jobs/model-download.js';
import { embedderMismatch, fitEmbedderFile } from './embedder-fit.js';
import { loadCatalog, parseManifest, type Catalog, type EmbeddingManifest, type ModelManifest, type SegmentationManifest } from './manifest.js';
import { assembleFromPackage } from './package-source.js';

interface ModelRow {
  id: string;
  task: ModelTask;
  source: 'package' | 'catalog' | 'user';
  manifest: string;
  sha256: string | null;
  bytes: number | null;
  state: 'ready' | 'downloading' | 'failed' | 'corrupt';
  error: string | null;
  received: number;
  total: number;
  provider: ExecutionProvider | null;
}

export interface ModelStoreOptions {
  /** Replaces native-models/ (tests point it at a catalog served from loopback). */
  catalogDir?: string;
  /** Retries after a dropped connection, and the wait before the first. */
  downloadRetries?: number;
  retryDelayMs?: number;
}

const PROGRESS_INTERVAL_MS = 100;

/**
 * A model that cannot run (not installed, missing, damaged): every job needing it fails
 * the same way, so it carries a code callers act on (a run stops at the first one).
 */
export class ModelUnavailableError extends ContractError {
  readonly errorCode = 'model_unavailable';
}

/**
 * The library's models: catalog entries (native-models/), what is installed (rows in
 * `models`, files as blobs in the content-addressed store) and the default per task.
 * Three ways in: assembled from an npm package, downloaded (resumable, verified) or
 * imported from the user's own file.
 */
export class ModelStore implements DownloadServices {
  readonly catalog: Catalog;
  private readonly manifests: Map<string, ModelManifest>;
  /** The catalog's models, then the downloadable embedders. */
  private readonly ids: string[];
  private readonly partDir: string;
  private lastEmit = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly store: BlobStore,
    private readonly events: EventBus,
    private readonly runtime: InferenceRuntime,
    private readonly queue: Queue,
    private readonly uploads: UploadStaging,
    dataDir: string,
    private readonly options: ModelStoreOptions = {},
  ) {
    const loaded = loadCatalog(options.catalogDir);
    this.catalog = loaded.catalog;
    this.manifests = new Map<string, ModelManifest>([...loaded.manifests, ...loaded.embedders]);
    this.ids = [...loaded.catalog.models, ...loaded.embedders.keys()];
    // Outside the store's tmp/ (swept at start-up) so a download resumes across restarts.
    this.partDir = path.join(dataDir, 'models', 'partial');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.partDir, { recursive: true });
    // A download whose job is gone (cleared, or from before downloads were jobs) cannot resume by itself.
    const live = new Set(this.liveDownloads().keys());
    for (const id of this.db.prepare("SELECT id FROM models WHERE state = 'downloading'").pluck().all() as string[]) {
      if (!live.has(id)) this.db.prepare("UPDATE models SET state = 'failed', error = 'interrupted: download again to resume', updated_at = ? WHERE id = ?").run(Date.now(), id);
    }
  }

  list(task?: ModelTask): ModelInfo[] {
    const ids = [...this.ids, ...(this.db.prepare("SELECT id FROM models WHERE source = 'user' ORDER BY created_at").pluck().all() as string[])];
    return ids.map((id) => this.info(id)).filter((m) => !task || m.task === task);
  }

  info(id: string): ModelInfo {
    const row = this.row(id);
    const manifest = this.manifestOf(id, row);
    const source = row?.source ?? (manifest.source.kind === 'npm' ? 'package' : 'catalog');
    const file = manifest.files[0]!;
    let status: ModelStatus;
    if (row?.state === 'ready') status = row.sha256 && this.blobExists(row.sha256) ? 'ready' : 'missing';
    else if (row?.state === 'downloading') status = 'downloading';
    else if (row?.state === 'corrupt') status = 'corrupt';
    else if (row?.state === 'failed') status = 'failed';
    else status = file.sha256 ? 'available' : 'manual';
    return {
      id,
      name: manifest.name,
      task: manifest.task,
      source,
      status,
      description: manifest.description,
      sizeBytes: row?.bytes ?? file.bytes ?? 0,
      sha256: row?.sha256 ?? file.sha256,
      licence: manifest.licence.name,
      licenceUrl: manifest.licence.url,
      homepage: manifest.homepage,
      downloadUrl: manifest.source.kind === 'url' ? manifest.source.url : null,
      inputSize: manifest.task === 'embedding' ? manifest.embedder.input.size : manifest.input.size,
      // An embedder is chosen per extraction (embeddings.extract), not as a task default.
      isDefault: manifest.task !== 'embedding' && this.defaultId(manifest.task) === id,
      provider: row?.provider ?? null,
      progress: row?.state === 'downloading' ? { received: row.received, total: row.total } : null,
      error: row?.error ?? null,
    };
  }

  defaultId(task: ModelTask): string {
    const chosen = this.db.prepare('SELECT model_id FROM model_defaults WHERE task = ?').pluck().get(task) as string | undefined;
    if (chosen && (this.manifests.has(chosen) || this.row(chosen))) return chosen;
    const fallback = this.catalog.defaults[task];
    if (!fallback) throw new ContractError('not_found', `no model for ${task}`);
    return fallback;
  }

  setDefault(id: string): ModelInfo {
    const info = this.info(id);
    if (info.task === 'embedding') throw new ContractError('invalid_input', `${id} is an embedder: choose it when you extract embeddings`);
    this.db
      .prepare('INSERT INTO model_defaults (task, model_id, updated_at) VALUES (?, ?, ?) ON CONFLICT(task) DO UPDATE SET model_id = excluded.model_id, updated_at = excluded.updated_at')
      .run(info.task, id, Date.now());
    this.events.emit('models.changed', { id });
    return this.info(id);
  }

  /**
   * What the inference worker needs to run a model, installing a package model on first
   * use. A model that must be downloaded or imported gives a clear `unavailable` error.
   */
  async resolve(id: string): Promise<ModelRef & { manifest: SegmentationManifest }> {
    const { row, manifest } = await this.readyFile(id);
    if (manifest.task !== 'background-removal') throw new ContractError('invalid_input', `${id} is an embedder, not a ${'background-removal'} model`);
    return { id, path: this.store.pathOf(row.sha256!), sha256: row.sha256!, bytes: row.bytes!, input: manifest.input, output: manifest.output, manifest };
  }

  /** An installed embedder's file and manifest (the embeddings feature builds its runner from them), or `unavailable`. */
  async resolveEmbedder(id: string): Promise<{ id: string; path: string; sha256: string; bytes: number; manifest: EmbeddingManifest }> {
    const { row, manifest } = await this.readyFile(id);
    if (manifest.task !== 'embedding') throw new ContractError('invalid_input', `${id} is not an embedder`);
    return { id, path: this.store.pathOf(row.sha256!), sha256: row.sha256!, bytes: row.bytes!, manifest };
  }

  /** Every embedder the store knows (catalog and imported), with its manifest. */
  embedders(): { info: ModelInfo; manifest: EmbeddingManifest }[] {
    return this.list('embedding').flatMap((info) => {
      const manifest = this.manifestOf(info.id, this.row(info.id));
      return manifest.task === 'embedding' ? [{ info, manifest }] : [];
    });
  }

  private async readyFile(id: string): Promise<{ row: ModelRow; manifest: ModelManifest }> {
    let info = this.info(id);
    if (info.status !== 'ready' && info.source === 'package') info = await this.installAndWait(id);
    if (info.status !== 'ready') {
      const why =
        info.status === 'missing'
          ? 'its file is missing from the library'
          : info.status === 'corrupt'
            ? `its file is damaged (${info.error ?? 'checksum mismatch'})`
            : info.status === 'downloading'
              ? 'it is still downloading'
              : info.status === 'manual'
                ? 'it has no verified checksum: download it yourself and import it'
                : 'it is not installed';
      throw new ModelUnavailableError('unavailable', `model ${id} cannot run: ${why}. Install it from the Models page (models.download).`);
    }
    const row = this.row(id)!;
    return { row, manifest: this.manifestOf(id, row) };
  }

  /** Records what the runtime found when it used a model: the provider, or a broken file. */
  noteUsed(id: string, provider: ExecutionProvider): void {
    this.db.prepare('UPDATE models SET provider = ?, updated_at = ? WHERE id = ? AND (provider IS NOT ? )').run(provider, Date.now(), id, provider);
  }

  noteBroken(id: string, kind: 'missing' | 'corrupt', message: string): void {
    this.db.prepare("UPDATE models SET state = ?, error = ?, updated_at = ? WHERE id = ?").run(kind === 'corrupt' ? 'corrupt' : 'ready', message, Date.now(), id);
    this.events.emit('models.changed', { id });
  }

  /**
   * Installs a catalog or package model as a queue job (models.download): package models
   * are assembled, catalog models downloaded with resume. Resolves once the job is queued
   * (the same job when one is already under way); progress arrives as models.progress.
   */
  async install(id: string): Promise<string> {
    const manifest = this.manifests.get(id);
    if (!manifest) {
      if (this.row(id)) throw new ContractError('conflict', `${id} is an imported model: import its file again`);
      throw new ContractError('not_found', `no model ${id}`);
    }
    const file = manifest.files[0]!;
    if (!file.sha256) throw new ContractError('unavailable', `${id} has no verified sha256 (${file.sha256Source}); fetch it yourself and import it`);
    if (manifest.source.kind !== 'npm' && manifest.source.kind !== 'url') throw new ContractError('invalid_input', `${id} cannot be installed from its source`);
    const running = this.liveDownloads().get(id);
    if (running) return running;
    this.upsert(id, manifest, manifest.source.kind === 'npm' ? 'package' : 'catalog', { state: 'downloading', error: null, received: 0, total: file.bytes ?? 0 });
    this.progress(id, 'downloading', 0, file.bytes ?? 0, true);
    // No queue-level dedupe: a completed install must not answer a reinstall after a delete.
    return this.queue.enqueue(modelDownloadJob, { id }, { dedupeKey: null }).id;
  }

  /** Installs and waits for the model to be ready (or for the install to fail). */
  async installAndWait(id: string): Promise<ModelInfo> {
    await this.queue.waitFor(await this.install(id));
    return this.info(id);
  }

  /** Resolves when a running install of `id` ends (tests, CLI). */
  async waitForDownload(id: string): Promise<ModelInfo> {
    const jobId = this.liveDownloads().get(id);
    if (jobId) await this.queue.waitFor(jobId);
    return this.info(id);
  }

  cancel(id: string): ModelInfo {
    const jobId = this.liveDownloads().get(id);
    if (!jobId) throw new ContractError('conflict', `${id} is not downloading`);
    this.queue.cancel(jobId);
    return this.info(id);
  }

  async delete(id: string): Promise<boolean> {
    const jobId = this.liveDownloads().get(id);
    if (jobId) {
      this.queue.cancel(jobId);
      await this.queue.waitFor(jobId);
    }
    const row = this.row(id);
    if (!row && !this.manifests.has(id)) throw new ContractError('not_found', `no model ${id}`);
    await fs.rm(this.partPath(id), { force: true });
    if (!row) return false;
    await this.runtime.unload(id).catch(() => 0);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM models WHERE id = ?').run(id);
      this.db.prepare('DELETE FROM model_defaults WHERE model_id = ?').run(id);
    })();
    if (row.sha256 && !this.db.prepare('SELECT 1 FROM models WHERE sha256 = ?').get(row.sha256)) await this.store.remove(row.sha256);
    this.events.emit('models.changed', { id });
    return true;
  }

  /** Imports a model from a local path (desktop, CLI) or from a staged upload (web). */
  async importUpload(input: { path?: string; uploadId?: string; task: ModelTask; name?: string }): Promise<ModelInfo> {
    if (input.uploadId && !(await this.uploads.exists(input.uploadId))) throw new ContractError('not_found', `no upload ${input.uploadId}`);
    const info = await this.importFile(input.path ?? this.uploads.pathOf(input.uploadId!), input.task, input.name);
    if (input.uploadId) await this.uploads.discard([input.uploadId]);
    return info;
  }

  /**
   * Imports a user's .onnx: accepted only if onnxruntime loads it and its one image
   * input and its mask output have the shapes the task needs.
   */
  async importFile(file: string, task: ModelTask, name?: string): Promise<ModelInfo> {
    const stat = await fs.stat(file).catch(() => null);
    if (!stat?.isFile()) throw new ContractError('not_found', `no file ${file}`);
    if (stat.size === 0) throw new ContractError('invalid_input', `${path.basename(file)} is empty`);
    let io: { inputs: TensorInfo[]; outputs: TensorInfo[] };
    try {
      io = await this.runtime.inspect(file);
    } catch (err) {
      throw new ContractError('invalid_input', `${path.basename(file)} is not a model onnxruntime can load: ${firstLine(err)}`);
    }
    const sha256 = await hashFile(file);
    const base = path.basename(file).replace(/\.onnx$/i, '');
    const id = `user-${slug(base)}-${sha256.slice(0, 8)}`;
    const common = {
      id,
      name: name ?? base,
      licence: { name: 'as given by its author (imported by you)', url: null },
      homepage: null,
      source: { kind: 'user', originalName: path.basename(file) },
      files: [{ name: `${id}.onnx`, bytes: stat.size, sha256, sha256Source: 'computed at import' }],
    };
    let manifest: ModelManifest;
    if (task === 'embedding') {
      const fit = fitEmbedderFile(io);
      if ('problem' in fit) throw new ContractError('invalid_input', `${path.basename(file)} does not fit image embedding: ${fit.problem}`);
      manifest = parseManifest(
        {
          ...common,
          task,
          description: `Imported from ${path.basename(file)}: input ${fit.input.name} (${fit.input.size.join('×')}, ${fit.input.layout}), output ${fit.output.name} (${fit.output.dimension} values, ${fit.output.pooling} pooling). Preprocessing assumed: RGB, ImageNet mean/std, shorter side scaled to the input and the centre cut.`,
          embedder: {
            input: {
              name: fit.input.name,
              size: fit.input.size,
              resize: { mode: 'crop', shortSide: Math.min(...fit.input.size), kernel: 'cubic' },
              layout: fit.input.layout,
              colorOrder: 'RGB',
              mean: [123.675, 116.28, 103.53],
              std: [58.395, 57.12, 57.375],
            },
            outputs: [{ name: fit.output.name, pooling: fit.output.pooling, layout: fit.input.layout, normalize: true, weight: 1, dimension: fit.output.dimension }],
            dimension: fit.output.dimension,
          },
        },
        'imported model',
      );
    } else {
      const input = fitImageInput(io.inputs);
      const output = fitMaskOutput(io.outputs, input.size);
      manifest = parseManifest(
        {
          ...common,
          task,
          description: `Imported from ${path.basename(file)}. Normalisation assumed ImageNet mean/std; output stretched to 0–1.`,
          input: { name: input.name, size: input.size, layout: input.layout, colorOrder: 'RGB', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] },
          output: { name: output, activation: 'none', normalize: 'minmax' },
        },
        'imported model',
      );
    }
    await this.store.putFile(file);
    const now = Date.now();
    this.db
      .prepare(
        `INSERT INTO models (id, task, source, manifest, sha256, bytes, state, created_at, updated_at) VALUES (?, ?, 'user', ?, ?, ?, 'ready', ?, ?)
         ON CONFLICT(id) DO UPDATE SET manifest = excluded.manifest, state = 'ready', error = NULL, updated_at = excluded.updated_at`,
      )
      .run(id, task, JSON.stringify(manifest), sha256, stat.size, now, now);
    this.events.emit('models.changed', { id });
    return this.info(id);
  }

  /** models.download's work: the verified file in the store (resumable, idempotent); failures are recorded on the model. */
  async fetchModel(id: string, ctx: Pick<JobContext<unknown, 'downloading' | 'verifying'>, 'signal' | 'progress'>): Promise<{ sha256: string; bytes: number }> {
    const manifest = this.manifests.get(id);
    if (!manifest) throw new ContractError('not_found', `no model ${id}`);
    const file = manifest.files[0]!;
    const source = manifest.source.kind === 'npm' ? 'package' : 'catalog';
    const report = (received: number, total: number) => {
      this.db.prepare('UPDATE models SET received = ?, total = ? WHERE id = ?').run(received, total, id);
      this.progress(id, 'downloading', received, total, false);
      ctx.progress('downloading', total ? (100 * received) / total : null);
    };
    this.upsert(id, manifest, source, { state: 'downloading', error: null });
    try {
      let result: { sha256: string; bytes: number };
      let tmp: string;
      if (manifest.source.kind === 'npm') {
        tmp = this.store.tempPath();
        try {
          result = await assembleFromPackage(manifest.source.package, manifest.source.resource, tmp, report);
        } catch (err) {
          await fs.rm(tmp, { force: true });
          throw new Error(`cannot assemble ${id} from ${manifest.source.package}: ${firstLine(err)}`);
        }
        if (result.sha256 !== file.sha256) {
          await fs.rm(tmp, { force: true });
          throw new Error(`cannot assemble ${id}: the assembled file has sha256 ${result.sha256}, the manifest says ${file.sha256}`);
        }
      } else if (manifest.source.kind === 'url') {
        tmp = this.partPath(id);
        result = await downloadVerified({
          url: manifest.source.url,
          partPath: tmp,
          expectedBytes: file.bytes,
          expectedSha256: file.sha256!,
          signal: ctx.signal,
          retries: this.options.downloadRetries,
          retryDelayMs: this.options.retryDelayMs,
          onProgress: report,
        });
      } else {
        throw new ContractError('invalid_input', `${id} cannot be installed from its source`);
      }
      ctx.progress('verifying', null);
      if (manifest.task === 'embedding') await this.checkEmbedderFile(id, tmp, manifest);
      await this.replaceBlob(tmp, result.sha256);
      return result;
    } catch (err) {
      const aborted = ctx.signal.aborted || (err instanceof DownloadError && err.kind === 'aborted');
      const message = aborted ? 'cancelled: download again to resume' : firstLine(err);
      this.upsert(id, manifest, source, { state: 'failed', error: message });
      this.progress(id, 'failed', 0, 0, true, message);
      throw err;
    }
  }

  /** models.download's commit: the model is ready. */
  markInstalled(id: string, file: { sha256: string; bytes: number }): void {
    const manifest = this.manifestOf(id);
    this.upsert(id, manifest, manifest.source.kind === 'npm' ? 'package' : 'catalog', { state: 'ready', sha256: file.sha256, bytes: file.bytes, error: null, received: file.bytes, total: file.bytes });
    this.progress(id, 'ready', file.bytes, file.bytes, true);
  }

  /**
   * A downloaded embedder must have the tensors its manifest names, shaped as its pooling
   * reads them; a file that does not is discarded (the checksum was right, so the manifest
   * is what is wrong: downloading again would not help).
   */
  private async checkEmbedderFile(id: string, file: string, manifest: EmbeddingManifest): Promise<void> {
    let problem: string | null;
    try {
      problem = embedderMismatch(await this.runtime.inspect(file), manifest.embedder);
    } catch (err) {
      problem = `onnxruntime cannot load it: ${firstLine(err)}`;
    }
    if (problem) {
      await fs.rm(file, { force: true });
      // invalid_input: permanent for the queue (the same bytes would fail again).
      throw new ContractError('invalid_input', `${id} does not fit the embedding task: ${problem}`);
    }
  }

  /** Model id → the id of its install job still pending or running. */
  private liveDownloads(): Map<string, string> {
    const live = new Map<string, string>();
    for (const job of this.queue.list({ type: modelDownloadJob.type, state: ['pending', 'running', 'paused'], limit: 1000 }).items) {
      const payload = this.queue.get(job.id).payload as { id: string };
      live.set(payload.id, job.id);
    }
    return live;
  }

  /**
   * Moves a verified file into the store. A damaged file already sitting under the same
   * name (content-addressed: same expected hash) would otherwise win over the good one, so
   * it is replaced in place (atomically: a reader sees the old file or the new one). Not
   * removed first: removal goes through the blob collector, which keeps a referenced file.
   */
  private async replaceBlob(tmp: string, sha256: string): Promise<void> {
    const current = (await this.store.has(sha256)) ? await hashFile(this.store.pathOf(sha256)).catch(() => null) : sha256;
    await this.store.adoptTemp(tmp, sha256, { replace: current !== sha256 });
    await this.runtime.unload(null).catch(() => 0);
  }

  private upsert(id: string, manifest: ModelManifest, source: ModelRow['source'], fields: Partial<Pick<ModelRow, 'state' | 'sha256' | 'bytes' | 'error' | 'received' | 'total'>>): void {
    const now = Date.now();
    const existing = this.row(id);
    if (!existing) {
      this.db
        .prepare('INSERT INTO models (id, task, source, manifest, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, manifest.task, source, JSON.stringify(manifest), fields.state ?? 'failed', now, now);
    }
    const sets = Object.keys(fields).map((k) => `${k} = @${k}`);
    this.db.prepare(`UPDATE models SET ${[...sets, 'manifest = @manifest', 'updated_at = @now'].join(', ')} WHERE id = @id`).run({ ...fields, manifest: JSON.stringify(manifest), now, id });
    this.events.emit('models.changed', { id });
  }

  private progress(id: string, status: ModelStatus, received: number, total: number, force: boolean, error: string | null = null): void {
    const now = Date.now();
    if (!force && now - (this.lastEmit.get(id) ?? 0) < PROGRESS_INTERVAL_MS) return;
    this.lastEmit.set(id, now);
    this.events.emit('models.progress', { id, status, received, total, error });
  }

  private row(id: string): ModelRow | undefined {
    return this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
  }

  private manifestOf(id: string, row?: ModelRow): ModelManifest {
    const fromCatalog = this.manifests.get(id);
    if (fromCatalog) return fromCatalog;
    if (row) return parseManifest(JSON.parse(row.manifest), `model ${id}`);
    throw new ContractError('not_found', `no model ${id}`);
  }

  private blobExists(sha256: string): boolean {
    try {
      return existsSync(this.store.pathOf(sha256));
    } catch {
      return false;
    }
  }

  private partPath(id: string): string {
    return path.join(this.partDir, `${id}.part`);
  }
}

/** One float32 image input of rank 4 with 3 channels (NCHW or NHWC) and a fixed size. */
function fitImageInput(inputs: TensorInfo[]): { name: string; size: [number, number]; layout: 'NCHW' | 'NHWC' } {
  if (inputs.length !== 1) throw new ContractError('invalid_input', `the model has ${inputs.length} inputs; background removal needs one image input`);
  const input = inputs[0]!;
  if (input.type !== 'float32') throw new ContractError('invalid_input', `the input ${input.name} is ${input.type ?? 'not a tensor'}, expected float32`);
  const shape = input.shape ?? [];
  if (shape.length !== 4) throw new ContractError('invalid_input', `the input ${input.name} has rank ${shape.length}, expected [1, 3, H, W] or [1, H, W, 3]`);
  const [, a, b, c] = shape;
  const fixed = (v: unknown): v is number => typeof v === 'number' && v > 0;
  if (a === 3 && fixed(b) && fixed(c)) return { name: input.name, size: [c, b], layout: 'NCHW' };
  if (c === 3 && fixed(a) && fixed(b)) return { name: input.name, size: [b, a], layout: 'NHWC' };
  throw new ContractError('invalid_input', `the input ${input.name} is [${shape.join(', ')}]; expected 3 channels and a fixed height and width`);
}

/** The first float32 output shaped [1, 1, H, W] or [1, H, W], at the input's size where it is fixed. */
function fitMaskOutput(outputs: TensorInfo[], size: [number, number]): string {
  for (const o of outputs) {
    const shape = o.shape ?? [];
    if (o.type !== 'float32') continue;
    const dims = shape.length === 4 ? (shape[1] === 1 ? shape.slice(2) : null) : shape.length === 3 ? shape.slice(1) : null;
    if (!dims) continue;
    const [h, w] = dims;
    const ok = (v: unknown, want: number) => typeof v === 'string' || v === want;
    if (ok(h, size[1]) && ok(w, size[0])) return o.name;
  }
  const seen = outputs.map((o) => `${o.name} ${o.type ?? '?'} [${(o.shape ?? []).join(', ')}]`).join('; ');
  throw new ContractError('invalid_input', `no output is a one-channel ${size[1]}×${size[0]} float mask (outputs: ${seen})`);
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'model';
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.slice(0, 400);
}
