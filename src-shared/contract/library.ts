import { z } from 'zod';
import { method } from './define.js';
import { Asset, EngineInfo, Id, ImportProgress, Project, ProjectName, SkippedFile } from './schemas.js';

const Empty = z.object({}).strict();

export const ImportStartInput = z
  .object({
    /** Local files or folders (Electron drop, CLI). */
    paths: z.array(z.string().min(1)).min(1).optional(),
    /** Files uploaded first through the web transport's upload route. */
    uploadIds: z.array(Id).min(1).optional(),
    /** Relative paths for the uploads, same order (keeps folder structure from a browser drop). */
    uploadNames: z.array(z.string().min(1)).optional(),
    /** Import into this project; otherwise a new one is made. */
    projectId: Id.optional(),
    /** Name for a new project; defaults to the dropped folder's name. */
    projectName: ProjectName.optional(),
  })
  .strict()
  .refine((v) => (v.paths ? 1 : 0) + (v.uploadIds ? 1 : 0) === 1, 'give either paths or uploadIds')
  .refine((v) => !v.uploadNames || (v.uploadIds && v.uploadNames.length === v.uploadIds.length), 'uploadNames must match uploadIds');
export type ImportStartInput = z.infer<typeof ImportStartInput>;

export const libraryMethods = {
  'engine.info': method(Empty, EngineInfo, 'Engine version, data directory and execution providers'),
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
  'import.start': method(ImportStartInput, ImportProgress, 'Import files or folders into a (new) project'),
  'import.get': method(z.object({ importId: Id }).strict(), ImportProgress, "An import's progress"),
  'import.skipped': method(
    z.object({ projectId: Id }).strict(),
    z.array(SkippedFile),
    "Files a project's imports skipped, with the reason",
  ),
};

export const libraryEvents = {
  'import.progress': ImportProgress,
  'projects.changed': z.object({ projectId: Id.nullable() }),
};
