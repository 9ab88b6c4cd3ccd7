import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import {
  ContractError,
  RemoveBackgroundOptions,
  type Asset,
  type ExecutionProvider,
  type RemoveBackgroundOptionsInput,
} from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import { ModelFileError, type InferenceRuntime } from '../../engine/inference/runtime.js';
import type { Library } from '../library/public.js';
import { ModelUnavailableError, type ModelStore } from '../models/public.js';
import type { BlobStore } from '../../engine/store/blob-store.js';
import { WorkerPool } from '../../engine/workers/pool.js';
import type { ImageRequest, ImageResponse, MaskInput } from './image-worker.js';
import { checkOptions, outputFormat, type Placement, type RenderedOutput, type ReviewFacts, type StoredFile } from './render.js';

export const OPERATION = 'remove-background';
/**
 * Bump when the output for the same parameters changes, so old results are not reused.
 * 2: refined masks, colour cleared under alpha 0, thumbnails, quality verdicts; square follows the subject's size.
 */
const OPERATION_VERSION = 2;

/** What the operation needs: the library and its store, the model store, inference and the image workers. */
export interface RemoveBackgroundDeps {
  db: Db;
  library: Library;
  store: BlobStore;
  models: ModelStore;
  inference: InferenceRuntime;
  images: WorkerPool<ImageRequest, ImageResponse>;
}

export function createImagePool(dataDir: string, size?: number): WorkerPool<ImageRequest, ImageResponse> {
  const ext = path.extname(new URL(import.meta.url).pathname);
  return new WorkerPool(new URL(`./image-worker${ext}`, import.meta.url), {
    // Beside the model (which takes every core), one worker keeps decode and encode
    // flowing; more only fight it for the same cores.
    size: size ?? Math.max(1, Math.floor(os.availableParallelism() / 2)),
    name: 'remove-background-image',
    workerData: { dataDir },
  });
}

/** A per-image failure with a reason the gallery shows; the batch goes on. */
export class ImageItemError extends Error {
  override name = 'ImageItemError';
  /** image_unreadable: the image's own fault (not retried); image_io: the worker or the disk. */
  readonly errorCode: 'image_unreadable' | 'image_io';
  constructor(
    message: string,
    readonly kind: 'image' | 'io',
  ) {
    super(message);
    this.errorCode = kind === 'image' ? 'image_unreadable' : 'image_io';
  }
}

/** The parameters that change the output for a preset, and their hash (with the model's bytes). */
export function paramsFor(options: RemoveBackgroundOptions, modelSha256: string): { relevant: Record<string, unknown>; hash: string } {
  const relevant: Record<string, unknown> = {
    op: OPERATION,
    v: OPERATION_VERSION,
    model: modelSha256,
    preset: options.preset,
    format: outputFormat(options),
    refine: options.refine,
    threshold: options.threshold,
    feather: options.feather,
  };
  if (options.preset === 'crop') relevant.margin = options.margin;
  if (options.preset === 'white' || options.preset === 'square') Object.assign(relevant, { background: options.background.toLowerCase(), shadow: options.shadow });
  if (options.preset === 'square') Object.assign(relevant, { canvas: options.canvas ?? 'subject', fill: options.fill });
  const hash = createHash('sha256').update(JSON.stringify(relevant)).digest('hex');
  return { relevant, hash };
}

export interface ComputedResult {
  sourceAssetId: string;
  paramsHash: string;
  options: RemoveBackgroundOptions;
  modelId: string;
  provider: ExecutionProvider;
  durationMs: number;
  rendered: RenderedOutput;
  /** The model's mask, when the model ran: cached for the next preset on the same image. */
  mask: CachedMask | null;
}

/** A model mask in the cache, by the source's and the model's bytes. */
export interface CachedMask extends StoredFile {
  sourceSha256: string;
  modelSha256: string;
  provider: ExecutionProvider;
}

export interface RemoveBackgroundResult {
  asset: Asset;
  reused: boolean;
  provider: ExecutionProvider | null;
  /** The result's quality verdict (accepted results count as ok); null for results older than verdicts. */
  review: ReviewFacts | null;
}

/** The derived asset already made from this source with these parameters, if its file is still there. */
export function findExisting(deps: Pick<RemoveBackgroundDeps, 'db' | 'library'>, sourceAssetId: string, paramsHash: string): Asset | null {
  const id = deps.db
    .prepare('SELECT id FROM assets WHERE source_asset_id = ? AND operation = ? AND params_hash = ? AND deleted = 0 ORDER BY created_at DESC LIMIT 1')
    .pluck()
    .get(sourceAssetId, OPERATION, paramsHash) as string | undefined;
  return id ? deps.library.getAsset(id) : null;
}

/** The cached model mask of these bytes and this model, if its file is still there. */
export async function cachedMask(deps: Pick<RemoveBackgroundDeps, 'db' | 'store'>, sourceSha256: string, modelSha256: string): Promise<(MaskInput & { file: string; provider: ExecutionProvider }) | null> {
  const row = deps.db
    .prepare('SELECT mask_sha256, width, height, provider FROM remove_background_masks WHERE source_digest = ? AND model_digest = ?')
    .get(sourceSha256, modelSha256) as { mask_sha256: string; width: number; height: number; provider: ExecutionProvider } | undefined;
  if (!row || !(await deps.store.has(row.mask_sha256))) return null;
  return { file: deps.store.pathOf(row.mask_sha256), width: row.width, height: row.height, provider: row.provider };
}

/** Remembers a model mask (idempotent: the first one made for these bytes and model stays). */
export function recordMask(deps: Pick<RemoveBackgroundDeps, 'db'>, mask: CachedMask): void {
  deps.db
    .prepare(
      `INSERT INTO remove_background_masks (source_digest, model_digest, mask_sha256, width, height, provider, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (source_digest, model_digest) DO UPDATE SET mask_sha256 = excluded.mask_sha256, width = excluded.width, height = excluded.height
       WHERE mask_sha256 <> excluded.mask_sha256`,
    )
    .run(mask.sourceSha256, mask.modelSha256, mask.sha256, mask.width, mask.height, mask.provider, Date.now());
}

/**
 * The model's mask for one source: from the cache, else the model runs (decode in the
 * image worker, the model in the inference thread) and the bytes come back to be cached
 * by the render that uses them.
 */
export async function modelMask(
  deps: RemoveBackgroundDeps,
  source: Asset,
  model: Awaited<ReturnType<ModelStore['resolve']>>,
  signal?: AbortSignal,
): Promise<{ mask: MaskInput; provider: ExecutionProvider; cached: boolean }> {
  const cached = await cachedMask(deps, source.sha256, model.sha256);
  if (cached) return { mask: { file: cached.file, width: cached.width, height: cached.height }, provider: cached.provider, cached: true };
  const [w, h] = model.input.size;
  const prepared = await image(deps, { type: 'prepare', file: deps.store.pathOf(source.sha256), width: w, height: h }, signal);
  let out;
  try {
    const p = prepared.prepared!;
    out = await deps.inference.segment(model, p.pixels, p.pixelWidth, p.pixelHeight, signal);
  } catch (err) {
    if (err instanceof ModelFileError) {
      deps.models.noteBroken(model.id, err.kind, err.message);
      throw new ModelUnavailableError('unavailable', err.message);
    }
    throw err;
  }
  deps.models.noteUsed(model.id, out.provider);
  return { mask: { data: out.mask, width: out.width, height: out.height, cache: true }, provider: out.provider, cached: false };
}

/**
 * The work, with no database writes: the model's mask (cached, or decode → model) →
 * preset output and thumbnail stored as blobs. Safe to run twice (the outputs are
 * content-addressed), as the queue may.
 */
export async function computeRemoveBackground(
  deps: RemoveBackgroundDeps,
  sourceAssetId: string,
  options: RemoveBackgroundOptions,
  model: Awaited<ReturnType<ModelStore['resolve']>>,
  signal?: AbortSignal,
): Promise<ComputedResult> {
  const started = performance.now();
  const source = deps.library.getAsset(sourceAssetId);
  const file = deps.store.pathOf(source.sha256);
  const { hash } = paramsFor(options, model.sha256);
  const { mask, provider } = await modelMask(deps, source, model, signal);
  const res = await image(deps, { type: 'render', file, mask, options }, signal);
  return {
    sourceAssetId,
    paramsHash: hash,
    options,
    modelId: model.id,
    provider,
    durationMs: Math.round(performance.now() - started),
    rendered: res.rendered!,
    mask: res.mask ? { ...res.mask, sourceSha256: source.sha256, modelSha256: model.sha256, provider } : null,
  };
}

/** Records a computed result as a derived asset, exactly once per source and parameters. */
export function recordRemoveBackground(deps: Pick<RemoveBackgroundDeps, 'db' | 'library'>, result: ComputedResult): Asset {
  return deps.db.transaction(() => {
    const existing = findExisting(deps, result.sourceAssetId, result.paramsHash);
    if (existing) return existing;
    const source = deps.library.getAsset(result.sourceAssetId);
    const seq = deps.db.prepare('SELECT seq FROM assets WHERE id = ?').pluck().get(source.id) as number;
    const r = result.rendered;
    const ext = r.format === 'jpeg' ? 'jpg' : r.format;
    const stem = source.fileName.replace(/\.[^.]+$/, '');
    const fileName = `${stem}.${result.options.preset}.${ext}`;
    const dir = path.posix.dirname(source.relPath);
    const id = deps.library.insertAsset({
      projectId: source.projectId,
      kind: r.kind,
      sha256: r.sha256,
      ext,
      fileName,
      relPath: dir === '.' ? fileName : `${dir}/${fileName}`,
      width: r.width,
      height: r.height,
      format: r.format,
      bytes: r.bytes,
      seq,
      sourceAssetId: source.id,
      operation: OPERATION,
      paramsHash: result.paramsHash,
    });
    if (r.thumb) {
      // The grid's picture of the result (library.media finds a thumbnail by its source).
      deps.library.insertAsset({
        projectId: source.projectId,
        kind: 'thumbnail',
        sha256: r.thumb.sha256,
        ext: 'webp',
        fileName: `${fileName}.thumb.webp`,
        relPath: dir === '.' ? fileName : `${dir}/${fileName}`,
        width: r.thumb.width,
        height: r.thumb.height,
        format: 'webp',
        bytes: r.thumb.bytes,
        seq,
        sourceAssetId: id,
        operation: 'thumbnail',
        paramsHash: 'size=320',
      });
    }
    deps.db
      .prepare('INSERT INTO derivations (asset_id, params, model_id, provider, duration_ms, created_at, verdict, reasons, upscale, placement) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(
        id,
        JSON.stringify(result.options),
        result.modelId,
        result.provider,
        result.durationMs,
        Date.now(),
        r.review?.verdict ?? null,
        r.review ? JSON.stringify(r.review.reasons) : null,
        r.upscale,
        r.placement ? JSON.stringify(r.placement) : null,
      );
    if (result.mask) recordMask(deps, result.mask);
    return deps.library.getAsset(id);
  })();
}

/** A derived asset's verdict as the run counts it: accepted results count as ok. */
export function reviewOf(deps: Pick<RemoveBackgroundDeps, 'db'>, assetId: string): ReviewFacts | null {
  const row = deps.db.prepare('SELECT verdict, reasons, accepted_at FROM derivations WHERE asset_id = ?').get(assetId) as
    | { verdict: ReviewFacts['verdict'] | null; reasons: string | null; accepted_at: number | null }
    | undefined;
  if (!row?.verdict) return null;
  const reasons = JSON.parse(row.reasons ?? '[]') as ReviewFacts['reasons'];
  return row.verdict === 'needs_review' && row.accepted_at === null ? { verdict: 'needs_review', reasons } : { verdict: 'ok', reasons: [] };
}

export function normaliseOptions(input: RemoveBackgroundOptionsInput | RemoveBackgroundOptions = {}): RemoveBackgroundOptions {
  const parsed = RemoveBackgroundOptions.safeParse(input);
  if (!parsed.success) throw new ContractError('invalid_input', `options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const problem = checkOptions(parsed.data);
  if (problem) throw new ContractError('invalid_input', problem);
  return parsed.data;
}

export interface WorkResult {
  sourceAssetId: string;
  paramsHash: string;
  reused: boolean;
  provider: ExecutionProvider | null;
  /** The result's verdict (null for a reused result made before verdicts). */
  review: ReviewFacts | null;
  /** To record as a derived asset (the model ran, or a twin's output is reused here). */
  computed: ComputedResult | null;
  /** The derived asset that already exists for this source and parameters. */
  assetId: string | null;
  /** The image was deleted while its job waited or ran: nothing was made, and that is no failure. */
  skipped?: 'source_deleted';
}

/**
 * Everything but the database write: finds an earlier result for the same source,
 * model and parameters, or the same bytes' result in another project, or computes it.
 * The queue job runs this, then records `computed` when it completes.
 */
export async function removeBackgroundWork(
  deps: RemoveBackgroundDeps,
  assetId: string,
  optionsInput: RemoveBackgroundOptionsInput | RemoveBackgroundOptions = {},
  modelId?: string,
  signal?: AbortSignal,
): Promise<WorkResult> {
  const options = normaliseOptions(optionsInput);
  if (deps.library.wasDeleted(assetId)) return { sourceAssetId: assetId, paramsHash: '', reused: false, provider: null, review: null, computed: null, assetId: null, skipped: 'source_deleted' };
  const source = deps.library.getAsset(assetId);
  if (source.kind !== 'original') throw new ContractError('invalid_input', `asset ${assetId} is a ${source.kind}; remove the background of an original`);
  const model = await deps.models.resolve(modelId ?? deps.models.defaultId('background-removal'));
  const paramsHash = paramsFor(options, model.sha256).hash;
  const base = { sourceAssetId: assetId, paramsHash };
  const existing = findExisting(deps, assetId, paramsHash);
  if (existing && (await deps.store.has(existing.sha256))) {
    const row = deps.db.prepare('SELECT provider FROM derivations WHERE asset_id = ?').get(existing.id) as { provider: ExecutionProvider | null } | undefined;
    return { ...base, reused: true, provider: row?.provider ?? null, review: reviewOf(deps, existing.id), computed: null, assetId: existing.id };
  }
  // The same bytes in another project, with the same model and parameters, give the same
  // output: record it here without running the model again (its verdict too, not an acceptance).
  const twin = deps.db
    .prepare(
      `SELECT d.provider, d.verdict, d.reasons, d.upscale, d.placement, a.id, a.sha256, a.kind, a.width, a.height, a.format, a.bytes,
         t.sha256 AS thumb_sha256, t.width AS thumb_width, t.height AS thumb_height, t.bytes AS thumb_bytes
       FROM assets a
       JOIN assets s ON s.id = a.source_asset_id JOIN derivations d ON d.asset_id = a.id
       LEFT JOIN assets t ON t.source_asset_id = a.id AND t.kind = 'thumbnail' AND t.deleted = 0
       WHERE s.sha256 = ? AND a.operation = ? AND a.params_hash = ? AND a.deleted = 0 LIMIT 1`,
    )
    .get(source.sha256, OPERATION, paramsHash) as TwinRow | undefined;
  if (twin && (await deps.store.has(twin.sha256))) {
    const thumb = twin.thumb_sha256 && (await deps.store.has(twin.thumb_sha256)) ? { sha256: twin.thumb_sha256, width: twin.thumb_width!, height: twin.thumb_height!, bytes: twin.thumb_bytes! } : null;
    const review: ReviewFacts | null = twin.verdict ? { verdict: twin.verdict, reasons: JSON.parse(twin.reasons ?? '[]') as ReviewFacts['reasons'] } : null;
    const rendered: RenderedOutput = { sha256: twin.sha256, bytes: twin.bytes, width: twin.width, height: twin.height, format: twin.format, kind: twin.kind, subject: null, thumb, review, upscale: twin.upscale, placement: twin.placement ? (JSON.parse(twin.placement) as Placement) : null };
    return { ...base, reused: true, provider: twin.provider, review, assetId: null, computed: { ...base, options, modelId: model.id, provider: twin.provider, durationMs: 0, rendered, mask: null } };
  }
  const computed = await computeRemoveBackground(deps, assetId, options, model, signal);
  return { ...base, reused: false, provider: computed.provider, review: computed.rendered.review, computed, assetId: null };
}

interface TwinRow {
  provider: ExecutionProvider;
  placement: string | null;
  verdict: ReviewFacts['verdict'] | null;
  reasons: string | null;
  upscale: number | null;
  id: string;
  sha256: string;
  kind: RenderedOutput['kind'];
  width: number;
  height: number;
  format: RenderedOutput['format'];
  bytes: number;
  thumb_sha256: string | null;
  thumb_width: number | null;
  thumb_height: number | null;
  thumb_bytes: number | null;
}

/**
 * Removes the background of one asset: reuses the result made earlier with the same
 * source (or the same bytes), model and parameters; otherwise computes and records it.
 */
export async function removeBackground(
  deps: RemoveBackgroundDeps,
  assetId: string,
  optionsInput: RemoveBackgroundOptionsInput | RemoveBackgroundOptions = {},
  modelId?: string,
  signal?: AbortSignal,
): Promise<RemoveBackgroundResult> {
  const w = await removeBackgroundWork(deps, assetId, optionsInput, modelId, signal);
  const asset = w.computed ? recordRemoveBackground(deps, w.computed) : deps.library.getAsset(w.assetId!);
  return { asset, reused: w.reused, provider: w.provider, review: w.review };
}

export async function image(deps: Pick<RemoveBackgroundDeps, 'images'>, request: ImageRequest, signal?: AbortSignal): Promise<Extract<ImageResponse, { ok: true }>> {
  const transfer = request.type !== 'prepare' && 'data' in request.mask ? [request.mask.data.buffer as ArrayBuffer] : undefined;
  const res = await deps.images.run(request, { transfer, signal });
  if (!res.ok) throw new ImageItemError(res.message, res.imageError ? 'image' : 'io');
  return res;
}
