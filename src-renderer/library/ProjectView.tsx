import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Project } from '../../src-shared/contract/index.js';
import { hrefFor, type Page } from '../app/router.js';
import { useBackend } from '../backend/index.js';
import { AssetGrid } from './AssetGrid.js';
import { requestDelete, startRename, useIntents } from './intents.js';
import { Lightbox } from './Lightbox.js';
import { useProject, useSkipped } from './queries.js';
import { RenameInput } from './RenameInput.js';

function SkippedList({ projectId }: { projectId: string }) {
  const { t } = useTranslation();
  const skipped = useSkipped(projectId, true);
  if (skipped.isPending) return <p className="muted">{t('project.loading')}</p>;
  if (skipped.isError) return <p className="error">{(skipped.error as Error).message}</p>;
  if (skipped.data.length === 0) return <p className="muted">{t('project.skippedNone')}</p>;
  return (
    <table className="skipped-table" data-testid="skipped-list">
      <caption className="visually-hidden">{t('project.skippedTitle')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('project.skippedFile')}</th>
          <th scope="col">{t('project.skippedReason')}</th>
        </tr>
      </thead>
      <tbody>
        {skipped.data.map((s) => (
          <tr key={s.id} data-testid="skipped-item">
            <td>
              <code>{s.relPath}</code>
            </td>
            <td>{s.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Header({ project, page }: { project: Project; page: Page }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const { renamingId } = useIntents();
  return (
    <header className="project-header" data-project-id={project.id}>
      <a className="back-link" href={hrefFor({ page, projectId: null })} data-testid="back-to-projects">
        ← {t('project.back')}
      </a>
      <div className="project-title-row">
        {renamingId === project.id ? (
          <RenameInput project={project} className="rename-title" />
        ) : (
          <h1 className="project-title" data-testid="project-title">
            {project.name}
          </h1>
        )}
        <div className="project-actions">
          {backend.exportUrl && project.assetCount > 0 ? (
            <a className="button" href={backend.exportUrl(project.id)} download data-testid="project-export">
              {t('projects.exportZip')}
            </a>
          ) : null}
          <button type="button" className="button" data-testid="project-rename" onClick={() => startRename(project.id)} title="F2">
            {t('projects.rename')}
          </button>
          <button type="button" className="button button-danger-outline" data-testid="project-delete" onClick={() => requestDelete(project.id)} title="Delete">
            {t('projects.delete')}
          </button>
        </div>
      </div>
      <p className="project-subtitle">
        <span data-testid="project-count">{t('projects.images', { count: project.assetCount })}</span>
        {project.skippedCount ? <span> · {t('projects.skipped', { count: project.skippedCount })}</span> : null}
      </p>
    </header>
  );
}

/** One project: header, skipped files, the thumbnail grid and the viewer. */
export function ProjectView({ projectId, page }: { projectId: string; page: Page }) {
  const { t } = useTranslation();
  const project = useProject(projectId);
  const [showSkipped, setShowSkipped] = useState(false);
  const [open, setOpen] = useState<number | null>(null);
  const close = useCallback(() => setOpen(null), []);

  if (project.isError) {
    return (
      <div className="project-view" data-testid="project-view">
        <a className="back-link" href={hrefFor({ page, projectId: null })}>
          ← {t('project.back')}
        </a>
        <p className="empty" data-testid="project-missing">
          {(project.error as { code?: string }).code === 'not_found' ? t('project.notFound') : (project.error as Error).message}
        </p>
      </div>
    );
  }
  if (!project.data) return <p className="muted">{t('project.loading')}</p>;
  const p = project.data;

  return (
    <div className="project-view" data-testid="project-view" data-project-id={p.id}>
      <Header project={p} page={page} />
      {p.skippedCount > 0 ? (
        <section className="skipped">
          <button type="button" className="link-button" aria-expanded={showSkipped} data-testid="skipped-toggle" onClick={() => setShowSkipped((v) => !v)}>
            {showSkipped ? t('project.hideSkipped') : t('project.showSkipped', { count: p.skippedCount })}
          </button>
          {showSkipped ? <SkippedList projectId={p.id} /> : null}
        </section>
      ) : null}
      <AssetGrid key={p.id} projectId={p.id} knownTotal={p.assetCount} label={t('project.gridLabel', { name: p.name })} onOpen={setOpen} />
      {open !== null ? <Lightbox projectId={p.id} index={open} onIndex={setOpen} onClose={close} /> : null}
    </div>
  );
}
