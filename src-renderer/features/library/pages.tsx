import { useTranslation } from 'react-i18next';
import { useRegistry } from '../../app/registry.js';
import { ProjectList } from './ProjectList.js';
import { ProjectView } from './ProjectView.js';

/** What other features put beside the list of projects (the import's drop zone and buttons). */
function ListActions({ variant }: { variant: 'prominent' | 'compact' }) {
  const { projectListActions } = useRegistry();
  return (
    <>
      {projectListActions.map(({ id, Action }) => (
        <Action key={id} variant={variant} />
      ))}
    </>
  );
}

export function BatchPage({ projectId }: { projectId: string | null }) {
  const { t } = useTranslation();
  if (projectId) return <ProjectView projectId={projectId} page="batch" />;
  return (
    <div className="page" data-testid="page-batch">
      <h1>{t('batch.title')}</h1>
      <p className="intro">{t('batch.intro')}</p>
      <ListActions variant="prominent" />
      <ProjectList page="batch" />
    </div>
  );
}

export function GalleryPage({ projectId }: { projectId: string | null }) {
  const { t } = useTranslation();
  if (projectId) return <ProjectView projectId={projectId} page="gallery" />;
  return (
    <div className="page" data-testid="page-gallery">
      <div className="page-head">
        <div>
          <h1>{t('gallery.title')}</h1>
          <p className="intro">{t('gallery.intro')}</p>
        </div>
        <ListActions variant="compact" />
      </div>
      <ProjectList page="gallery" />
    </div>
  );
}
