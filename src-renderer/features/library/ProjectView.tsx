import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useEffectEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Project } from '../../../src-shared/contract/index.js';
import type { ProjectAction } from '../../app/feature.js';
import { useRegistry } from '../../app/registry.js';
import { hrefFor } from '../../app/router.js';
import { isMac, typingIn } from '../../app/shortcuts.js';
import { useBackend } from '../../backend/index.js';
import { AssetGrid } from './AssetGrid.js';
import { GridToolbar } from './GridToolbar.js';
import { endDeleteSelection, requestDelete, requestDeleteSelection, startRename, useIntents } from './intents.js';
import { Lightbox } from './Lightbox.js';
import { MoveDialog } from './MoveDialog.js';
import { useDeleteImages } from './delete-images.js';
import { useProject, useSkipped } from './queries.js';
import { RenameInput } from './RenameInput.js';
import { skipReasonText } from './skip-reasons.js';
import { clearSelection, selectAll, selectionOf, useSelection } from './selection-store.js';
import { listView, useGridView, viewKey } from './view-store.js';
import { callErrorText } from '../../app/labels.js';

function SkippedList({ projectId }: { projectId: string }) {
  const { t } = useTranslation();
  const skipped = useSkipped(projectId, true);
  if (skipped.isPending) return <p className="muted">{t('common.loading')}</p>;
  if (skipped.isError) return <p className="error">{callErrorText(t, skipped.error)}</p>;
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
            {/* The engine's own words stay at hand for a bug report. */}
            <td title={s.reason}>{skipReasonText(t, s.reason)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What is selected, with select-all, clear, delete and move; the shortcuts say the same (Ctrl+A, Esc, Delete). */
function SelectionBar({ project, listed, onMove }: { project: Project; listed: number | null; onMove: () => void }) {
  const { t } = useTranslation();
  const selection = useSelection(project.id);
  const view = useGridView(project.id);
  const queryClient = useQueryClient();
  const backend = useBackend();
  const mod = isMac ? '⌘' : 'Ctrl';
  return (
    <div className="selection-bar" data-testid="selection-bar" data-count={selection.ids.size}>
      {selection.ids.size ? (
        <>
          <span data-testid="selection-count">{t('grid.selectedCount', { count: selection.ids.size })}</span>
          {selection.ids.size < (listed ?? project.assetCount) ? (
            <button type="button" className="link-button" onClick={() => void selectAll(queryClient, backend, project.id, listed ?? project.assetCount, listView(view))} title={`${mod}+A`}>
              {t('grid.selectAll')}
            </button>
          ) : null}
          <button type="button" className="link-button" onClick={clearSelection} title="Esc" data-testid="selection-clear">
            {t('grid.clearSelection')}
          </button>
          <span className="selection-actions">
            <button type="button" className="button button-small" onClick={onMove} data-testid="selection-move">
              {t('grid.move')}
            </button>
            <button type="button" className="button button-small button-danger-outline" onClick={() => requestDeleteSelection(project.id)} title="Delete" data-testid="selection-delete">
              {t('grid.deleteSelected', { count: selection.ids.size })}
            </button>
          </span>
        </>
      ) : (
        <span className="muted">{t('grid.selectHint', { mod })}</span>
      )}
    </div>
  );
}

function Header({ project, page, listed, onAction, onMove }: { project: Project; page: string; listed: number | null; onAction: (action: ProjectAction) => void; onMove: () => void }) {
  const { t } = useTranslation();
  const { renamingId } = useIntents();
  const { projectActions, projectPanels } = useRegistry();
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
          {projectActions.map((action) => (
            <action.Control key={action.id} project={project} open={() => onAction(action)} />
          ))}
          <button type="button" className="button" data-testid="project-rename" onClick={() => startRename(project.id)} title="F2">
            {t('projects.rename')}
          </button>
          <button type="button" className="button button-danger-outline" data-testid="project-delete" onClick={() => requestDelete(project.id)} title="Delete">
            {t('projects.delete')}
          </button>
        </div>
      </div>
      <div className="project-subline">
        <p className="project-subtitle">
          <span data-testid="project-count">{t('projects.images', { count: project.assetCount })}</span>
          {project.skippedCount ? <span> · {t('projects.skipped', { count: project.skippedCount })}</span> : null}
        </p>
        {project.assetCount > 0 ? <SelectionBar project={project} listed={listed} onMove={onMove} /> : null}
      </div>
      {projectPanels.map(({ id, Panel }) => (
        <Panel key={id} project={project} />
      ))}
    </header>
  );
}

/** One project: header, the grid's toolbar, skipped files, the thumbnail grid and the viewer. */
export function ProjectView({ projectId, page }: { projectId: string; page: string }) {
  const { t } = useTranslation();
  const project = useProject(projectId);
  const [showSkipped, setShowSkipped] = useState(false);
  const [open, setOpen] = useState<number | null>(null);
  const [acting, setActing] = useState<ProjectAction | null>(null);
  const [moving, setMoving] = useState(false);
  const [listed, setListed] = useState<number | null>(null);
  const close = useCallback(() => setOpen(null), []);
  const queryClient = useQueryClient();
  const backend = useBackend();
  const { projectActions } = useRegistry();
  const view = useGridView(projectId);
  const list = listView(view);
  const key = viewKey(list);
  const deleteImages = useDeleteImages(projectId);
  const { deletingSelectionOf } = useIntents();
  // Delete (the key or the button) with images selected: those images go, with Undo.
  useEffect(() => {
    if (deletingSelectionOf !== projectId) return;
    endDeleteSelection();
    deleteImages([...selectionOf(projectId).ids]);
  }, [deletingSelectionOf, projectId, deleteImages]);
  // A new order or filter lists other images: the viewer's position means another one.
  useEffect(() => {
    setOpen(null);
    setListed(null);
  }, [key]);

  // The grid's keys: Ctrl/Cmd+A selects every image, Esc clears, and each project action's own key opens it.
  const onKey = useEffectEvent((e: KeyboardEvent) => {
    const p = project.data;
    if (!p || e.defaultPrevented || e.isComposing || typingIn(e.target) || document.querySelector('dialog[open]')) return;
    const modifier = isMac ? e.metaKey : e.ctrlKey;
    if (modifier && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'a') {
      e.preventDefault();
      void selectAll(queryClient, backend, p.id, listed ?? p.assetCount, list);
    } else if (e.key === 'Escape' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      clearSelection();
    } else if (!e.ctrlKey && !e.metaKey && !e.altKey) {
      const action = projectActions.find((a) => a.Dialog && a.key?.toLowerCase() === e.key.toLowerCase() && (a.enabled?.(p) ?? true));
      if (action) {
        e.preventDefault();
        setActing(action);
      }
    }
  });
  useEffect(() => {
    const listener = (e: KeyboardEvent) => onKey(e);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);
  // A selection belongs to the project it was made in.
  useEffect(() => () => clearSelection(), [projectId]);

  if (project.isError) {
    return (
      <div className="project-view" data-testid="project-view">
        <a className="back-link" href={hrefFor({ page, projectId: null })}>
          ← {t('project.back')}
        </a>
        <p className="empty" data-testid="project-missing">
          {(project.error as { code?: string }).code === 'not_found' ? t('project.notFound') : callErrorText(t, project.error)}
        </p>
      </div>
    );
  }
  if (!project.data) return <p className="muted">{t('common.loading')}</p>;
  const p = project.data;

  const narrowed = list.filter !== 'all' || list.query !== '';
  return (
    // data-drop-project-id: files dropped here are added to this project (the import's drop target reads it).
    <div className="project-view" data-testid="project-view" data-project-id={p.id} data-drop-project-id={p.id}>
      <Header project={p} page={page} listed={listed} onAction={setActing} onMove={() => setMoving(true)} />
      {p.assetCount > 0 || p.skippedCount > 0 ? <GridToolbar project={p} total={listed} /> : null}
      {p.skippedCount > 0 && view.filter !== 'skipped' ? (
        <section className="skipped">
          <button type="button" className="link-button" aria-expanded={showSkipped} data-testid="skipped-toggle" onClick={() => setShowSkipped((v) => !v)}>
            {showSkipped ? t('project.hideSkipped') : t('project.showSkipped', { count: p.skippedCount })}
          </button>
          {showSkipped ? <SkippedList projectId={p.id} /> : null}
        </section>
      ) : null}
      {view.filter === 'skipped' ? (
        <section className="skipped skipped-only">
          <SkippedList projectId={p.id} />
        </section>
      ) : (
        <AssetGrid
          key={`${p.id}:${key}`}
          projectId={p.id}
          view={list}
          showResults={view.show === 'results'}
          knownTotal={narrowed ? (listed ?? 0) : p.assetCount}
          label={t('project.gridLabel', { name: p.name })}
          onOpen={setOpen}
          onTotal={setListed}
        />
      )}
      {open !== null ? <Lightbox projectId={p.id} view={list} index={open} onIndex={setOpen} onClose={close} /> : null}
      {acting?.Dialog ? <acting.Dialog project={p} onClose={() => setActing(null)} /> : null}
      {moving ? <MoveDialog project={p} ids={[...selectionOf(p.id).ids]} onClose={() => setMoving(false)} /> : null}
    </div>
  );
}
