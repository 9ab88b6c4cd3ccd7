import { useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Fragment, memo, useCallback, useLayoutEffect, useMemo, useRef, useState, type MouseEvent, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { Asset } from '../../../src-shared/contract/index.js';
import type { CellDecoration, CellDecorator, GridOverlay, VisiblePage } from '../../app/feature.js';
import { useRegistry } from '../../app/registry.js';
import { useBackend } from '../../backend/index.js';
import { checkIcon } from './icons.js';
import { PAGE_SIZE, useAssetPages, type AssetPage } from './queries.js';
import { extendSelection, toggleSelected, useSelection } from './selection-store.js';
import type { ListView } from './view-store.js';

/** Fixed cell geometry: row heights are known without measuring, which keeps 10,000 items cheap to scroll. */
export const CELL = 160;
export const GAP = 8;
const ROW = CELL + GAP;
const PADDING = 16;

function useWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

interface RowProps {
  rowIndex: number;
  start: number;
  cols: number;
  total: number;
  /** The page(s) this row's items come from (a row can straddle two). */
  pageA: AssetPage | undefined;
  pageB: AssetPage | undefined;
  /** Selection and the overlays' decorators: new identities when they change, which re-renders the visible rows only. */
  selected: ReadonlySet<string>;
  decorators: readonly CellDecorator[];
  /** Cells show each original's newest result (the original where it has none). */
  showResults: boolean;
  onCell: (index: number, asset: Asset, how: 'open' | 'toggle' | 'extend') => void;
}

function assetAt(index: number, pageA: AssetPage | undefined, pageB: AssetPage | undefined, firstPage: number): AssetPage['items'][number] | undefined {
  const page = Math.floor(index / PAGE_SIZE);
  const data = page === firstPage ? pageA : pageB;
  return data?.items[index - page * PAGE_SIZE];
}

/** Memoised on page identity (React Query keeps it stable): scrolling re-renders only rows that enter. */
const Row = memo(function Row({ rowIndex, start, cols, total, pageA, pageB, selected, decorators, showResults, onCell }: RowProps) {
  const backend = useBackend();
  const { t } = useTranslation();
  const first = rowIndex * cols;
  const firstPage = Math.floor(first / PAGE_SIZE);
  const cells = [];
  for (let i = first; i < Math.min(first + cols, total); i++) {
    const asset = assetAt(i, pageA, pageB, firstPage);
    if (!asset) {
      cells.push(<div key={`pending-${i}`} className="asset-cell asset-pending" aria-hidden="true" />);
      continue;
    }
    const isSelected = selected.has(asset.id);
    // Keyed by overlay, so a cell's badges keep their identity whichever overlays draw on it.
    const decorations = decorators.flatMap((d, key): (CellDecoration & { key: number })[] => {
      const decoration = d(asset);
      return decoration ? [{ ...decoration, key }] : [];
    });
    const result = showResults ? (asset.latestResultId ?? null) : null;
    const label = [asset.fileName, isSelected ? t('grid.selected') : null, result ? t('grid.showingResult') : null, ...decorations.map((d) => d.label)].filter(Boolean).join(', ');
    const title = [asset.relPath, ...decorations.map((d) => d.title)].filter(Boolean).join('\n');
    cells.push(
      <button
        key={asset.id}
        type="button"
        className={`asset-cell ${isSelected ? 'is-selected' : ''} ${result ? 'shows-result checkerboard' : ''}`}
        data-testid="asset-cell"
        data-asset-id={asset.id}
        data-file-name={asset.fileName}
        data-index={i}
        data-selected={isSelected ? 'true' : undefined}
        data-showing={result ? 'result' : 'original'}
        {...Object.assign({}, ...decorations.map((d) => d.data))}
        title={title}
        aria-label={label}
        onClick={(e: MouseEvent) => onCell(i, asset, e.shiftKey ? 'extend' : e.ctrlKey || e.metaKey ? 'toggle' : 'open')}
        onKeyDown={(e) => {
          // Space selects (as in a file manager); Enter opens.
          if (e.key === ' ') {
            e.preventDefault();
            onCell(i, asset, e.shiftKey ? 'extend' : 'toggle');
          }
        }}
        onKeyUp={(e) => {
          if (e.key === ' ') e.preventDefault();
        }}
        // Desktop: drag the image out as a file (the result when the grid shows results); a
        // selected cell drags the whole selection's originals. Main stages them under their names.
        draggable={backend.startDrag ? true : undefined}
        onDragStart={
          backend.startDrag
            ? (e) => {
                e.preventDefault();
                backend.startDrag?.(isSelected && !result && selected.size > 1 ? [...selected] : [result ?? asset.id]);
              }
            : undefined
        }
      >
        <img src={backend.mediaUrl(result ?? asset.id, 'thumb')} alt="" loading="lazy" decoding="async" draggable={false} data-testid="asset-thumb" />
        {isSelected ? (
          <span className="cell-check" aria-hidden="true">
            {checkIcon}
          </span>
        ) : null}
        {decorations.map((d) => (d.content ? <Fragment key={d.key}>{d.content}</Fragment> : null))}
      </button>,
    );
  }
  return (
    <div className="asset-row" role="presentation" style={{ transform: `translateY(${start}px)`, gridTemplateColumns: `repeat(${cols}, ${CELL}px)` }}>
      {cells}
    </div>
  );
});

/**
 * Every registered overlay's decorator for the cells on screen. The overlays are the
 * same on every render (the feature list is fixed at start), so their hooks are called
 * in the same order each time; the array keeps its identity while no decorator changes.
 */
function useDecorators(overlays: readonly GridOverlay[], projectId: string, visible: readonly VisiblePage[]): readonly CellDecorator[] {
  const decorators = overlays.map((o) => o.useDecorator(projectId, visible));
  return useMemo(() => decorators, decorators);
}

/**
 * A project's images as a virtualized grid: only rows near the viewport exist in the
 * DOM, and their assets are fetched by page (PAGE_SIZE) as they come into view, in the
 * view's order, filter and search (the engine does those, so any size stays cheap).
 */
export function AssetGrid({
  projectId,
  view,
  showResults,
  knownTotal,
  label,
  onOpen,
  onTotal,
}: {
  projectId: string;
  view: ListView;
  showResults: boolean;
  /** The number of images, as far as known before the first page arrives. */
  knownTotal: number;
  label: string;
  onOpen: (index: number) => void;
  /** How many images the view lists, once the engine said. */
  onTotal?: (total: number) => void;
}) {
  const { t } = useTranslation();
  const scrollRef = useRef<HTMLDivElement>(null);
  const width = useWidth(scrollRef);
  const cols = Math.max(1, Math.floor((width - 2 * PADDING + GAP) / ROW));

  // The page answers carry the live total; the project's count stands in until one arrives.
  const [total, setTotal] = useState(knownTotal);
  const rows = Math.ceil(total / cols);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW,
    overscan: 4,
    paddingStart: PADDING,
    paddingEnd: PADDING,
  });
  const items = virtualizer.getVirtualItems();
  const firstIndex = (items[0]?.index ?? 0) * cols;
  const lastIndex = Math.max(firstIndex, Math.min(total, ((items[items.length - 1]?.index ?? 0) + 1) * cols) - 1);
  const pages: number[] = [];
  for (let p = Math.floor(firstIndex / PAGE_SIZE); p <= Math.floor(lastIndex / PAGE_SIZE); p++) pages.push(p);
  const results = useAssetPages(projectId, view, pages);
  const byPage = new Map<number, AssetPage | undefined>(pages.map((p, i) => [p, results[i]?.data]));
  const visible: VisiblePage[] = pages.map((page, i) => ({ page, assets: results[i]?.data?.items }));
  const decorators = useDecorators(useRegistry().gridOverlays, projectId, visible);
  const selection = useSelection(projectId);
  const queryClient = useQueryClient();
  const backend = useBackend();

  const freshest = results.reduce<{ at: number; total: number } | null>(
    (best, r) => (r.data && (!best || r.dataUpdatedAt > best.at) ? { at: r.dataUpdatedAt, total: r.data.total } : best),
    null,
  );
  const liveTotal = freshest?.total ?? knownTotal;
  if (liveTotal !== total && (freshest || knownTotal > total)) setTotal(liveTotal);
  const loaded = results.length > 0 && results.every((r) => r.data);
  const freshTotal = freshest?.total ?? null;
  useLayoutEffect(() => {
    if (freshTotal !== null) onTotal?.(freshTotal);
  }, [freshTotal, onTotal]);

  const onCell = useCallback(
    (i: number, asset: Asset, how: 'open' | 'toggle' | 'extend') => {
      if (how === 'open') onOpen(i);
      else if (how === 'toggle') toggleSelected(projectId, asset.id, i);
      else void extendSelection(queryClient, backend, projectId, i, view);
    },
    [onOpen, projectId, queryClient, backend, view],
  );

  return (
    <div
      ref={scrollRef}
      className="asset-grid"
      data-testid="asset-grid"
      data-total={total}
      data-loaded={loaded ? 'true' : 'false'}
      data-showing={showResults ? 'results' : 'originals'}
      role="region"
      aria-label={label}
      tabIndex={-1}
    >
      {total === 0 ? (
        loaded || knownTotal === 0 ? (
          <p className="empty" data-testid="grid-empty">
            {view.filter !== 'all' || view.query ? t('project.noMatch') : t('project.empty')}
          </p>
        ) : null
      ) : (
        <div className="asset-grid-inner" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((row) => {
            const firstPage = Math.floor((row.index * cols) / PAGE_SIZE);
            const straddles = Math.floor((row.index * cols + cols - 1) / PAGE_SIZE) !== firstPage;
            return (
              <Row
                key={row.key}
                rowIndex={row.index}
                start={row.start}
                cols={cols}
                total={total}
                pageA={byPage.get(firstPage)}
                pageB={straddles ? byPage.get(firstPage + 1) : undefined}
                selected={selection.ids}
                decorators={decorators}
                showResults={showResults}
                onCell={onCell}
              />
            );
          })}
        </div>
      )}
    </div>
  );
}
