/** Export: a project's originals and results as one ZIP, streamed. */
import { z } from 'zod';
import { defineSlice, download, method } from './define.js';
import { Id } from './schemas.js';

export const ExportOptions = z
  .object({
    /** Which files go in: originals, derived results, or both (derived under results/). */
    include: z.enum(['originals', 'results', 'both']).default('both'),
    /** Only results of these operations (e.g. remove-background); all when absent. */
    operations: z.array(z.string()).optional(),
  })
  .strict();
export type ExportOptions = z.infer<typeof ExportOptions>;

export const exportContract = defineSlice({
  methods: {
    'export.projectZip': method(
      z.object({ projectId: Id, destPath: z.string().min(1), options: ExportOptions.prefault({}) }).strict(),
      z.object({ path: z.string(), bytes: z.number().int().nonnegative(), entries: z.number().int().nonnegative() }),
      "Write a project's images to a ZIP file (streamed; the web mode downloads it as project-zip instead)",
      // Over IPC only to a path the user picked in the save dialog (the path grants check it).
      { local: ['destPath'], transports: ['local', 'ipc'] },
    ),
    'export.projectFolder': method(
      z.object({ projectId: Id, destDir: z.string().min(1), options: ExportOptions.prefault({}) }).strict(),
      z.object({ path: z.string(), bytes: z.number().int().nonnegative(), files: z.number().int().nonnegative() }),
      "Copy a project's images into a new folder inside destDir (the ZIP's layout; each file verified against its sha256)",
      { local: ['destDir'], transports: ['local', 'ipc'] },
    ),
  },
  downloads: {
    'project-zip': download(z.object({ projectId: Id, options: ExportOptions.prefault({}) }).strict(), "A project's images as a ZIP"),
  },
});
