import { defineFeature } from '../../engine/feature.js';
import { projectsCommand } from './cli-projects.js';
import { Library } from './library.js';
import { libraryMigrations } from './migrations.js';

/** Projects (a dropped batch of images) and their assets: originals and derived files. */
export const libraryFeature = defineFeature({
  name: 'library',
  migrations: libraryMigrations,
  create: (ctx) => new Library(ctx.db, ctx.store, ctx.events),
  handlers: (library) => ({
    'projects.list': () => library.listProjects(),
    'projects.get': ({ id }) => library.getProject(id),
    'projects.rename': ({ id, name }) => library.renameProject(id, name),
    'projects.delete': async ({ id }) => ({ removedFiles: await library.deleteProject(id) }),
    'assets.list': ({ projectId, offset, limit }) => library.listAssets(projectId, offset, limit),
    'assets.get': ({ id }) => library.getAsset(id),
  }),
  media: (library, assetId, variant) => library.media(assetId, variant),
  cli: (self) => [projectsCommand(self)],
});
