/** Import: dropped folders, files or uploads become a project's originals, through the queue. */
import { z } from 'zod';
import { batchType, defineSlice, IMPORT_MAX_UPLOADS, jobType, method } from './define.js';
import { ProjectName } from './library.js';
import { Id, Timestamp } from './schemas.js';

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

export const ImportStartInput = z
  .object({
    /** Local files or folders (Electron drop, CLI). */
    paths: z.array(z.string().min(1)).min(1).optional(),
    /** Files uploaded first through the web transport's upload route. */
    uploadIds: z.array(Id).min(1).max(IMPORT_MAX_UPLOADS).optional(),
    /** Relative paths for the uploads, same order (keeps folder structure from a browser drop); control characters are dropped. */
    uploadNames: z.array(z.string().min(1).max(1024)).max(IMPORT_MAX_UPLOADS).optional(),
    /** Import into this project; otherwise a new one is made. */
    projectId: Id.optional(),
    /** Name for a new project; defaults to the dropped folder's name. */
    projectName: ProjectName.optional(),
  })
  .strict()
  .refine((v) => (v.paths ? 1 : 0) + (v.uploadIds ? 1 : 0) === 1, 'give either paths or uploadIds')
  .refine((v) => !v.uploadNames || (v.uploadIds && v.uploadNames.length === v.uploadIds.length), 'uploadNames must match uploadIds');
export type ImportStartInput = z.infer<typeof ImportStartInput>;

export const importContract = defineSlice({
  methods: {
    'import.start': method(ImportStartInput, ImportProgress, 'Import files or folders into a (new) project', { local: ['paths'] }),
    'import.get': method(z.object({ importId: Id }).strict(), ImportProgress, "An import's progress"),
    'import.skipped': method(z.object({ projectId: Id }).strict(), z.array(SkippedFile), "Files a project's imports skipped, with the reason"),
  },
  events: {
    'import.progress': ImportProgress,
  },
  jobs: {
    'import.scan': jobType({ stages: ['scanning'] }),
    'import.file': jobType(),
  },
  batchTypes: {
    // The import panel (and its own notification) reports an import; no second one per batch.
    import: batchType({ notify: false, noun: { en: 'Import', tr: 'İçe aktarma' } }),
  },
});
