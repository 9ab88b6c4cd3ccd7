import { ContractError } from '../../../src-shared/contract/index.js';
import { writeProjectZip } from '../export/project-zip.js';
import type { Handlers } from './dispatch.js';

type ModelMethod =
  | 'models.list'
  | 'models.download'
  | 'models.cancel'
  | 'models.import'
  | 'models.delete'
  | 'models.setDefault'
  | 'inference.status'
  | 'segment.run'
  | 'segment.get'
  | 'segment.cancel'
  | 'segment.results'
  | 'export.projectZip';

/** Models, inference, background removal and export (issue 4). */
export const modelHandlers: Pick<Handlers, ModelMethod> = {
  'models.list': (e, { task }) => e.models.list(task),
  'models.download': async (e, { id }) => {
    await e.models.install(id);
    return e.models.info(id);
  },
  'models.cancel': (e, { id }) => e.models.cancel(id),
  'models.import': async (e, { path, uploadId, task, name }) => {
    if (uploadId && !(await e.uploads.exists(uploadId))) throw new ContractError('not_found', `no upload ${uploadId}`);
    const file = path ?? e.uploads.pathOf(uploadId!);
    const info = await e.models.importFile(file, task, name);
    if (uploadId) await e.uploads.discard([uploadId]);
    return info;
  },
  'models.delete': async (e, { id }) => ({ removed: await e.models.delete(id) }),
  'models.setDefault': (e, { id }) => e.models.setDefault(id),
  'inference.status': (e) => e.inference.status(),
  'segment.run': (e, input) => e.segment.start(input),
  'segment.get': (e, { runId }) => e.segment.get(runId),
  'segment.cancel': (e, { runId }) => e.segment.cancel(runId),
  'segment.results': (e, { projectId, sourceAssetIds }) => e.segment.results(projectId, sourceAssetIds),
  'export.projectZip': (e, { projectId, destPath, options }) => writeProjectZip(e, projectId, destPath, options),
};
