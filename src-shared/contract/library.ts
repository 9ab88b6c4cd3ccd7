/** The library: projects (a dropped batch of images) and their assets (originals and derived files). */
import { z } from 'zod';
import { defineSlice, method } from './define.js';
import { Empty, Id, SafeText, Timestamp } from './schemas.js';

export const ProjectName = SafeText({ max: 200 });

export const Project = z.object({
  id: Id,
  name: z.string(),
  sourcePath: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  assetCount: z.number().int().nonnegative(),
  skippedCount: z.number().int().nonnegative(),
  coverAssetId: Id.nullable(),
});
export type Project = z.infer<typeof Project>;

export const AssetKind = z.enum(['original', 'thumbnail', 'cutout', 'mask', 'composite']);
export type AssetKind = z.infer<typeof AssetKind>;

export const Asset = z.object({
  id: Id,
  projectId: Id,
  kind: AssetKind,
  sha256: z.string().length(64),
  fileName: z.string(),
  relPath: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  format: z.string(),
  bytes: z.number().int().nonnegative(),
  sourceAssetId: Id.nullable(),
  operation: z.string().nullable(),
  createdAt: Timestamp,
});
export type Asset = z.infer<typeof Asset>;

/** The grid's order: import order (default), file name, date added, file size. */
export const AssetSort = z.enum(['import', 'name', 'date', 'size']);
export type AssetSort = z.infer<typeof AssetSort>;

/**
 * Which originals the grid shows. Each filter but `all` is answered by the feature that
 * knows (remove-background: results, failures, verdicts); an engine without it refuses it.
 */
export const AssetFilter = z.enum(['all', 'has_result', 'no_result', 'needs_review', 'failed']);
export type AssetFilter = z.infer<typeof AssetFilter>;

/** An original as the grid lists it: with its newest derived image, for a grid that shows results. */
export const ListedAsset = Asset.extend({
  latestResultId: Id.nullable().optional(),
});
export type ListedAsset = z.infer<typeof ListedAsset>;

export const AssetListInput = z
  .object({
    projectId: Id,
    offset: z.number().int().nonnegative().default(0),
    limit: z.number().int().min(1).max(1000).default(200),
    sort: AssetSort.default('import'),
    order: z.enum(['asc', 'desc']).default('asc'),
    filter: AssetFilter.default('all'),
    /** Part of the file name or folder path, any case. */
    query: z.string().trim().max(200).optional(),
  })
  .strict();
export type AssetListInput = z.input<typeof AssetListInput>;

/** What an undoable delete leaves: the token undoes it (assets.restore) while it lasts. */
export const AssetsDeleted = z.object({
  deleted: z.number().int().nonnegative(),
  undoToken: Id.nullable(),
  /** Until when the token undoes it. */
  undoUntil: Timestamp.nullable(),
});
export type AssetsDeleted = z.infer<typeof AssetsDeleted>;

/**
 * An image a move or an undo left where it was, with why: `duplicate` (the same bytes are
 * an image of that project already), `project_deleted`, `not_found`, `not_original`.
 */
export const AssetRefusal = z.object({ id: Id, code: z.enum(['duplicate', 'project_deleted', 'not_found', 'not_original']), reason: z.string() });
export type AssetRefusal = z.infer<typeof AssetRefusal>;

export const libraryContract = defineSlice({
  methods: {
    'projects.list': method(Empty, z.array(Project), 'All projects, newest first'),
    'projects.get': method(z.object({ id: Id }).strict(), Project, 'One project'),
    'projects.rename': method(z.object({ id: Id, name: ProjectName }).strict(), Project, 'Rename a project'),
    'projects.delete': method(
      z.object({ id: Id }).strict(),
      z.object({ removedFiles: z.number().int().nonnegative() }),
      'Delete a project; files no other project uses leave the store',
    ),
    'assets.list': method(
      AssetListInput,
      z.object({ items: z.array(ListedAsset), total: z.number().int().nonnegative() }),
      "A page of a project's original images: sorted, filtered and searched by file name",
    ),
    'assets.get': method(z.object({ id: Id }).strict(), Asset, 'One asset'),
    'assets.delete': method(
      z.object({ ids: z.array(Id).min(1).max(100_000) }).strict(),
      AssetsDeleted,
      'Delete images (an original goes with its results; a result alone); undo with assets.restore for a while',
    ),
    'assets.restore': method(
      z.object({ undoToken: Id }).strict(),
      z.object({ restored: z.number().int().nonnegative(), refused: z.array(AssetRefusal) }),
      'Undo a delete of images',
    ),
    'assets.move': method(
      z.object({ ids: z.array(Id).min(1).max(100_000), projectId: Id }).strict(),
      z.object({ moved: z.number().int().nonnegative(), refused: z.array(AssetRefusal) }),
      'Move originals (with their results) to another project',
    ),
  },
  events: {
    'projects.changed': z.object({ projectId: Id.nullable() }),
  },
});
