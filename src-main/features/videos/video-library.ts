/**
 * The videos themselves: adding files (streamed into the blob store, linked to their
 * product by barcode), reading them back with their product's label and live progress,
 * linking a barcode later, deleting, and the poster still the list shows. Processing is
 * processing.ts; this module never runs a model.
 */
import fs from 'node:fs/promises';
import { ContractError, VideoListInput, type MediaVariant, type Video, type VideoProbeInfo, type VideoStats } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import type { EventBus } from '../../engine/events.js';
import type { MediaFile } from '../../engine/feature.js';
import { newId } from '../../engine/ids.js';
import type { ImageIngestPool } from '../../engine/images/ingest-pool.js';
import type { BlobStore } from '../../engine/store/blob-store.js';
import { gtinCheckDigitValid, type ProductCatalog } from '../products/public.js';
import { runCaptured } from './ffmpeg.js';
import type { FfmpegLocator } from './ffmpeg-locator.js';
import { probeVideo, type VideoProbe } from './probe.js';
import { toVideo, VideoRepository, type VideoRow } from './repository.js';

export interface AddFileOptions {
  /** The name the user knows the file by. */
  name: string;
  barcode: string | null;
  origin: Video['origin'];
  /** Kept for the user's reference (null for an upload). */
  originalPath: string | null;
}

/** The probe facts the UI shows. */
export function probeInfo(p: VideoProbe): VideoProbeInfo {
  return { duration: p.duration, fps: p.fps, width: p.displayWidth, height: p.displayHeight, codec: p.codec, container: p.container, rotation: p.rotation };
}

/**
 * The media type a player is told: MP4 for ffmpeg's "mov,mp4,…" family (a phone's .mov
 * with H.264 plays as MP4), WebM for Matroska/WebM; by the file's name when ffmpeg has not
 * described it. Anything else is bytes (the media routes then serve no video).
 */
export function videoContentType(container: string | null, name: string): string {
  const c = container ?? '';
  if (/\bmp4\b|\bmov\b/.test(c) || /\.(mp4|m4v|mov)$/i.test(name)) return 'video/mp4';
  if (/webm|matroska/.test(c) || /\.(webm|mkv)$/i.test(name)) return 'video/webm';
  return 'application/octet-stream';
}

export class VideoLibrary {
  readonly repo: VideoRepository;
  /** Live progress of processing jobs, by video (the queue throttles it; the row keeps none). */
  readonly progress = new Map<string, { stage: string | null; percent: number | null }>();

  constructor(
    readonly db: Db,
    readonly store: BlobStore,
    readonly events: EventBus,
    readonly catalog: ProductCatalog,
    private readonly images: ImageIngestPool,
    private readonly ffmpeg: FfmpegLocator,
  ) {
    this.repo = new VideoRepository(db);
  }

  // ------------------------------------------------------------ reads

  row(id: string): VideoRow {
    const row = this.repo.liveById.get(id);
    if (!row) throw new ContractError('not_found', `no video ${id}`);
    return row;
  }

  get(id: string): Video {
    return this.toVideos([this.row(id)])[0]!;
  }

  list(input: VideoListInput = {}): { items: Video[]; total: number } {
    const q = VideoListInput.parse(input);
    const { rows, total } = this.repo.list({ state: q.state, productId: q.productId }, q.offset, q.limit);
    return { items: this.toVideos(rows), total };
  }

  /** `since`: the start of "today" in the caller's time zone (the engine's local midnight when absent). */
  stats(since?: number): VideoStats {
    const midnight = since ?? new Date(new Date().setHours(0, 0, 0, 0)).getTime();
    const out: VideoStats = { pending: 0, queued: 0, processing: 0, completedToday: 0, completed: 0, failed: 0, needBarcode: 0 };
    for (const c of this.repo.counts(midnight)) {
      out[c.state] = c.n;
      if (c.state === 'completed') out.completedToday = c.today;
      if (c.state === 'pending') out.needBarcode = c.noProduct;
    }
    return out;
  }

  toVideos(rows: readonly VideoRow[]): Video[] {
    const productIds = [...new Set(rows.map((r) => r.product_id).filter((p): p is string => p !== null))];
    const products = new Map(this.catalog.many(productIds).map((p) => [p.id, { barcode: p.barcode, label: [p.brandName, p.productName].filter(Boolean).join(' ') }]));
    return rows.map((r) => toVideo(r, r.product_id ? (products.get(r.product_id) ?? null) : null, this.progress.get(r.id) ?? null));
  }

  media(id: string, variant: MediaVariant): MediaFile | null {
    if (variant === 'video') return this.sourceVideo(id);
    const row = this.repo.byId.get(id);
    if (!row?.poster_sha256) return null;
    if (variant === 'thumb' && row.poster_thumb_sha256) return { path: this.store.pathOf(row.poster_thumb_sha256), contentType: 'image/webp' };
    return { path: this.store.pathOf(row.poster_sha256), contentType: 'image/png' };
  }

  /**
   * A video's own file, for the product page's player: only a live video that is a live
   * product's source (a media id never reaches any other blob), typed by its container
   * so a browser plays it.
   */
  private sourceVideo(id: string): MediaFile | null {
    const row = this.repo.liveById.get(id);
    if (!row?.product_id || !this.catalog.exists(row.product_id)) return null;
    const probe = row.probe ? (JSON.parse(row.probe) as VideoProbeInfo) : null;
    return { path: this.store.pathOf(row.sha256), contentType: videoContentType(probe?.container ?? null, row.original_name) };
  }

  // ------------------------------------------------------------ writes

  /**
   * Copies one file into the blob store (streamed: videos run to gigabytes) and links it to
   * its product, created when the barcode is new. The same bytes for the same product are
   * the video already there, not a second one.
   */
  async addFile(file: string, options: AddFileOptions): Promise<{ video: Video; existing: boolean }> {
    return this.addStored(await this.storeFile(file, options), options);
  }

  /** The file's bytes into the blob store (after the checks that need no copy). */
  async storeFile(file: string, options: Pick<AddFileOptions, 'name' | 'barcode'>): Promise<{ sha256: string; bytes: number }> {
    const st = await fs.stat(file).catch((err: NodeJS.ErrnoException) => {
      throw new ContractError('not_found', `${options.name} cannot be opened: ${err.code ?? err.message}`);
    });
    if (!st.isFile()) throw new ContractError('invalid_input', `${options.name} is not a file`);
    if (st.size === 0) throw new ContractError('invalid_input', `${options.name} is empty (0 bytes)`);
    // Refuse a barcode the catalog would refuse before copying a large file for nothing.
    if (options.barcode) this.checkBarcode(options.barcode);
    return this.store.putFile(file);
  }

  /** A stored file becomes a video of its product (the same bytes for the same product: the one already there). */
  async addStored(blob: { sha256: string; bytes: number }, options: AddFileOptions): Promise<{ video: Video; existing: boolean }> {
    let productId: string | null;
    try {
      productId = options.barcode ? this.productFor(options.barcode) : null;
    } catch (err) {
      await this.dropBlobIfUnused(blob.sha256);
      throw err;
    }
    const same = this.repo.liveBySha.all(blob.sha256).find((r) => r.product_id === productId);
    if (same) return { video: this.get(same.id), existing: true };
    const id = newId();
    this.repo.insert.run({ id, productId, sha256: blob.sha256, originalName: options.name, originalPath: options.originalPath, bytes: blob.bytes, origin: options.origin, now: Date.now() });
    this.changed([id]);
    await this.describe(id);
    return { video: this.get(id), existing: false };
  }

  /** Links a video to the product with this barcode (created when new); refused while it is being processed. */
  setBarcode(id: string, barcode: string): Video {
    const row = this.row(id);
    if (row.state === 'queued' || row.state === 'processing') throw new ContractError('conflict', `${row.original_name} is being processed; cancel it first`);
    this.checkBarcode(barcode);
    const productId = this.productFor(barcode);
    this.repo.setProduct.run(productId, Date.now(), id);
    this.changed([id]);
    return this.get(id);
  }

  /** Tombstones videos (their products keep the frames); the file goes when no live video uses it. */
  async delete(ids: readonly string[]): Promise<{ deleted: number; shas: string[] }> {
    const shas: string[] = [];
    let deleted = 0;
    const now = Date.now();
    this.db.transaction(() => {
      for (const id of ids) {
        const row = this.repo.liveById.get(id);
        if (!row) continue;
        if (this.repo.tombstone.run(now, id).changes) {
          deleted++;
          shas.push(row.sha256);
        }
      }
    })();
    for (const sha of new Set(shas)) await this.dropBlobIfUnused(sha);
    if (deleted) this.changed([...ids]);
    return { deleted, shas };
  }

  changed(ids: string[] | null): void {
    this.events.emit('videos.changed', { ids });
  }

  // ------------------------------------------------------------ internals

  private checkBarcode(code: string): void {
    if (this.catalog.byBarcode(code)) return;
    if ([8, 12, 13, 14].includes(code.length) && !gtinCheckDigitValid(code)) {
      throw new ContractError('invalid_input', `barcode ${code} has a wrong check digit (GTIN mod 10); check the number`);
    }
  }

  private productFor(code: string): string {
    return (this.catalog.byBarcode(code) ?? this.catalog.create({ barcodes: [code], status: 'pending' })).id;
  }

  async dropBlobIfUnused(sha256: string): Promise<void> {
    if (this.repo.shaInUse.get(sha256) === 0) await this.store.remove(sha256);
  }

  /**
   * What the list shows before processing: the probe's facts and a poster still. Best
   * effort: without ffmpeg, or for a file it cannot read, the video is still added and
   * processing says why it fails.
   */
  private async describe(id: string): Promise<void> {
    const ffmpeg = await this.ffmpeg.resolve().catch(() => null);
    if (!ffmpeg) return;
    const row = this.row(id);
    const file = this.store.pathOf(row.sha256);
    const probe = await probeVideo(ffmpeg.path, file).catch(() => null);
    if (!probe) return;
    this.repo.setProbe.run(JSON.stringify(probeInfo(probe)), Date.now(), id);
    const tmp = this.store.tempPath();
    try {
      const at = Math.min(1, probe.duration / 3);
      const res = await runCaptured(
        ffmpeg.path,
        ['-hide_banner', '-nostdin', '-loglevel', 'error', '-ss', at.toFixed(3), '-i', file, '-map', `0:v:${probe.videoStreamIndex}`, '-frames:v', '1', '-vf', "scale='min(960,iw)':-2", '-f', 'image2', '-c:v', 'png', '-update', '1', '-y', tmp],
        { timeoutMs: 60_000 },
      );
      if (res.code !== 0) return;
      const poster = await this.images.ingest(tmp);
      if (poster.ok) this.repo.setPoster.run(poster.sha256, poster.thumb.sha256, Date.now(), id);
    } finally {
      await fs.rm(tmp, { force: true });
    }
    this.changed([id]);
  }
}

