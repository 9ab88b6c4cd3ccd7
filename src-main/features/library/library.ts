import type { Asset, AssetFilter, AssetRefusal, AssetSort, AssetsDeleted, ListedAsset, MediaVariant, Project } from '../../../src-shared/contract/index.js';
import { ContractError } from '../../../src-shared/contract/index.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../engine/db/database.js';
import { cachedStatement } from '../../engine/db/statements.js';
import type { EventBus } from '../../engine/events.js';
import type { MediaFile } from '../../engine/feature.js';
import { newId } from '../../engine/ids.js';
import type { Queue } from '../../engine/queue/queue.js';
import type { BlobCollector } from '../../engine/store/blob-collector.js';
import type { BlobStore } from '../../engine/store/blob-store.js';
import { searchFold } from '../../../src-shared/search-fold.js';

interface ProjectRow {
  id: string;
  name: string;
  source_path: string | null;
  created_at: number;
  updated_at: number;
  asset_count: number;
  skipped_count: number;
  cover_asset_id: string | null;
}

interface AssetRow {
  id: string;
  project_id: string;
  kind: Asset['kind'];
  sha256: string;
  file_ext: string;
  file_name: string;
  rel_path: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  source_asset_id: string | null;
  operation: string | null;
  created_at: number;
}

export interface NewAsset {
  projectId: string;
  kind: Asset['kind'];
  sha256: string;
  ext: string;
  fileName: string;
  relPath: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  seq: number;
  sourceAssetId?: string | null;
  operation?: string | null;
  paramsHash?: string | null;
}

const PROJECT_SELECT = `
  SELECT p.id, p.name, p.source_path, p.created_at, p.updated_at, p.skipped_count,
    (SELECT COUNT(*) FROM assets a WHERE a.project_id = p.id AND a.kind = 'original' AND a.deleted = 0) AS asset_count,
    (SELECT a.id FROM assets a WHERE a.project_id = p.id AND a.kind = 'original' AND a.deleted = 0 ORDER BY a.seq LIMIT 1) AS cover_asset_id
  FROM projects p`;

const CONTENT_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
  tiff: 'image/tiff',
  heif: 'image/heif',
  svg: 'image/svg+xml',
};

function toProject(r: ProjectRow): Project {
  return {
    id: r.id,
    name: r.name,
    sourcePath: r.source_path,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    assetCount: r.asset_count,
    skippedCount: r.skipped_count,
    coverAssetId: r.cover_asset_id,
  };
}

/** How long a delete of images can be undone; their files stay in the store until then. */
export const UNDO_WINDOW_MS = 10 * 60_000;

/** How the grid lists a project's originals (assets.list). */
export interface AssetView {
  sort?: AssetSort;
  order?: 'asc' | 'desc';
  filter?: AssetFilter;
  query?: string;
}

const SORTS: Record<AssetSort, string> = {
  import: 'a.seq',
  name: 'a.file_name COLLATE NOCASE',
  date: 'a.created_at',
  size: 'a.bytes',
};

/** The derived images a grid can show instead of an original (not thumbnails). */
const RESULT_KINDS = "('cutout', 'mask', 'composite')";

/** An asset and everything derived from it (results, their thumbnails): the unit a delete or a move takes. */
const TREE = `WITH RECURSIVE tree(id) AS (SELECT ? UNION SELECT a.id FROM assets a JOIN tree t ON a.source_asset_id = t.id)`;

function toAsset(r: AssetRow): Asset {
  return {
    id: r.id,
    projectId: r.project_id,
    kind: r.kind,
    sha256: r.sha256,
    fileName: r.file_name,
    relPath: r.rel_path,
    width: r.width,
    height: r.height,
    format: r.format,
    bytes: r.bytes,
    sourceAssetId: r.source_asset_id,
    operation: r.operation,
    createdAt: r.created_at,
  };
}

/**
 * Projects and assets in SQLite, and their files in the blob store. Synchronous reads and
 * writes: better-sqlite3 on the engine's one writer thread.
 */
export class Library {
  /** SQL conditions on an original (alias `a`) for each grid filter, given by the features that know. */
  private readonly filters = new Map<AssetFilter, string>([['all', '1']]);
  private purgeTimer: NodeJS.Timeout | null = null;
  /** The grid's listings, prepared once per shape (sort, order, filter, search or not). */
  private readonly listings = new Map<string, Statement>();

  constructor(
    private readonly db: Db,
    private readonly store: BlobStore,
    private readonly events: EventBus,
    /** Where files no row uses any more go (never deleted here: the store is shared). */
    private readonly blobs?: BlobCollector,
    /** To stop a deleted project's imports and jobs. */
    private readonly queue?: Queue,
  ) {}

  /**
   * A grid filter another feature answers: `condition` is SQL on the original `a` (a
   * constant string of the feature's; never built from input). One owner per filter.
   */
  defineAssetFilter(name: Exclude<AssetFilter, 'all'>, condition: string): void {
    if (this.filters.has(name)) throw new Error(`asset filter ${name} is defined twice`);
    this.filters.set(name, condition);
  }

  createProject(name: string, sourcePath: string | null): Project {
    const now = Date.now();
    const id = newId();
    this.db.prepare('INSERT INTO projects (id, name, source_path, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, name, sourcePath, now, now);
    return this.getProject(id);
  }

  listProjects(): Project[] {
    return (this.db.prepare(`${PROJECT_SELECT} WHERE p.deleted = 0 ORDER BY p.created_at DESC, p.id DESC`).all() as ProjectRow[]).map(toProject);
  }

  getProject(id: string): Project {
    const row = this.db.prepare(`${PROJECT_SELECT} WHERE p.id = ? AND p.deleted = 0`).get(id) as ProjectRow | undefined;
    if (!row) throw new ContractError('not_found', `no project ${id}`);
    return toProject(row);
  }

  renameProject(id: string, name: string): Project {
    const info = this.db.prepare('UPDATE projects SET name = ?, updated_at = ? WHERE id = ? AND deleted = 0').run(name, Date.now(), id);
    if (info.changes === 0) throw new ContractError('not_found', `no project ${id}`);
    this.events.emit('projects.changed', { projectId: id });
    return this.getProject(id);
  }

  /**
   * Tombstones the project and its assets, cancels its imports and jobs, and releases its
   * files to the blob collector, which removes those nothing else references (another
   * project, a product, a job still writing them). Answers how many files leave the store.
   */
  async deleteProject(id: string): Promise<number> {
    const unused = this.tombstoneProject(id);
    this.cancelProjectWork(id);
    this.events.emit('projects.changed', { projectId: id });
    if (this.blobs) {
      await this.blobs.sweep();
      if (this.blobs.pending() > 0) this.blobs.schedule(1_000);
    }
    return unused;
  }

  /** Whether a project exists and is not deleted (commit steps check it before writing rows under it). */
  isLiveProject(id: string): boolean {
    return cachedStatement(this.db, 'SELECT 1 FROM projects WHERE id = ? AND deleted = 0', 'pluck').get(id) !== undefined;
  }

  /** Stops everything queued or running for a project: its import batches, its other batches and lone jobs. */
  private cancelProjectWork(projectId: string): void {
    if (!this.queue) return;
    const live = ['pending', 'running', 'paused'] as const;
    for (let guard = 0; guard < 1000; guard++) {
      const batches = this.queue.batches({ projectId, state: [...live], limit: 1000 }).items;
      for (const b of batches) this.queue.cancelBatch(b.id);
      const jobs = this.queue.list({ projectId, state: ['pending', 'paused'], limit: 1000 }).items;
      for (const j of jobs) this.queue.cancel(j.id);
      if (batches.length < 1000 && jobs.length < 1000) break;
    }
    // Running jobs stop through their abort signal; their commits check isLiveProject.
    for (const j of this.queue.list({ projectId, state: 'running', limit: 1000 }).items) this.queue.cancel(j.id);
  }

  /** Counts a file an import skipped (the reasons are the import feature's). */
  noteSkipped(projectId: string, count = 1): void {
    this.db.prepare('UPDATE projects SET skipped_count = skipped_count + ? WHERE id = ?').run(count, projectId);
  }

  /** Tombstones the project and its assets and releases their files, in one transaction; answers how many files no longer have a user. */
  private tombstoneProject(id: string): number {
    return this.db.transaction(() => {
      const now = Date.now();
      const info = this.db.prepare('UPDATE projects SET deleted = 1, updated_at = ? WHERE id = ? AND deleted = 0').run(now, id);
      if (info.changes === 0) throw new ContractError('not_found', `no project ${id}`);
      const shas = this.db.prepare('SELECT DISTINCT sha256 FROM assets WHERE project_id = ? AND deleted = 0').pluck().all(id) as string[];
      this.db.prepare('UPDATE assets SET deleted = 1, updated_at = ? WHERE project_id = ? AND deleted = 0').run(now, id);
      if (this.blobs) return this.blobs.release(shas);
      const stillUsed = this.db.prepare('SELECT 1 FROM assets WHERE sha256 = ? AND deleted = 0 LIMIT 1').pluck();
      return shas.filter((sha) => !stillUsed.get(sha)).length;
    })();
  }

  /**
   * A page of a project's originals as the grid lists them: sorted (ties broken by import
   * order), filtered by a feature's condition, searched in the file name and folder path.
   */
  listAssets(projectId: string, offset: number, limit: number, view: AssetView = {}): { items: ListedAsset[]; total: number } {
    this.getProject(projectId);
    const filter = this.filters.get(view.filter ?? 'all');
    if (!filter) throw new ContractError('invalid_input', `the filter "${view.filter}" is not available in this engine`);
    const where = ["a.project_id = ? AND a.kind = 'original' AND a.deleted = 0", `(${filter})`];
    const params: unknown[] = [projectId];
    const query = view.query?.trim();
    if (query) {
      // Folded on both sides (src-shared/search-fold.ts): SQLite's LIKE folds only ASCII, so
      // "ışık" would miss "IŞIK.jpg" and "cay" would miss "Çay.jpg".
      where.push("(search_fold(a.file_name) LIKE ? ESCAPE '\\' OR search_fold(a.rel_path) LIKE ? ESCAPE '\\')");
      const like = `%${searchFold(query).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      params.push(like, like);
    }
    const sql = where.join(' AND ');
    const total = this.listing(`SELECT COUNT(*) FROM assets a WHERE ${sql}`).pluck().get(...params) as number;
    const dir = view.order === 'desc' ? 'DESC' : 'ASC';
    const rows = this.listing(
      `SELECT a.*, (SELECT r.id FROM assets r WHERE r.source_asset_id = a.id AND r.kind IN ${RESULT_KINDS} AND r.deleted = 0 ORDER BY r.created_at DESC, r.id DESC LIMIT 1) AS latest_result_id
       FROM assets a WHERE ${sql} ORDER BY ${SORTS[view.sort ?? 'import']} ${dir}, a.seq ${dir} LIMIT ? OFFSET ?`,
    ).all(...params, limit, offset) as (AssetRow & { latest_result_id: string | null })[];
    return { items: rows.map((r) => ({ ...toAsset(r), latestResultId: r.latest_result_id })), total };
  }

  /**
   * Tombstones images: an original with everything derived from it, a derived image with
   * its own thumbnail. The token undoes it (restoreAssets) for UNDO_WINDOW_MS; the files
   * stay in the store until then, and leave it afterwards when nothing else uses them.
   */
  deleteAssets(ids: readonly string[]): AssetsDeleted {
    const token = newId();
    const now = Date.now();
    const projects = new Set<string>();
    let deleted = 0;
    const tree = this.db.prepare(`${TREE} SELECT a.id, a.project_id FROM assets a JOIN tree t ON t.id = a.id WHERE a.deleted = 0`);
    const tombstone = this.db.prepare('UPDATE assets SET deleted = 1, deleted_by = ?, deleted_at = ?, updated_at = ? WHERE id = ? AND deleted = 0');
    this.db.transaction(() => {
      for (const id of new Set(ids)) {
        const rows = tree.all(id) as { id: string; project_id: string }[];
        if (!rows.some((r) => r.id === id)) continue;
        for (const r of rows) tombstone.run(token, now, now, r.id);
        projects.add(rows[0]!.project_id);
        deleted++;
      }
    })();
    for (const projectId of projects) this.events.emit('projects.changed', { projectId });
    this.schedulePurge();
    return deleted ? { deleted, undoToken: token, undoUntil: now + UNDO_WINDOW_MS } : { deleted: 0, undoToken: null, undoUntil: null };
  }

  /** Undoes deleteAssets while its token lasts; an original whose bytes were imported again into its project meanwhile stays deleted. */
  restoreAssets(token: string): { restored: number; refused: AssetRefusal[] } {
    const rows = this.db
      .prepare(
        `SELECT a.id, a.project_id, a.kind, a.sha256, a.source_asset_id, p.deleted AS project_deleted FROM assets a JOIN projects p ON p.id = a.project_id
         WHERE a.deleted = 1 AND a.deleted_by = ? ORDER BY a.source_asset_id IS NOT NULL, a.seq`,
      )
      .all(token) as { id: string; project_id: string; kind: Asset['kind']; sha256: string; source_asset_id: string | null; project_deleted: number }[];
    if (rows.length === 0) throw new ContractError('not_found', 'nothing to undo: that delete was already undone, or too long ago');
    const refused: AssetRefusal[] = [];
    const refusedIds = new Set<string>();
    let restored = 0;
    const now = Date.now();
    const revive = this.db.prepare('UPDATE assets SET deleted = 0, deleted_by = NULL, deleted_at = NULL, updated_at = ? WHERE id = ?');
    const taken = this.db.prepare("SELECT 1 FROM assets WHERE project_id = ? AND sha256 = ? AND kind = 'original' AND deleted = 0").pluck();
    const projects = new Set<string>();
    this.db.transaction(() => {
      for (const r of rows) {
        // Parents come first (ORDER BY): a derived image follows its source, restored or not.
        if (r.source_asset_id && refusedIds.has(r.source_asset_id)) {
          refusedIds.add(r.id);
          continue;
        }
        const parentGone = r.source_asset_id !== null && !rows.some((x) => x.id === r.source_asset_id) && !this.isLive(r.source_asset_id);
        const code: AssetRefusal['code'] | null = r.project_deleted
          ? 'project_deleted'
          : r.kind === 'original' && taken.get(r.project_id, r.sha256)
            ? 'duplicate'
            : parentGone
              ? 'not_found'
              : null;
        if (code) {
          refusedIds.add(r.id);
          if (!r.source_asset_id || !rows.some((x) => x.id === r.source_asset_id)) refused.push({ id: r.id, code, reason: refusalText(code) });
          continue;
        }
        revive.run(now, r.id);
        projects.add(r.project_id);
        if (!r.source_asset_id || !rows.some((x) => x.id === r.source_asset_id)) restored++;
      }
    })();
    for (const projectId of projects) this.events.emit('projects.changed', { projectId });
    return { restored, refused };
  }

  /**
   * Moves originals, with everything derived from them, to another project (after its
   * last image). One whose bytes are an image of that project already stays where it is.
   */
  moveAssets(ids: readonly string[], projectId: string): { moved: number; refused: AssetRefusal[] } {
    this.getProject(projectId);
    const refused: AssetRefusal[] = [];
    const from = new Set<string>();
    let moved = 0;
    const tree = this.db.prepare(`${TREE} SELECT id FROM tree`).pluck();
    const move = this.db.prepare('UPDATE assets SET project_id = ?, seq = ?, updated_at = ? WHERE id = ? AND deleted = 0');
    const taken = this.db.prepare("SELECT 1 FROM assets WHERE project_id = ? AND sha256 = ? AND kind = 'original' AND deleted = 0").pluck();
    const now = Date.now();
    this.db.transaction(() => {
      let seq = this.reserveSeq(projectId, new Set(ids).size);
      for (const id of new Set(ids)) {
        const row = this.db.prepare('SELECT id, project_id, kind, sha256 FROM assets WHERE id = ? AND deleted = 0').get(id) as
          | { id: string; project_id: string; kind: Asset['kind']; sha256: string }
          | undefined;
        const code: AssetRefusal['code'] | null = !row ? 'not_found' : row.kind !== 'original' ? 'not_original' : row.project_id !== projectId && taken.get(projectId, row.sha256) ? 'duplicate' : null;
        if (code) {
          refused.push({ id, code, reason: refusalText(code) });
          continue;
        }
        if (row!.project_id === projectId) continue;
        from.add(row!.project_id);
        for (const member of tree.all(id) as string[]) move.run(projectId, seq, now, member);
        seq++;
        moved++;
      }
      for (const p of from) this.db.prepare('UPDATE projects SET updated_at = ? WHERE id = ?').run(now, p);
      this.db.prepare('UPDATE projects SET updated_at = ? WHERE id = ?').run(now, projectId);
    })();
    for (const p of [...from, projectId]) this.events.emit('projects.changed', { projectId: p });
    return { moved, refused };
  }

  /**
   * Ends the undo of deletes older than the window: their tokens expire, and the files no
   * live image uses leave the store. Runs on a timer after a delete and once at start.
   */
  async purgeDeleted(now = Date.now()): Promise<number> {
    const orphans = this.db.transaction(() => {
      const cutoff = now - UNDO_WINDOW_MS;
      const shas = this.db.prepare('SELECT DISTINCT sha256 FROM assets WHERE deleted = 1 AND deleted_by IS NOT NULL AND deleted_at <= ?').pluck().all(cutoff) as string[];
      this.db.prepare('UPDATE assets SET deleted_by = NULL WHERE deleted = 1 AND deleted_by IS NOT NULL AND deleted_at <= ?').run(cutoff);
      const stillUsed = this.db.prepare('SELECT 1 FROM assets WHERE sha256 = ? AND (deleted = 0 OR deleted_by IS NOT NULL) LIMIT 1').pluck();
      return shas.filter((sha) => !stillUsed.get(sha));
    })();
    let removed = 0;
    for (const sha of orphans) if (await this.store.remove(sha)) removed++;
    return removed;
  }

  /** Stops the purge timer (engine close). */
  close(): void {
    if (this.purgeTimer) clearTimeout(this.purgeTimer);
    this.purgeTimer = null;
  }

  private schedulePurge(): void {
    if (this.purgeTimer) return;
    this.purgeTimer = setTimeout(() => {
      this.purgeTimer = null;
      void this.purgeDeleted()
        .catch(() => undefined)
        .finally(() => {
          const pending = this.db.prepare('SELECT 1 FROM assets WHERE deleted = 1 AND deleted_by IS NOT NULL LIMIT 1').pluck().get();
          if (pending) this.schedulePurge();
        });
    }, UNDO_WINDOW_MS + 1000);
    this.purgeTimer.unref();
  }

  private listing(sql: string): Statement {
    let stmt = this.listings.get(sql);
    if (!stmt) this.listings.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }

  private isLive(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM assets WHERE id = ? AND deleted = 0').pluck().get(id) !== undefined;
  }

  /** Every live file of a project of these kinds, in import order (originals before their results). */
  projectFiles(projectId: string, kinds: readonly Asset['kind'][]): Asset[] {
    const rows = this.db
      .prepare(`SELECT * FROM assets WHERE project_id = ? AND deleted = 0 AND kind IN (${kinds.map(() => '?').join(',')}) ORDER BY seq, created_at`)
      .all(projectId, ...kinds) as AssetRow[];
    return rows.map(toAsset);
  }

  /** Whether an asset existed and was deleted (a job about it then has nothing left to do, which is not a failure). */
  wasDeleted(id: string): boolean {
    return cachedStatement(this.db, 'SELECT 1 FROM assets WHERE id = ? AND deleted = 1', 'pluck').get(id) !== undefined;
  }

  getAsset(id: string): Asset {
    const row = this.db.prepare('SELECT * FROM assets WHERE id = ? AND deleted = 0').get(id) as AssetRow | undefined;
    if (!row) throw new ContractError('not_found', `no asset ${id}`);
    return toAsset(row);
  }

  /** The stored file behind an asset's media variant, or null. */
  media(assetId: string, variant: MediaVariant): MediaFile | null {
    const row = (
      variant === 'original'
        ? this.db.prepare('SELECT sha256, format FROM assets WHERE id = ? AND deleted = 0').get(assetId)
        : this.db.prepare("SELECT sha256, format FROM assets WHERE source_asset_id = ? AND kind = 'thumbnail' AND deleted = 0 LIMIT 1").get(assetId)
    ) as { sha256: string; format: string } | undefined;
    return row ? { path: this.store.pathOf(row.sha256), contentType: CONTENT_TYPES[row.format] ?? 'application/octet-stream' } : null;
  }

  /** Where an asset's bytes are in the blob store. */
  pathOf(asset: Pick<Asset, 'sha256'>): string {
    return this.store.pathOf(asset.sha256);
  }

  findOriginal(projectId: string, sha256: string): string | null {
    return (
      (cachedStatement(this.db, "SELECT id FROM assets WHERE project_id = ? AND sha256 = ? AND kind = 'original' AND deleted = 0", 'pluck').get(projectId, sha256) as
        | string
        | undefined) ?? null
    );
  }

  /**
   * Reserves `count` consecutive import-order numbers in a project and answers the first.
   * Reserved, not read from MAX(seq): an import's files have no rows until each file's job
   * commits, so a second import (or a move) starting meanwhile would reuse the same numbers.
   */
  reserveSeq(projectId: string, count: number): number {
    const next = this.db
      .prepare(
        `UPDATE projects SET next_seq = MAX(next_seq, COALESCE((SELECT MAX(seq) FROM assets WHERE project_id = ?), 0) + 1) + ?
         WHERE id = ? RETURNING next_seq`,
      )
      .pluck()
      .get(projectId, Math.max(0, count), projectId) as number | undefined;
    if (next === undefined) throw new ContractError('not_found', `no project ${projectId}`);
    return next - Math.max(0, count);
  }

  insertAsset(a: NewAsset): string {
    // A job that finished after its project was deleted must not leave rows under it.
    if (!this.isLiveProject(a.projectId)) throw new ContractError('conflict', `project ${a.projectId} was deleted`);
    const now = Date.now();
    const id = newId();
    cachedStatement(
      this.db,
      `INSERT INTO assets (id, project_id, kind, sha256, file_ext, file_name, rel_path, width, height, format, bytes, source_asset_id, operation, params_hash, seq, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, a.projectId, a.kind, a.sha256, a.ext, a.fileName, a.relPath, a.width, a.height, a.format, a.bytes, a.sourceAssetId ?? null, a.operation ?? null, a.paramsHash ?? null, a.seq, now, now);
    return id;
  }
}

function refusalText(code: AssetRefusal['code']): string {
  switch (code) {
    case 'duplicate':
      return 'the same image is in that project already';
    case 'project_deleted':
      return 'its project was deleted';
    case 'not_found':
      return 'no such image (deleted meanwhile?)';
    case 'not_original':
      return 'only imported images move between projects; their results go with them';
  }
}
