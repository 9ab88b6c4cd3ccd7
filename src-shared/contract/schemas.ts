/**
 * Data shapes shared by the engine, both transports and the renderer.
 * This folder imports nothing but zod: no Node, no DOM, no Electron.
 */
import { z } from 'zod';

export const Id = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'not a UUID');
export type Id = z.infer<typeof Id>;

/** Milliseconds since the Unix epoch. */
export const Timestamp = z.number().int().nonnegative();

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

export const SkippedFile = z.object({
  id: Id,
  projectId: Id,
  importId: Id,
  fileName: z.string(),
  relPath: z.string(),
  reason: z.string(),
  createdAt: Timestamp,
});
export type SkippedFile = z.infer<typeof SkippedFile>;

export const ImportState = z.enum(['scanning', 'running', 'done', 'failed', 'interrupted']);
export type ImportState = z.infer<typeof ImportState>;

export const ImportProgress = z.object({
  importId: Id,
  projectId: Id,
  state: ImportState,
  total: z.number().int().nonnegative(),
  processed: z.number().int().nonnegative(),
  imported: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  error: z.string().nullable(),
});
export type ImportProgress = z.infer<typeof ImportProgress>;

export const ExecutionProvider = z.enum(['cuda', 'dml', 'coreml', 'cpu']);
export type ExecutionProvider = z.infer<typeof ExecutionProvider>;

export const EngineInfo = z.object({
  version: z.string(),
  dataDir: z.string(),
  platform: z.string(),
  arch: z.string(),
  node: z.string(),
  cpus: z.number().int().positive(),
  /** Providers that can run models here, best first (CUDA only when its libraries load). */
  executionProviders: z.array(ExecutionProvider),
  /** The provider the last model run actually used; null before any. */
  activeProvider: ExecutionProvider.nullable().optional(),
});
export type EngineInfo = z.infer<typeof EngineInfo>;

export const MediaVariant = z.enum(['thumb', 'original']);
export type MediaVariant = z.infer<typeof MediaVariant>;
