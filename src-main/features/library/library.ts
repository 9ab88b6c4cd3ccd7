import type { Asset, MediaVariant, Project } from '../../../src-shared/contract/index.js';
import { ContractError } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';
import type { EventBus } from '../../engine/events.js';
import type { MediaFile } from '../../engine/feature.js';
import { newId } from '../../engine/ids.js';
import type { Queue } from '../../engine/queue/queue.js';
import type { BlobCollector } from '../../engine/store/blob-collector.js';
import type { BlobStore } from '../../engine/store/blob-store.js';

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
  constructor(
    private readonly db: Db,
    private readonly store: BlobStore,
    private readonly events: EventBus,
    /** Where files no row uses any more go (never deleted here: the store is shared). */
    private readonly blobs?: BlobCollector,
    /** To stop a deleted project's imports and jobs. */
    private readonly queue?: Queue,
  ) {}

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
    return this.db.prepare('SELECT 1 FROM projects WHERE id = ? AND deleted = 0').pluck().get(id) !== undefined;
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

  listAssets(projectId: string, offset: number, limit: number): { items: Asset[]; total: number } {
    this.getProject(projectId);
    const total = this.db.prepare("SELECT COUNT(*) FROM assets WHERE project_id = ? AND kind = 'original' AND deleted = 0").pluck().get(projectId) as number;
    const rows = this.db
      .prepare("SELECT * FROM assets WHERE project_id = ? AND kind = 'original' AND deleted = 0 ORDER BY seq LIMIT ? OFFSET ?")
      .all(projectId, limit, offset) as AssetRow[];
    return { items: rows.map(toAsset), total };
  }

  /** Every live file of a project of these kinds, in import order (originals before their results). */
  projectFiles(projectId: string, kinds: readonly Asset['kind'][]): Asset[] {
    const rows = this.db
      .prepare(`SELECT * FROM assets WHERE project_id = ? AND deleted = 0 AND kind IN (${kinds.map(() => '?').join(',')}) ORDER BY seq, created_at`)
      .all(projectId, ...kinds) as AssetRow[];
    return rows.map(toAsset);
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
      (this.db.prepare("SELECT id FROM assets WHERE project_id = ? AND sha256 = ? AND kind = 'original' AND deleted = 0").pluck().get(projectId, sha256) as
        | string
        | undefined) ?? null
    );
  }

  nextSeq(projectId: string): number {
    return ((this.db.prepare('SELECT MAX(seq) FROM assets WHERE project_id = ?').pluck().get(projectId) as number | null) ?? 0) + 1;
  }

  insertAsset(a: NewAsset): string {
    // A job that finished after its project was deleted must not leave rows under it.
    if (!this.isLiveProject(a.projectId)) throw new ContractError('conflict', `project ${a.projectId} was deleted`);
    const now = Date.now();
    const id = newId();
    this.db
      .prepare(
        `INSERT INTO assets (id, project_id, kind, sha256, file_ext, file_name, rel_path, width, height, format, bytes, source_asset_id, operation, params_hash, seq, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, a.projectId, a.kind, a.sha256, a.ext, a.fileName, a.relPath, a.width, a.height, a.format, a.bytes, a.sourceAssetId ?? null, a.operation ?? null, a.paramsHash ?? null, a.seq, now, now);
    return id;
  }
}
