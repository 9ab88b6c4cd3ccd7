import { defineFeature } from '../../engine/feature.js';
import { libraryFeature } from '../library/public.js';
import { projectZipDownload, writeProjectFolder, writeProjectZip } from './project-zip.js';

/** A project's originals and results as one ZIP, streamed to a file (desktop, CLI) or as a download (web), or as files in a new folder (desktop, CLI). */
export const exportFeature = defineFeature({
  name: 'export',
  create: (ctx) => ({ library: ctx.use(libraryFeature) }),
  handlers: ({ library }) => ({
    'export.projectZip': ({ projectId, destPath, options }) => writeProjectZip(library, projectId, destPath, options),
    'export.projectFolder': ({ projectId, destDir, options }) => writeProjectFolder(library, projectId, destDir, options),
  }),
  downloads: ({ library }) => ({
    'project-zip': async ({ projectId, options }) => ({
      fileName: `${library.getProject(projectId).name}.zip`,
      contentType: 'application/zip',
      stream: await projectZipDownload(library, projectId, options),
    }),
  }),
});
