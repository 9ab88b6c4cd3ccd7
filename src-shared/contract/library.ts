/** The library: projects (a dropped batch of images) and their assets (originals and derived files). */
import { z } from 'zod';
import { defineSlice, method } from './define.js';
import { Empty, Id, Timestamp } from './schemas.js';

export const ProjectName = z.string().trim().min(1, 'name is empty').max(200, 'name is longer than 200 characters');

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
      z
        .object({
          projectId: Id,
          offset: z.number().int().nonnegative().default(0),
          limit: z.number().int().min(1).max(1000).default(200),
        })
        .strict(),
      z.object({ items: z.array(Asset), total: z.number().int().nonnegative() }),
      "A page of a project's original images, in import order",
    ),
    'assets.get': method(z.object({ id: Id }).strict(), Asset, 'One asset'),
  },
  events: {
    'projects.changed': z.object({ projectId: Id.nullable() }),
  },
});
