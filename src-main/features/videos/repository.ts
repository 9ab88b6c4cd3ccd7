/**
 * Videos in SQLite: the row, its contract shape, and the statements the service composes
 * inside its transactions (prepared once).
 */
import type { Statement } from 'better-sqlite3';
import type { Video, VideoProbeInfo, VideoState } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';

export interface VideoRow {
  id: string;
  product_id: string | null;
  sha256: string;
  original_name: string;
  original_path: string | null;
  bytes: number;
  origin: Video['origin'];
  probe: string | null;
  poster_sha256: string | null;
  poster_thumb_sha256: string | null;
  state: VideoState;
  error: string | null;
  error_code: string | null;
  job_id: string | null;
  frames_kept: number;
  frames_flagged: number;
  processed_at: number | null;
  created_at: number;
  updated_at: number;
  deleted: number;
}

export interface NewVideoRow {
  id: string;
  productId: string | null;
  sha256: string;
  originalName: string;
  originalPath: string | null;
  bytes: number;
  origin: Video['origin'];
  now: number;
}

export function toVideo(r: VideoRow, product: { barcode: string | null; label: string } | null, progress: Video['progress']): Video {
  return {
    id: r.id,
    productId: r.product_id,
    barcode: product?.barcode ?? null,
    productLabel: product?.label ?? '',
    originalName: r.original_name,
    bytes: r.bytes,
    origin: r.origin,
    probe: r.probe ? (JSON.parse(r.probe) as VideoProbeInfo) : null,
    posterId: r.poster_sha256 ? r.id : null,
    state: r.state,
    error: r.error,
    errorCode: r.error_code,
    jobId: r.job_id,
    progress: r.state === 'processing' || r.state === 'queued' ? progress : null,
    framesKept: r.frames_kept,
    framesFlagged: r.frames_flagged,
    processedAt: r.processed_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class VideoRepository {
  readonly byId: Statement<[string], VideoRow>;
  readonly liveById: Statement<[string], VideoRow>;
  readonly byJob: Statement<[string], VideoRow>;
  readonly liveBySha: Statement<[string], VideoRow>;
  readonly insert: Statement;
  readonly setProbe: Statement;
  readonly setPoster: Statement;
  readonly setProduct: Statement;
  readonly setQueued: Statement;
  readonly setState: Statement;
  readonly setFailed: Statement;
  readonly setCompleted: Statement;
  readonly tombstone: Statement;
  readonly unsettled: Statement<[], VideoRow>;
  readonly shaInUse: Statement<[string], number>;

  constructor(private readonly db: Db) {
    this.byId = db.prepare('SELECT * FROM videos WHERE id = ?');
    this.liveById = db.prepare('SELECT * FROM videos WHERE id = ? AND deleted = 0');
    this.byJob = db.prepare('SELECT * FROM videos WHERE job_id = ?');
    this.liveBySha = db.prepare('SELECT * FROM videos WHERE sha256 = ? AND deleted = 0 ORDER BY created_at');
    this.insert = db.prepare(
      `INSERT INTO videos (id, product_id, sha256, original_name, original_path, bytes, origin, state, created_at, updated_at)
       VALUES (@id, @productId, @sha256, @originalName, @originalPath, @bytes, @origin, 'pending', @now, @now)`,
    );
    this.setProbe = db.prepare('UPDATE videos SET probe = ?, updated_at = ? WHERE id = ?');
    this.setPoster = db.prepare('UPDATE videos SET poster_sha256 = ?, poster_thumb_sha256 = ?, updated_at = ? WHERE id = ?');
    this.setProduct = db.prepare('UPDATE videos SET product_id = ?, updated_at = ? WHERE id = ?');
    this.setQueued = db.prepare("UPDATE videos SET state = 'queued', job_id = ?, error = NULL, error_code = NULL, updated_at = ? WHERE id = ?");
    this.setState = db.prepare('UPDATE videos SET state = ?, updated_at = ? WHERE id = ?');
    this.setFailed = db.prepare("UPDATE videos SET state = 'failed', error = ?, error_code = ?, updated_at = ? WHERE id = ?");
    this.setCompleted = db.prepare(
      `UPDATE videos SET state = 'completed', error = NULL, error_code = NULL, frames_kept = @kept, frames_flagged = @flagged,
         probe = COALESCE(@probe, probe), processed_at = @now, updated_at = @now WHERE id = @id`,
    );
    this.tombstone = db.prepare('UPDATE videos SET deleted = 1, updated_at = ? WHERE id = ? AND deleted = 0');
    this.unsettled = db.prepare("SELECT * FROM videos WHERE deleted = 0 AND state IN ('queued', 'processing')");
    this.shaInUse = db.prepare('SELECT COUNT(*) FROM videos WHERE sha256 = ? AND deleted = 0').pluck() as Statement<[string], number>;
  }

  list(filter: { state?: VideoState[]; productId?: string }, offset: number, limit: number): { rows: VideoRow[]; total: number } {
    const where = ['deleted = 0'];
    const params: unknown[] = [];
    if (filter.state?.length) {
      where.push(`state IN (${filter.state.map(() => '?').join(',')})`);
      params.push(...filter.state);
    }
    if (filter.productId) {
      where.push('product_id = ?');
      params.push(filter.productId);
    }
    const sql = where.join(' AND ');
    const total = this.db.prepare(`SELECT COUNT(*) FROM videos WHERE ${sql}`).pluck().get(...params) as number;
    const rows = this.db.prepare(`SELECT * FROM videos WHERE ${sql} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`).all(...params, limit, offset) as VideoRow[];
    return { rows, total };
  }

  counts(since: number): { state: VideoState; n: number; today: number; noProduct: number }[] {
    return this.db
      .prepare(
        `SELECT state, COUNT(*) AS n, SUM(CASE WHEN processed_at >= ? THEN 1 ELSE 0 END) AS today, SUM(CASE WHEN product_id IS NULL THEN 1 ELSE 0 END) AS noProduct
         FROM videos WHERE deleted = 0 GROUP BY state`,
      )
      .all(since) as { state: VideoState; n: number; today: number; noProduct: number }[];
  }
}
