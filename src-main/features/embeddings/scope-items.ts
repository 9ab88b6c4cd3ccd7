/**
 * The images an embedding scope covers, as (id, sha256): a project's originals, every
 * original of the library's live projects, or the synthetic and real images of a set of
 * products (given, or a dataset's live members, which the datasets feature resolves: its
 * augmented images are derived copies and stay out, as they do of product sets).
 * Read-only SQL on the library's and the products' tables (both features come before this
 * one), so one query answers a scope of 100,000 images.
 */
import { createHash } from 'node:crypto';
import type { EmbeddingScope } from '../../../src-shared/contract/index.js';
import type { Db } from '../../engine/db/database.js';

export interface ScopeItem {
  id: string;
  sha256: string;
}

/** A dataset's live member products, in order (the datasets feature's store; not_found for a deleted dataset). */
export type DatasetMembers = (datasetId: string) => readonly string[];

export function scopeKey(scope: EmbeddingScope): string {
  if (scope.kind === 'project') return `project:${scope.projectId}`;
  if (scope.kind === 'dataset') return `dataset:${scope.datasetId}`;
  if (scope.kind === 'library') return 'library';
  const ids = [...new Set(scope.productIds)].sort();
  return `products:${createHash('sha256').update(ids.join(',')).digest('hex')}`;
}

export function scopeItems(db: Db, scope: EmbeddingScope, datasetMembers: DatasetMembers): ScopeItem[] {
  if (scope.kind === 'project') {
    return db.prepare("SELECT id, sha256 FROM assets WHERE project_id = ? AND kind = 'original' AND deleted = 0 ORDER BY seq, created_at").all(scope.projectId) as ScopeItem[];
  }
  if (scope.kind === 'library') {
    return db
      .prepare("SELECT a.id, a.sha256 FROM assets a JOIN projects p ON p.id = a.project_id WHERE a.kind = 'original' AND a.deleted = 0 AND p.deleted = 0 ORDER BY a.created_at, a.seq")
      .all() as ScopeItem[];
  }
  return db
    .prepare(
      "SELECT id, sha256 FROM product_images WHERE deleted = 0 AND type IN ('synthetic', 'real') AND product_id IN (SELECT value FROM json_each(?)) ORDER BY product_id, created_at, id",
    )
    .all(JSON.stringify(scope.kind === 'dataset' ? datasetMembers(scope.datasetId) : scope.productIds)) as ScopeItem[];
}
