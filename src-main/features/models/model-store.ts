import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ContractError, type ExecutionProvider, type ModelInfo, type ModelStatus, type ModelTask } from '../../../src-shared/contract/index.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events.js';
import type { InferenceRuntime } from '../inference/runtime.js';
import type { ModelRef, TensorInfo } from '../inference/protocol.js';
import type { BlobStore } from '../store/blob-store.js';
import { DownloadError, downloadVerified, hashFile } from './download.js';
import { loadCatalog, parseManifest, type Catalog, type ModelManifest } from './manifest.js';
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
 * The library's models: catalog entries (native-models/), what is installed (rows in
 * `models`, files as blobs in the content-addressed store) and the default per task.
 * Three ways in: assembled from an npm package, downloaded (resumable, verified) or
 * imported from the user's own file.
 */
export class ModelStore {
  readonly catalog: Catalog;
  private readonly manifests: Map<string, ModelManifest>;
  private readonly downloads = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly installs = new Map<string, Promise<void>>();
  private readonly partDir: string;
  private lastEmit = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly store: BlobStore,
    private readonly events: EventBus,
    private readonly runtime: InferenceRuntime,
    dataDir: string,
    private readonly options: ModelStoreOptions = {},
  ) {
    const loaded = loadCatalog(options.catalogDir);
    this.catalog = loaded.catalog;
    this.manifests = loaded.manifests;
    // Outside the store's tmp/ (swept at start-up) so a download resumes across restarts.
    this.partDir = path.join(dataDir, 'models', 'partial');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.partDir, { recursive: true });
    // A download cannot still be running in a process that just started.
    this.db
      .prepare("UPDATE models SET state = 'failed', error = 'interrupted: download again to resume', updated_at = ? WHERE state = 'downloading'")
      .run(Date.now());
  }

  list(task?: ModelTask): ModelInfo[] {
    const ids = [...this.catalog.models, ...(this.db.prepare("SELECT id FROM models WHERE source = 'user' ORDER BY created_at").pluck().all() as string[])];
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
      inputSize: manifest.input.size,
      isDefault: this.defaultId(manifest.task) === id,
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
  async resolve(id: string): Promise<ModelRef & { manifest: ModelManifest }> {
    let info = this.info(id);
    if (info.status !== 'ready' && info.source === 'package') {
      await this.install(id);
      info = this.info(id);
    }
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
      throw new ContractError('unavailable', `model ${id} cannot run: ${why}. Install it from the Models page (models.download).`);
    }
    const row = this.row(id)!;
    const manifest = this.manifestOf(id, row);
    return { id, path: this.store.pathOf(row.sha256!), sha256: row.sha256!, bytes: row.bytes!, input: manifest.input, output: manifest.output, manifest };
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
   * Installs a catalog or package model. Package models are assembled before this
   * returns; downloads run in the background (models.progress events) and this
   * returns at once with status `downloading`.
   */
  async install(id: string): Promise<void> {
    const manifest = this.manifests.get(id);
    if (!manifest) {
      if (this.row(id)) throw new ContractError('conflict', `${id} is an imported model: import its file again`);
      throw new ContractError('not_found', `no model ${id}`);
    }
    const file = manifest.files[0]!;
    if (!file.sha256) throw new ContractError('unavailable', `${id} has no verified sha256 (${file.sha256Source}); fetch it yourself and import it`);
    const running = this.installs.get(id);
    if (running) return running;
    if (manifest.source.kind === 'npm') {
      const source = manifest.source;
      const job = this.assemble(manifest, source.package, source.resource, file.sha256).finally(() => this.installs.delete(id));
      this.installs.set(id, job);
      return job;
    }
    if (manifest.source.kind === 'url') {
      if (this.downloads.has(id)) return;
      const done = this.download(manifest, manifest.source.url, file.sha256, file.bytes);
      return void done;
    }
    throw new ContractError('invalid_input', `${id} cannot be installed from its source`);
  }

  /** Resolves when a running download of `id` ends (tests, CLI). */
  async waitForDownload(id: string): Promise<ModelInfo> {
    await this.downloads.get(id)?.done;
    await this.installs.get(id);
    return this.info(id);
  }

  cancel(id: string): ModelInfo {
    const running = this.downloads.get(id);
    if (!running) throw new ContractError('conflict', `${id} is not downloading`);
    running.controller.abort();
    return this.info(id);
  }

  async delete(id: string): Promise<boolean> {
    this.downloads.get(id)?.controller.abort();
    await this.downloads.get(id)?.done;
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
    const input = fitImageInput(io.inputs);
    const output = fitMaskOutput(io.outputs, input.size);
    const sha256 = await hashFile(file);
    const base = path.basename(file).replace(/\.onnx$/i, '');
    const id = `user-${slug(base)}-${sha256.slice(0, 8)}`;
    const manifest = parseManifest(
      {
        id,
        name: name ?? base,
        task,
        description: `Imported from ${path.basename(file)}. Normalisation assumed ImageNet mean/std; output stretched to 0–1.`,
        licence: { name: 'as given by its author (imported by you)', url: null },
        homepage: null,
        source: { kind: 'user', originalName: path.basename(file) },
        files: [{ name: `${id}.onnx`, bytes: stat.size, sha256, sha256Source: 'computed at import' }],
        input: { name: input.name, size: input.size, layout: input.layout, colorOrder: 'RGB', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] },
        output: { name: output, activation: 'none', normalize: 'minmax' },
      },
      'imported model',
    );
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

  private async assemble(manifest: ModelManifest, pkg: string, resource: string, expected: string): Promise<void> {
    const id = manifest.id;
    const tmp = this.store.tempPath();
    this.upsert(id, manifest, 'package', { state: 'downloading', error: null, received: 0, total: manifest.files[0]!.bytes ?? 0 });
    try {
      const { sha256, bytes } = await assembleFromPackage(pkg, resource, tmp, (done, total) => this.progress(id, 'downloading', done, total, false));
      if (sha256 !== expected) throw new Error(`assembled file has sha256 ${sha256}, the manifest says ${expected}`);
      await this.replaceBlob(tmp, sha256);
      this.upsert(id, manifest, 'package', { state: 'ready', sha256, bytes, error: null, received: bytes, total: bytes });
      this.progress(id, 'ready', bytes, bytes, true);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      const message = `cannot assemble ${id} from ${pkg}: ${firstLine(err)}`;
      this.upsert(id, manifest, 'package', { state: 'failed', error: message });
      this.progress(id, 'failed', 0, 0, true, message);
      throw new ContractError('unavailable', message);
    }
  }

  private download(manifest: ModelManifest, url: string, sha256: string, bytes: number | null): Promise<void> {
    const id = manifest.id;
    const controller = new AbortController();
    const part = this.partPath(id);
    this.upsert(id, manifest, 'catalog', { state: 'downloading', error: null, received: 0, total: bytes ?? 0 });
    this.progress(id, 'downloading', 0, bytes ?? 0, true);
    const done = (async () => {
      try {
        const result = await downloadVerified({
          url,
          partPath: part,
          expectedBytes: bytes,
          expectedSha256: sha256,
          signal: controller.signal,
          retries: this.options.downloadRetries,
          retryDelayMs: this.options.retryDelayMs,
          onProgress: (received, total) => {
            this.db.prepare('UPDATE models SET received = ?, total = ? WHERE id = ?').run(received, total, id);
            this.progress(id, 'downloading', received, total, false);
          },
        });
        await this.replaceBlob(part, result.sha256);
        this.upsert(id, manifest, 'catalog', { state: 'ready', sha256: result.sha256, bytes: result.bytes, error: null, received: result.bytes, total: result.bytes });
        this.progress(id, 'ready', result.bytes, result.bytes, true);
      } catch (err) {
        const aborted = err instanceof DownloadError && err.kind === 'aborted';
        const message = aborted ? 'cancelled: download again to resume' : firstLine(err);
        this.upsert(id, manifest, 'catalog', { state: 'failed', error: message });
        this.progress(id, 'failed', 0, 0, true, message);
      } finally {
        this.downloads.delete(id);
      }
    })();
    this.downloads.set(id, { controller, done });
    return done;
  }

  /**
   * Moves a verified file into the store. A damaged file already sitting under the same
   * name (content-addressed: same expected hash) would otherwise win over the good one.
   */
  private async replaceBlob(tmp: string, sha256: string): Promise<void> {
    if (await this.store.has(sha256)) {
      const current = await hashFile(this.store.pathOf(sha256)).catch(() => null);
      if (current !== sha256) await this.store.remove(sha256);
    }
    await this.store.adoptTemp(tmp, sha256);
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
