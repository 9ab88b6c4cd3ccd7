import { useTranslation } from 'react-i18next';
import { ImportButtons } from '../import/DropTarget.js';
import { ProjectList } from './ProjectList.js';
import { ProjectView } from './ProjectView.js';
import { icons } from '../../ui/icons.js';

export function BatchPage({ projectId }: { projectId: string | null }) {
  const { t } = useTranslation();
  if (projectId) return <ProjectView projectId={projectId} page="batch" />;
  return (
    <div className="page" data-testid="page-batch">
      <h1>{t('batch.title')}</h1>
      <p className="intro">{t('batch.intro')}</p>
      <div className="dropzone" data-testid="dropzone">
        <div className="dropzone-icon" aria-hidden="true">
          {icons.drop}
        </div>
        <div>
          <strong>{t('dropzone.title')}</strong>
          <span className="muted"> {t('dropzone.hint')}</span>
        </div>
        <ImportButtons />
      </div>
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
        <ImportButtons />
      </div>
      <ProjectList page="gallery" />
    </div>
  );
}
