import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AugmentParams,
  ContractError,
  type AugmentedImage,
  type AugmentFailure,
  type AugmentKind,
  type AugmentParamsInput,
  type AugmentProductReport,
  type AugmentRun,
  type BatchState,
  type KindFigures,
} from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import type { EventBus } from '../../engine/events.js';
import type { Queue } from '../../engine/queue/queue.js';
import type { CommitContext, JobContext } from '../../engine/queue/types.js';
import type { BlobStore } from '../../engine/store/blob-store.js';
import type { WorkerPool } from '../../engine/workers/pool.js';
import { originOf, type DatasetsApi } from '../datasets/public.js';
import type { ProductCatalog } from '../products/public.js';
import { createAugmentPool, type AugmentRequest, type AugmentResponse } from './augment-pool.js';
import { bundledBackgroundsDir, listBackgrounds, tallyUnreadable, type BackgroundRecord, type BackgroundRef } from './backgrounds.js';
import type { CutoutSource } from './cutouts.js';
import { augmentationBatch, augmentProductJob, type AugmentJobServices, type AugmentProductPayload, type MadeOutput, type ProductWork } from './jobs/augment-product.js';
import { AugmentInputError } from './raw-image.js';
import { planTopUp, type PlannedOutput, type SourceState } from './top-up.js';

/** Thumbnails of outputs: the catalog's size (the image-ingest default). */
const THUMB_SIDE = 320;

interface RunRow {
  id: string;
  dataset_id: string;
  params: string;
  backgrounds: number;
  created_at: number;
}

/** A run's parameters as stored: the contract's, with the background folder resolved. */
type StoredParams = AugmentParams & { backgroundsDir: string | null };

interface OutputRow {
  id: string;
  deleted: number;
  meta: string;
}

export interface AugmentationDeps {
  db: Db;
  store: BlobStore;
  events: EventBus;
  queue: Queue;
  catalog: ProductCatalog;
  datasets: DatasetsApi;
  cutouts: CutoutSource;
  /** Worker threads for the pixel work (default: one per core, less one). */
  workers: number | undefined;
}

/**
 * Augmentation runs: a batch per run with one job per product, each topping its product up
 * to the run's targets. Outputs are `augmented` product images whose meta records their
 * origin (dataset, source image, kind, index) plus pipeline, seed and every sampled
 * parameter; what counts as existing is read from those records, never from file names.
 */
export class AugmentationService implements AugmentJobServices {
  private pool: WorkerPool<AugmentRequest, AugmentResponse> | null = null;
  private readonly backgroundLists = new Map<string, Promise<BackgroundRef[]>>();

  constructor(private readonly deps: AugmentationDeps) {}

  // ------------------------------------------------------------ settings

  async settings(): Promise<{ backgroundsDir: string | null; bundled: number }> {
    const dir = this.deps.db.prepare("SELECT value FROM augmentation_settings WHERE key = 'backgroundsDir'").pluck().get() as string | undefined;
    const bundled = await listBackgrounds([{ name: 'bundled', dir: bundledBackgroundsDir() }]).catch(() => []);
    return { backgroundsDir: dir ?? null, bundled: bundled.length };
  }

  async setSettings(backgroundsDir: string | null): Promise<{ backgroundsDir: string | null; bundled: number }> {
    if (backgroundsDir === null) this.deps.db.prepare("DELETE FROM augmentation_settings WHERE key = 'backgroundsDir'").run();
    else {
      const refs = await this.userBackgrounds(backgroundsDir);
      if (refs.length === 0) throw new ContractError('invalid_input', `${backgroundsDir} has no images (JPEG, PNG, WebP, TIFF, AVIF)`);
      this.deps.db.prepare("INSERT OR REPLACE INTO augmentation_settings (key, value) VALUES ('backgroundsDir', ?)").run(path.resolve(backgroundsDir));
    }
    return this.settings();
  }

  // ------------------------------------------------------------ runs

  async start(datasetId: string, input: AugmentParamsInput = {}): Promise<AugmentRun> {
    const parsed = AugmentParams.parse(input);
    const dataset = this.deps.datasets.store.get(datasetId);
    const members = this.deps.datasets.store.members(datasetId);
    if (members.length === 0) throw new ContractError('invalid_input', `the dataset “${dataset.name}” has no products: add products first`);
    const backgroundsDir = parsed.backgroundsDir === undefined ? (await this.settings()).backgroundsDir : parsed.backgroundsDir;
    const params: StoredParams = { ...parsed, backgroundsDir: backgroundsDir ? path.resolve(backgroundsDir) : null };
    // Refuse a bad folder now, not once per product.
    const backgrounds = await this.backgroundsOf(params);
    const products = new Map(this.deps.catalog.many(members.map((m) => m.productId)).map((p) => [p.id, p]));
    const now = Date.now();
    const runId = this.deps.db.transaction(() => {
      const id = this.deps.queue.createBatch(augmentationBatch, { label: `Augment · ${dataset.name}` });
      this.deps.db.prepare('INSERT INTO augmentation_runs (id, dataset_id, params, backgrounds, created_at) VALUES (?, ?, ?, ?, ?)').run(id, datasetId, JSON.stringify(params), backgrounds.length, now);
      const row = this.deps.db.prepare('INSERT INTO augmentation_run_products (run_id, product_id, position, split) VALUES (?, ?, ?, ?)');
      members.forEach((m, i) => row.run(id, m.productId, i, m.split));
      this.deps.queue.enqueueMany(
        augmentProductJob,
        members.map((m) => {
          const p = products.get(m.productId);
          return { runId: id, datasetId, productId: m.productId, label: p ? ([p.barcode, p.brandName, p.productName].filter(Boolean).join(' ') || undefined) : undefined };
        }),
        { batchId: id, dedupeKey: null },
      );
      return id;
    })();
    this.onRunState(runId);
    return this.get(runId);
  }

  get(runId: string): AugmentRun {
    const row = this.deps.db.prepare('SELECT * FROM augmentation_runs WHERE id = ?').get(runId) as RunRow | undefined;
    if (!row) throw new ContractError('not_found', `no augmentation run ${runId}`);
    return this.toRun(row);
  }

  runs(datasetId: string): AugmentRun[] {
    return (this.deps.db.prepare('SELECT * FROM augmentation_runs WHERE dataset_id = ? ORDER BY created_at DESC, id DESC').all(datasetId) as RunRow[]).map((r) => this.toRun(r));
  }

  /** The newest run's report, for the export's augmentation_report.json. */
  latestReport(datasetId: string): AugmentRun | null {
    const row = this.deps.db.prepare('SELECT * FROM augmentation_runs WHERE dataset_id = ? ORDER BY created_at DESC, id DESC LIMIT 1').get(datasetId) as RunRow | undefined;
    return row ? this.toRun(row) : null;
  }

  cancel(runId: string): AugmentRun {
    this.get(runId);
    this.deps.queue.cancelBatch(runId);
    return this.get(runId);
  }

  async wait(runId: string): Promise<AugmentRun> {
    this.get(runId);
    await this.deps.queue.waitForBatch(runId);
    return this.get(runId);
  }

  images(datasetId: string | undefined, productId: string | undefined, offset: number, limit: number): { items: AugmentedImage[]; total: number } {
    const where = `type = 'augmented' AND source_kind = 'dataset' AND deleted = 0${datasetId ? ' AND source_id = ?' : ''}${productId ? ' AND product_id = ?' : ''}`;
    const params = [datasetId, productId].filter((x): x is string => x !== undefined);
    const total = this.deps.db.prepare(`SELECT COUNT(*) FROM product_images WHERE ${where}`).pluck().get(...params) as number;
    const rows = this.deps.db
      .prepare(`SELECT id, product_id, source_id, meta FROM product_images WHERE ${where} ORDER BY product_id, source_id, created_at, id LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as {
      id: string;
      product_id: string;
      source_id: string;
      meta: string;
    }[];
    const items: AugmentedImage[] = [];
    for (const r of rows) {
      const meta = JSON.parse(r.meta) as Record<string, unknown>;
      const origin = originOf(meta);
      if (!origin) continue;
      const a = meta['augmentation'] as { seed?: number | null; pipeline?: string; runId?: string | null };
      items.push({ imageId: r.id, datasetId: r.source_id, productId: r.product_id, kind: origin.kind, sourceImageId: origin.sourceImageId, index: origin.index, seed: a.seed ?? 0, pipeline: a.pipeline ?? 'unknown', runId: a.runId ?? null });
    }
    return { items, total };
  }

  /** The live datasets holding augmented images of a product, with their counts, by name. */
  productDatasets(productId: string): { datasetId: string; name: string; count: number }[] {
    const counts = this.deps.db
      .prepare("SELECT source_id AS id, COUNT(*) AS n FROM product_images WHERE product_id = ? AND type = 'augmented' AND source_kind = 'dataset' AND deleted = 0 GROUP BY source_id")
      .all(productId) as { id: string; n: number }[];
    const names = new Map(this.deps.datasets.store.list().map((d) => [d.id, d.name]));
    return counts
      .filter((c) => names.has(c.id))
      .map((c) => ({ datasetId: c.id, name: names.get(c.id)!, count: c.n }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.datasetId.localeCompare(b.datasetId));
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = null;
  }

  // ------------------------------------------------------------ the product job

  async work(p: AugmentProductPayload, ctx: JobContext<unknown, 'cutting out' | 'synthesizing' | 'varying real photos'>): Promise<ProductWork> {
    const run = this.deps.db.prepare('SELECT * FROM augmentation_runs WHERE id = ?').get(p.runId) as RunRow | undefined;
    if (!run) throw new ContractError('not_found', `no augmentation run ${p.runId}`);
    const params = JSON.parse(run.params) as StoredParams;
    // Sources that failed before sit out (and say so), unless the run retries them.
    const failedBefore = params.retryFailed ? new Map<string, string>() : this.failedSources(p.datasetId, p.productId);
    const plan = this.plan(p.datasetId, p.productId, params, new Set(failedBefore.keys()));
    const failures: ProductWork['failures'] = [];
    for (const [key, reason] of failedBefore) {
      const [kind, sourceImageId] = key.split(':') as [AugmentKind, string];
      if (plan[kind].sourceIds.has(sourceImageId)) failures.push({ sourceImageId, kind, index: null, reason: `skipped: failed before, reason: ${reason}`, skipped: true });
    }
    const skippedOf = (k: AugmentKind) => failures.some((f) => f.skipped && f.kind === k);
    if (plan.synthetic.missing > 0 && plan.synthetic.sources === 0 && !skippedOf('synthetic'))
      failures.push({ sourceImageId: null, kind: 'synthetic', index: null, reason: 'the product has no frames (synthetic images) to make synthetic images from' });
    if (plan.real.missing > 0 && plan.real.sources === 0 && !skippedOf('real')) failures.push({ sourceImageId: null, kind: 'real', index: null, reason: 'the product has no real photos to vary' });
    const todo = [...plan.synthetic.outputs, ...plan.real.outputs];
    const outputs: MadeOutput[] = [];
    const sourceOutcomes: ProductWork['sourceOutcomes'] = [];
    if (todo.length === 0) return { productId: p.productId, outputs, failures, sourceOutcomes, synthetic: figures(plan.synthetic), real: figures(plan.real) };

    const backgrounds = await this.backgroundsOf(params);
    // Per source: its file, and the cut-out it needs (frames always; real photos only when letterboxed).
    const prepared = new Map<string, { path: string; cutout: string | null } | { error: string }>();
    const sourcesOf = (kind: AugmentKind) => [...new Set(todo.filter((t) => t.kind === kind).map((t) => t.sourceImageId))];
    for (const id of sourcesOf('synthetic')) {
      const img = this.deps.catalog.image(id);
      try {
        let cutout = img.cutoutSha256;
        if (!cutout) {
          ctx.progress('cutting out');
          cutout = await this.deps.cutouts.cutoutOf(img.sha256, ctx.signal);
        }
        prepared.set(id, { path: this.deps.store.pathOf(img.sha256), cutout: this.deps.store.pathOf(cutout) });
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        prepared.set(id, { error: `no cut-out: ${(err as Error).message}` });
      }
    }
    for (const id of sourcesOf('real')) {
      const img = this.deps.catalog.image(id);
      const file = this.deps.store.pathOf(img.sha256);
      try {
        const borders = await this.runInPool({ kind: 'borders', photo: { path: file } }, ctx);
        if (!borders.ok) throw new Error(borders.message);
        let cutout: string | null = null;
        if ('borders' in borders && borders.borders.letterboxed) {
          ctx.progress('cutting out');
          cutout = this.deps.store.pathOf(img.cutoutSha256 ?? (await this.deps.cutouts.cutoutOf(img.sha256, ctx.signal)));
        }
        prepared.set(id, { path: file, cutout });
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        prepared.set(id, { error: (err as Error).message });
      }
    }

    let done = 0;
    const one = async (t: PlannedOutput): Promise<void> => {
      const src = prepared.get(t.sourceImageId)!;
      if ('error' in src) {
        failures.push({ sourceImageId: t.sourceImageId, kind: t.kind, index: t.index, reason: src.error });
        return;
      }
      const options = { seed: params.seed, index: t.index };
      const request: AugmentRequest =
        t.kind === 'synthetic'
          ? { kind: 'synthesize', cutout: { path: src.cutout! }, options: { ...options, backgrounds }, thumb: THUMB_SIDE }
          : { kind: 'real', photo: { path: src.path }, ...(src.cutout ? { cutout: { path: src.cutout } } : {}), options, thumb: THUMB_SIDE };
      let res: AugmentResponse;
      try {
        res = await this.runInPool(request, ctx);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        res = { ok: false, inputError: false, message: (err as Error).message };
      }
      if (!res.ok || !('jpeg' in res)) {
        failures.push({ sourceImageId: t.sourceImageId, kind: t.kind, index: t.index, reason: res.ok ? 'no image came back' : res.message });
        return;
      }
      const stored = await this.deps.store.putBuffer(res.jpeg);
      const thumb = res.thumb ? await this.deps.store.putBuffer(res.thumb) : null;
      outputs.push({
        kind: t.kind,
        sourceImageId: t.sourceImageId,
        index: t.index,
        seed: params.seed,
        pipeline: res.applied.pipeline,
        sha256: stored.sha256,
        bytes: stored.bytes,
        width: res.applied.output.width,
        height: res.applied.output.height,
        thumbSha256: thumb?.sha256 ?? null,
        applied: res.applied,
      });
      done++;
      ctx.progress(t.kind === 'synthetic' ? 'synthesizing' : 'varying real photos', Math.round((done / todo.length) * 100));
    };
    await eachLimited(todo, this.poolOf().size, one);
    // Workers finish in any order; the record keeps the plan's.
    const order = new Map(todo.map((t, i) => [`${t.kind}:${t.sourceImageId}:${t.index}`, i]));
    outputs.sort((a, b) => order.get(`${a.kind}:${a.sourceImageId}:${a.index}`)! - order.get(`${b.kind}:${b.sourceImageId}:${b.index}`)!);
    failures.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
    // A source none of whose outputs came out is recorded as failed (its first reason); one that made any is cleared.
    for (const key of new Set(todo.map((t) => `${t.kind}:${t.sourceImageId}`))) {
      const [kind, sourceImageId] = key.split(':') as [AugmentKind, string];
      const made = outputs.some((o) => o.kind === kind && o.sourceImageId === sourceImageId);
      const reason = failures.find((f) => !f.skipped && f.kind === kind && f.sourceImageId === sourceImageId)?.reason ?? null;
      sourceOutcomes.push({ sourceImageId, kind, failed: made ? null : reason });
    }
    return { productId: p.productId, outputs, failures, sourceOutcomes, synthetic: figures(plan.synthetic), real: figures(plan.real) };
  }

  record(ctx: CommitContext<unknown>, p: AugmentProductPayload, r: ProductWork): void {
    // Exactly once per origin, even if two runs over the dataset raced on one product.
    const taken = new Set(this.outputRows(p.datasetId, p.productId, false).map((o) => keyOf(originOf(JSON.parse(o.meta) as Record<string, unknown>))));
    const fresh = r.outputs.filter((o) => !taken.has(keyOf(o)));
    if (fresh.length > 0) {
      this.deps.catalog.addImages(
        p.productId,
        fresh.map((o) => ({
          type: 'augmented' as const,
          sha256: o.sha256,
          format: 'jpeg',
          width: o.width,
          height: o.height,
          bytes: o.bytes,
          thumbSha256: o.thumbSha256,
          source: { kind: 'dataset' as const, id: p.datasetId },
          meta: { augmentation: { kind: o.kind, sourceImageId: o.sourceImageId, index: o.index, seed: o.seed, pipeline: o.pipeline, runId: p.runId, applied: o.applied } },
        })),
      );
    }
    const finals = this.finalCounts(p.datasetId, p.productId);
    const producedOf = (k: AugmentKind) => fresh.filter((o) => o.kind === k).length;
    const failedOf = (k: AugmentKind) => r.failures.filter((f) => f.kind === k && !f.skipped).length;
    const now = Date.now();
    const markFailed = ctx.db.prepare(
      'INSERT OR REPLACE INTO augmentation_failed_sources (dataset_id, product_id, source_image_id, kind, reason, run_id, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const clear = ctx.db.prepare('DELETE FROM augmentation_failed_sources WHERE dataset_id = ? AND product_id = ? AND source_image_id = ? AND kind = ?');
    for (const o of r.sourceOutcomes ?? []) {
      if (o.failed !== null) markFailed.run(p.datasetId, p.productId, o.sourceImageId, o.kind, o.failed, p.runId, now);
      else clear.run(p.datasetId, p.productId, o.sourceImageId, o.kind);
    }
    const kind = (k: AugmentKind): KindFigures => ({
      target: r[k].target,
      sources: r[k].sources,
      existing: r[k].existing,
      produced: producedOf(k),
      failed: failedOf(k),
      final: finals[k],
    });
    const unreadableBackgrounds = tallyUnreadable(fresh.map((o) => (o.applied as { background?: BackgroundRecord } | null)?.background?.unreadable));
    const report = { synthetic: kind('synthetic'), real: kind('real'), failures: r.failures, unreadableBackgrounds };
    ctx.db.prepare("UPDATE augmentation_run_products SET state = 'done', report = ? WHERE run_id = ? AND product_id = ?").run(JSON.stringify(report), p.runId, p.productId);
    if (fresh.length > 0) this.deps.catalog.changed([p.productId]);
    this.deps.datasets.store.changed([p.datasetId]);
  }

  onRunState(runId: string): void {
    const row = this.deps.db.prepare('SELECT dataset_id FROM augmentation_runs WHERE id = ?').pluck().get(runId) as string | undefined;
    if (!row) return;
    const batch = this.deps.queue.batch(runId);
    this.deps.events.emit('augmentation.progress', { runId, datasetId: row, done: batch.completed + batch.failed + batch.cancelled, total: batch.total, state: batch.state });
  }

  // ------------------------------------------------------------ internals

  /** Sources recorded as failed for a product in a dataset: `kind:sourceImageId` → reason. */
  failedSources(datasetId: string, productId: string): Map<string, string> {
    const rows = this.deps.db
      .prepare('SELECT kind, source_image_id, reason FROM augmentation_failed_sources WHERE dataset_id = ? AND product_id = ? ORDER BY kind, source_image_id')
      .all(datasetId, productId) as { kind: AugmentKind; source_image_id: string; reason: string }[];
    return new Map(rows.map((r) => [`${r.kind}:${r.source_image_id}`, r.reason]));
  }

  /**
   * What exists now for a product in a dataset, per source, and the top-up of each kind.
   * Sources in `skip` (`kind:id`, failed before) make nothing; their outputs still count.
   */
  plan(datasetId: string, productId: string, params: Pick<AugmentParams, 'syntheticTarget' | 'realTarget'>, skip: ReadonlySet<string> = new Set()) {
    const images = this.deps.catalog.images(productId, undefined, 0, 1_000_000).items;
    const rows = this.outputRows(datasetId, productId, true);
    const live = new Map<string, number>();
    const next = new Map<string, number>();
    const liveByKind = { synthetic: 0, real: 0 };
    for (const row of rows) {
      const o = originOf(JSON.parse(row.meta) as Record<string, unknown>);
      if (!o) continue;
      const k = `${o.kind}:${o.sourceImageId}`;
      next.set(k, Math.max(next.get(k) ?? 0, o.index + 1));
      if (row.deleted === 0) {
        live.set(k, (live.get(k) ?? 0) + 1);
        liveByKind[o.kind]++;
      }
    }
    const sources = (kind: AugmentKind, type: 'synthetic' | 'real'): SourceState[] =>
      images.filter((i) => i.type === type && !skip.has(`${kind}:${i.id}`)).map((i) => ({ imageId: i.id, existing: live.get(`${kind}:${i.id}`) ?? 0, nextIndex: next.get(`${kind}:${i.id}`) ?? 0 }));
    const syn = sources('synthetic', 'synthetic');
    const real = sources('real', 'real');
    const sum = (s: SourceState[]) => s.reduce((n, x) => n + x.existing, 0);
    const idsOf = (type: 'synthetic' | 'real') => new Set(images.filter((i) => i.type === type).map((i) => i.id));
    return {
      synthetic: { ...planTopUp('synthetic', params.syntheticTarget, syn, liveByKind.synthetic - sum(syn)), sourceIds: idsOf('synthetic') },
      real: { ...planTopUp('real', params.realTarget, real, liveByKind.real - sum(real)), sourceIds: idsOf('real') },
    };
  }

  private outputRows(datasetId: string, productId: string, withDeleted: boolean): OutputRow[] {
    return this.deps.db
      .prepare(`SELECT id, deleted, meta FROM product_images WHERE product_id = ? AND type = 'augmented' AND source_kind = 'dataset' AND source_id = ?${withDeleted ? '' : ' AND deleted = 0'}`)
      .all(productId, datasetId) as OutputRow[];
  }

  private finalCounts(datasetId: string, productId: string): Record<AugmentKind, number> {
    const out = { synthetic: 0, real: 0 };
    for (const row of this.outputRows(datasetId, productId, false)) {
      const o = originOf(JSON.parse(row.meta) as Record<string, unknown>);
      if (o) out[o.kind]++;
    }
    return out;
  }

  /**
   * One pool request under the job's signals, through signals of its own: the pool leaves
   * its abort listeners on the signals it is given, and a job makes hundreds of requests.
   */
  private async runInPool(request: AugmentRequest, ctx: Pick<JobContext<unknown>, 'signal' | 'stopSignal'>): Promise<AugmentResponse> {
    const signal = new AbortController();
    const kill = new AbortController();
    const onAbort = () => signal.abort(ctx.signal.reason);
    const onKill = () => kill.abort(ctx.stopSignal.reason);
    if (ctx.signal.aborted) onAbort();
    if (ctx.stopSignal.aborted) onKill();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    ctx.stopSignal.addEventListener('abort', onKill, { once: true });
    try {
      return await this.poolOf().run(request, { signal: signal.signal, kill: kill.signal });
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      ctx.stopSignal.removeEventListener('abort', onKill);
    }
  }

  private poolOf(): WorkerPool<AugmentRequest, AugmentResponse> {
    return (this.pool ??= createAugmentPool(this.deps.workers ?? Math.max(1, os.availableParallelism() - 1)));
  }

  private async userBackgrounds(dir: string): Promise<BackgroundRef[]> {
    try {
      return await listBackgrounds([{ name: 'user', dir: path.resolve(dir) }]);
    } catch (err) {
      if (err instanceof AugmentInputError) throw new ContractError('invalid_input', err.message);
      throw err;
    }
  }

  /** The run's backgrounds: bundled, then the user's folder; none → light solid colours. */
  private backgroundsOf(params: Pick<StoredParams, 'bundledBackgrounds' | 'backgroundsDir'>): Promise<BackgroundRef[]> {
    const key = `${params.bundledBackgrounds}:${params.backgroundsDir ?? ''}`;
    let hit = this.backgroundLists.get(key);
    if (!hit) {
      hit = (async () => {
        const bundled = params.bundledBackgrounds && (await fs.stat(bundledBackgroundsDir()).catch(() => null)) ? await listBackgrounds([{ name: 'bundled', dir: bundledBackgroundsDir() }]) : [];
        const user = params.backgroundsDir ? await this.userBackgrounds(params.backgroundsDir) : [];
        return [...bundled, ...user];
      })();
      hit.catch(() => this.backgroundLists.delete(key));
      this.backgroundLists.set(key, hit);
    }
    return hit;
  }

  private toRun(row: RunRow): AugmentRun {
    const params = JSON.parse(row.params) as StoredParams;
    const batch = this.deps.queue.batch(row.id);
    const finished = (['completed', 'failed', 'cancelled'] as BatchState[]).includes(batch.state);
    const jobs = new Map<string, { state: string; error: string | null }>();
    // Through the queue's API, not its tables (they are core's own): the few jobs that did not finish.
    for (let offset = 0; ; offset += 1000) {
      const page = this.deps.queue.list({ batchId: row.id, state: ['failed', 'cancelled'], offset, limit: 1000 });
      for (const j of page.items) jobs.set((this.deps.queue.get(j.id).payload as { productId: string }).productId, { state: j.state, error: j.error });
      if (offset + page.items.length >= page.total || page.items.length === 0) break;
    }
    const rows = this.deps.db.prepare('SELECT product_id, split, state, report FROM augmentation_run_products WHERE run_id = ? ORDER BY position').all(row.id) as {
      product_id: string;
      split: string;
      state: 'pending' | 'done';
      report: string | null;
    }[];
    const named = new Map(this.deps.catalog.many(rows.map((r) => r.product_id)).map((p) => [p.id, p]));
    const empty = (target: number): KindFigures => ({ target, sources: 0, existing: 0, produced: 0, failed: 0, final: 0 });
    const products: AugmentProductReport[] = rows.map((r) => {
      const p = named.get(r.product_id);
      const base = { productId: r.product_id, barcode: p?.barcode ?? null, name: p ? [p.brandName, p.productName].filter(Boolean).join(' ') : '(deleted product)', split: r.split };
      if (r.state === 'done' && r.report) {
        const rep = JSON.parse(r.report) as { synthetic: KindFigures; real: KindFigures; failures: AugmentFailure[]; unreadableBackgrounds?: AugmentProductReport['unreadableBackgrounds'] };
        // Reports stored before the unreadable backgrounds were listed have none.
        return { ...base, state: 'done', ...rep, unreadableBackgrounds: rep.unreadableBackgrounds ?? [] };
      }
      const job = jobs.get(r.product_id);
      const failed = job !== undefined || finished;
      return {
        ...base,
        state: failed ? 'failed' : 'pending',
        synthetic: empty(params.syntheticTarget),
        real: empty(params.realTarget),
        failures: failed ? [{ sourceImageId: null, kind: 'synthetic', index: null, reason: job?.state === 'cancelled' ? 'cancelled' : (job?.error ?? 'the product’s job did not finish') }] : [],
        unreadableBackgrounds: [],
      };
    });
    const total = (k: AugmentKind) => {
      const t = { products: products.length, sources: 0, existing: 0, produced: 0, failed: 0, final: 0 };
      for (const p of products) {
        t.sources += p[k].sources;
        t.existing += p[k].existing;
        t.produced += p[k].produced;
        t.failed += p[k].failed;
        t.final += p[k].final;
      }
      return t;
    };
    const perSplit: AugmentRun['perSplit'] = {};
    for (const p of products) {
      const s = (perSplit[p.split] ??= { products: 0, produced: 0, final: 0 });
      s.products++;
      s.produced += p.synthetic.produced + p.real.produced;
      s.final += p.synthetic.final + p.real.final;
    }
    let datasetName = '(deleted dataset)';
    try {
      datasetName = this.deps.datasets.store.get(row.dataset_id).name;
    } catch {
      // A deleted dataset keeps its runs' reports.
    }
    return {
      id: row.id,
      datasetId: row.dataset_id,
      datasetName,
      // Runs stored before retryFailed existed did not retry (there was nothing recorded to skip).
      params: { syntheticTarget: params.syntheticTarget, realTarget: params.realTarget, seed: params.seed, backgroundsDir: params.backgroundsDir, backgrounds: row.backgrounds, retryFailed: params.retryFailed === true },
      state: batch.state,
      progress: { done: products.filter((p) => p.state !== 'pending').length, total: products.length },
      totals: { synthetic: total('synthetic'), real: total('real') },
      perSplit,
      products,
      unreadableBackgrounds: tallyUnreadable(products.map((p) => p.unreadableBackgrounds)),
      createdAt: row.created_at,
      finishedAt: batch.finishedAt ?? null,
    };
  }
}

const keyOf = (o: { kind: string; sourceImageId: string; index: number } | null) => (o ? `${o.kind}:${o.sourceImageId}:${o.index}` : '');

function figures(plan: { target: number; sources: number; existing: number; missing: number }) {
  return { target: plan.target, sources: plan.sources, existing: plan.existing, missing: plan.missing };
}

/** Runs `fn` over `items` with at most `limit` in flight (one per pool worker), stopping at the first throw. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}
