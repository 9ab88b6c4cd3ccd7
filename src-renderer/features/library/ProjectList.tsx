import { useDeferredValue, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Project } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { hrefFor } from '../../app/router.js';
import { requestDelete, startRename, useIntents } from './intents.js';
import { useProjects } from './queries.js';
import { RenameInput } from './RenameInput.js';
import { deleteIcon, renameIcon } from './icons.js';
import { callErrorText } from '../../app/labels.js';
import { searchFold } from '../../../src-shared/search-fold.js';

export const SEARCH_INPUT_ID = 'project-search';

function ProjectCard({ project, page, renaming }: { project: Project; page: string; renaming: boolean }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const href = hrefFor({ page, projectId: project.id });
  return (
    // data-drop-project-id: files dropped on the card are added to this project (the import's drop target reads it).
    <li className="project-card" data-testid="project-card" data-project-id={project.id} data-project-name={project.name} data-drop-project-id={project.id}>
      <a className="project-cover" href={href} aria-label={t('projects.open', { name: project.name })} tabIndex={-1}>
        {project.coverAssetId ? (
          <img src={backend.mediaUrl(project.coverAssetId, 'thumb')} alt="" loading="lazy" decoding="async" draggable={false} data-testid="project-cover" />
        ) : (
          <span className="project-cover-empty">{t('projects.noCover')}</span>
        )}
      </a>
      <div className="project-meta">
        {renaming ? (
          <RenameInput project={project} />
        ) : (
          <a className="project-name" href={href} data-testid="project-name" title={project.name}>
            {project.name}
          </a>
        )}
        <span className="project-counts">
          <span data-testid="project-count">{t('projects.images', { count: project.assetCount })}</span>
          {project.skippedCount ? <span className="project-skipped">{t('projects.skipped', { count: project.skippedCount })}</span> : null}
        </span>
      </div>
      <div className="project-actions">
        <button
          type="button"
          className="icon-button"
          data-testid="project-rename"
          aria-label={t('projects.renameProject', { name: project.name })}
          title={`${t('projects.rename')} (F2)`}
          onClick={() => startRename(project.id)}
        >
          {renameIcon}
        </button>
        <button
          type="button"
          className="icon-button danger"
          data-testid="project-delete"
          aria-label={t('projects.deleteProject', { name: project.name })}
          title={`${t('projects.delete')} (Delete)`}
          onClick={() => requestDelete(project.id)}
        >
          {deleteIcon}
        </button>
      </div>
    </li>
  );
}

/** Every project, newest first, with cover, name and counts; searchable with "/". */
export function ProjectList({ page }: { page: string }) {
  const { t } = useTranslation();
  const projects = useProjects();
  const { renamingId } = useIntents();
  const [query, setQuery] = useState('');
  const deferred = useDeferredValue(query);
  // Folded as the engine folds file names and products (src-shared/search-fold.ts): "istanbul" finds "İstanbul", "cay" finds "Çay".
  const needle = searchFold(deferred.trim());
  const list = (projects.data ?? []).filter((p) => !needle || searchFold(p.name).includes(needle));

  return (
    <section className="projects" aria-labelledby="projects-title">
      <div className="section-head">
        <h2 id="projects-title">{t('projects.title')}</h2>
        <input
          id={SEARCH_INPUT_ID}
          className="search"
          type="search"
          data-testid="project-search"
          aria-label={t('projects.search')}
          placeholder={t('projects.searchPlaceholder')}
          value={query}
          onChange={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && query) {
              e.stopPropagation();
              setQuery('');
            }
          }}
        />
      </div>
      {projects.isError ? (
        <p className="error" role="alert">
          {callErrorText(t, projects.error)}
        </p>
      ) : projects.isPending ? (
        <p className="muted">{t('common.loading')}</p>
      ) : projects.data.length === 0 ? (
        <p className="empty" data-testid="projects-empty">
          {t('projects.empty')}
        </p>
      ) : list.length === 0 ? (
        <p className="empty">{t('projects.noMatch', { query: deferred })}</p>
      ) : (
        <ul className="project-grid" data-testid="project-list">
          {list.map((p) => (
            <ProjectCard key={p.id} project={p} page={page} renaming={renamingId === p.id} />
          ))}
        </ul>
      )}
    </section>
  );
}
