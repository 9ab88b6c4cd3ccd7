import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AssetFilter, AssetSort, Project } from '../../../src-shared/contract/index.js';
import { GRID_SEARCH_ID, setGridView, useGridView, type GridView } from './view-store.js';

const SORTS: readonly AssetSort[] = ['import', 'name', 'date', 'size'];
const FILTERS: readonly (AssetFilter | 'skipped')[] = ['all', 'has_result', 'no_result', 'needs_review', 'failed', 'skipped'];
/** Typing settles before the engine is asked (a search per keystroke would refetch pages for nothing). */
const SEARCH_DELAY_MS = 200;

/** Search by file name, sort, filter, and originals or results in the cells: the engine lists, so it stays fast at 10,000 images. */
export function GridToolbar({ project, total }: { project: Project; total: number | null }) {
  const { t } = useTranslation();
  const id = useId();
  const view = useGridView(project.id);
  const set = (patch: Partial<GridView>) => setGridView(project.id, patch);
  const [query, setQuery] = useState(view.query);
  // A query set elsewhere (another project, a reset) shows here.
  useEffect(() => setQuery(view.query), [view.query]);
  useEffect(() => {
    if (query === view.query) return;
    const timer = setTimeout(() => setGridView(project.id, { query }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [query, view.query, project.id]);
  const narrowed = view.filter !== 'all' || view.query.trim() !== '';

  return (
    <div className="grid-toolbar" role="toolbar" aria-label={t('gridView.toolbar')} data-testid="grid-toolbar">
      <input
        id={GRID_SEARCH_ID}
        type="search"
        className="grid-search"
        placeholder={t('gridView.searchPlaceholder')}
        aria-label={t('gridView.search')}
        value={query}
        onChange={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && query) {
            e.preventDefault();
            e.stopPropagation();
            setQuery('');
            set({ query: '' });
          }
        }}
        data-testid="grid-search"
      />
      <label className="grid-control">
        <span>{t('gridView.filter')}</span>
        <select value={view.filter} onChange={(e) => set({ filter: e.currentTarget.value as GridView['filter'] })} data-testid="grid-filter">
          {FILTERS.filter((f) => f !== 'skipped' || project.skippedCount > 0).map((f) => (
            <option key={f} value={f}>
              {f === 'skipped' ? t('gridView.filters.skipped', { count: project.skippedCount }) : t(`gridView.filters.${f}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="grid-control">
        <span>{t('gridView.sort')}</span>
        <select id={`${id}-sort`} value={view.sort} onChange={(e) => set({ sort: e.currentTarget.value as AssetSort })} data-testid="grid-sort">
          {SORTS.map((s) => (
            <option key={s} value={s}>
              {t(`gridView.sorts.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="icon-button grid-order"
        onClick={() => set({ order: view.order === 'asc' ? 'desc' : 'asc' })}
        aria-label={view.order === 'asc' ? t('gridView.ascending') : t('gridView.descending')}
        title={view.order === 'asc' ? t('gridView.ascending') : t('gridView.descending')}
        data-testid="grid-order"
        data-order={view.order}
      >
        {view.order === 'asc' ? '↑' : '↓'}
      </button>
      <div className="segmented" role="group" aria-label={t('gridView.show')}>
        {(['originals', 'results'] as const).map((show) => (
          <button key={show} type="button" aria-pressed={view.show === show} onClick={() => set({ show })} data-testid={`grid-show-${show}`}>
            {t(`gridView.shows.${show}`)}
          </button>
        ))}
      </div>
      {narrowed && total !== null && view.filter !== 'skipped' ? (
        <span className="grid-found muted" data-testid="grid-found" aria-live="polite">
          {t('gridView.found', { count: total, total: project.assetCount })}
        </span>
      ) : null}
      {narrowed ? (
        <button
          type="button"
          className="link-button"
          onClick={() => {
            setQuery('');
            set({ filter: 'all', query: '' });
          }}
          data-testid="grid-reset"
        >
          {t('gridView.reset')}
        </button>
      ) : null}
    </div>
  );
}
