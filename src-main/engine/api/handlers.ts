import type { Handlers } from './dispatch.js';
import { modelHandlers } from './model-handlers.js';
import { queueHandlers } from '../queue/api.js';

/** Contract method → engine call. Each feature's handlers are spread in here. */
export const handlers: Handlers = {
  'engine.info': (e) => e.info(),
  'projects.list': (e) => e.library.listProjects(),
  'projects.get': (e, { id }) => e.library.getProject(id),
  'projects.rename': (e, { id, name }) => {
    const project = e.library.renameProject(id, name);
    e.events.emit('projects.changed', { projectId: id });
    return project;
  },
  'projects.delete': async (e, { id }) => ({ removedFiles: await e.deleteProject(id) }),
  'assets.list': (e, { projectId, offset, limit }) => e.library.listAssets(projectId, offset, limit),
  'assets.get': (e, { id }) => e.library.getAsset(id),
  'import.start': (e, input) => e.imports.start(input),
  'import.get': (e, { importId }) => e.imports.get(importId),
  'import.skipped': (e, { projectId }) => e.library.listSkipped(projectId),
  ...modelHandlers,
  ...queueHandlers,
};
