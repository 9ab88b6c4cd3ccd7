import { useTranslation } from 'react-i18next';
import type { Project } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';

/**
 * The project as one ZIP, in web mode: the browser downloads what the engine streams.
 * The desktop app has no download route (it would write through export.projectZip to a
 * path from a save dialog, which is not built yet), so it shows nothing.
 */
export function ExportLink({ project }: { project: Project }) {
  const { t } = useTranslation();
  const backend = useBackend();
  if (!backend.downloadUrl || project.assetCount === 0) return null;
  return (
    <a className="button" href={backend.downloadUrl('project-zip', { projectId: project.id })} download data-testid="project-export">
      {t('export.zip')}
    </a>
  );
}
