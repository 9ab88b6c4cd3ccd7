import { defineFeature } from '../../engine/feature.js';
import { projectsCommand } from './cli-projects.js';
import { Library } from './library.js';
import { libraryMigrations } from './migrations.js';

/** Projects (a dropped batch of images) and their assets: originals and derived files. */
export const libraryFeature = defineFeature({
  name: 'library',
  migrations: libraryMigrations,
  // Live assets keep their files, and so do deleted ones whose delete can still be undone
  // (deleted_by set, from library migration 3); other tombstones let them go.
  blobRefs: [{ table: 'assets', column: 'sha256', live: (columns) => (columns.has('deleted_by') ? 'deleted = 0 OR deleted_by IS NOT NULL' : 'deleted = 0') }],
  create: (ctx) => new Library(ctx.db, ctx.store, ctx.events, ctx.blobs, ctx.queue),
  handlers: (library) => ({
    'projects.list': () => library.listProjects(),
    'projects.get': ({ id }) => library.getProject(id),
    'projects.rename': ({ id, name }) => library.renameProject(id, name),
    'projects.delete': async ({ id }) => ({ removedFiles: await library.deleteProject(id) }),
    'assets.list': ({ projectId, offset, limit, sort, order, filter, query }) => library.listAssets(projectId, offset, limit, { sort, order, filter, query }),
    'assets.get': ({ id }) => library.getAsset(id),
    'assets.delete': ({ ids }) => library.deleteAssets(ids),
    'assets.restore': ({ undoToken }) => library.restoreAssets(undoToken),
    'assets.move': ({ ids, projectId }) => library.moveAssets(ids, projectId),
  }),
  media: (library, assetId, variant) => library.media(assetId, variant),
  // Deletes whose undo ran out while the app was closed let their files go now.
  start: async (library) => void (await library.purgeDeleted()),
  close: (library) => library.close(),
  cli: () => [projectsCommand()],
});
