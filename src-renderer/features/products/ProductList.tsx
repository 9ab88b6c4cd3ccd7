import { useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ContractError, ProductStatus, type ExportFormat, type Product, type ProductSelection } from '../../../src-shared/contract/index.js';
import { useRegistry } from '../../app/registry.js';
import { navigate } from '../../app/router.js';
import { useBackend, type RendererBackend } from '../../backend/index.js';
import { ConfirmDialog } from '../../ui/Dialog.js';
import { pageSearch } from '../../app/page-search.js';
import { formatNumber } from '../../ui/format.js';
import { showToast } from '../../ui/toasts.js';
import { exportHref, exportName, saveExport, startDownload } from './download.js';
import { ImportDialog } from './ImportDialog.js';
import { openForEdit } from './open-product.js';
import { PAGE_SIZE, productsKey, useProductCategories, useProductPages, useProductStats, viewFilter, type ProductSortKey, type ProductView } from './queries.js';
import { headerState, isSelected, noSelection, selectedCount, setRows, toEngine, toggleAll, type Selection } from './selection.js';
import { StatusBadge } from './StatusBadge.js';
import { announceSaved, SavedBar } from './SavedBar.js';
import { UndoBar, useUndo } from './UndoBar.js';

/** Fixed row height: the virtualizer places 50,000 rows without measuring one. */
const ROW = 52;
const SEARCH_DEBOUNCE_MS = 150;
const STATUSES = ProductStatus.options;

export function productTitle(p: Pick<Product, 'brandName' | 'productName'>, unnamed: string): string {
  return [p.brandName, p.productName].filter(Boolean).join(' ') || unnamed;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** A day, in the UI's language (one formatter per language: 50 rows a frame would build one each). */
function formatDate(at: number, language: string): string {
  let f = dateFormats.get(language);
  if (!f) {
    f = new Intl.DateTimeFormat(language, { dateStyle: 'medium' });
    dateFormats.set(language, f);
  }
  return f.format(at);
}

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

interface RowProps {
  index: number;
  start: number;
  product: Product | undefined;
  selected: boolean;
  active: boolean;
  onRow: (index: number, product: Product, how: 'open' | 'toggle' | 'extend') => void;
  onMenu: (product: Product, anchor: HTMLElement) => void;
}

const Row = memo(function Row({ index, start, product, selected, active, onRow, onMenu }: RowProps) {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  if (!product) {
    return <div className="product-row product-row-pending" data-testid="product-row-pending" role="row" aria-rowindex={index + 2} style={{ transform: `translateY(${start}px)` }} />;
  }
  const name = productTitle(product, t('products.unnamed'));
  return (
    <div
      id={`product-row-${index}`}
      className={`product-row ${selected ? 'is-selected' : ''} ${active ? 'is-active' : ''}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-testid="product-row"
      data-product-id={product.id}
      data-index={index}
      data-selected={selected ? 'true' : undefined}
      style={{ transform: `translateY(${start}px)` }}
      onClick={(e: MouseEvent) => {
        if ((e.target as HTMLElement).closest('button, input, a')) return;
        onRow(index, product, e.shiftKey ? 'extend' : e.ctrlKey || e.metaKey ? 'toggle' : 'open');
      }}
    >
      <span role="gridcell" className="product-cell-check">
        <input
          type="checkbox"
          checked={selected}
          tabIndex={-1}
          aria-label={t('products.selectRow', { name })}
          data-testid="product-row-check"
          onClick={(e) => {
            e.stopPropagation();
            onRow(index, product, e.shiftKey ? 'extend' : 'toggle');
          }}
          onChange={() => undefined}
        />
      </span>
      <span role="gridcell" className="product-cell-thumb">
        {product.primaryImageId ? <img src={backend.mediaUrl(product.primaryImageId, 'thumb')} alt="" loading="lazy" decoding="async" draggable={false} /> : <span className="product-thumb-none" aria-hidden="true" />}
      </span>
      <span role="gridcell" className="product-cell-name">
        <strong data-testid="product-row-name">{product.productName || t('products.unnamed')}</strong>
        {product.variant ? <span className="muted"> · {product.variant}</span> : null}
      </span>
      <span role="gridcell" className="product-cell-brand">
        {product.brandName}
      </span>
      <span role="gridcell" className="product-cell-barcode">
        {product.barcode ? <code data-testid="product-row-barcode">{product.barcode}</code> : <span className="muted">{t('products.noBarcode')}</span>}
      </span>
      <span role="gridcell" className="product-cell-category">
        {product.category ?? ''}
      </span>
      <span role="gridcell">
        <StatusBadge status={product.status} />
      </span>
      <span role="gridcell" className="product-cell-num" data-testid="product-row-frames">
        {formatNumber(product.counts.synthetic, i18n.language)}
      </span>
      <span role="gridcell" className="product-cell-date">
        {formatDate(product.createdAt, i18n.language)}
      </span>
      <span role="gridcell">
        <button type="button" className="icon-button" tabIndex={-1} aria-label={t('products.rowMenu', { name })} data-testid="product-row-menu" onClick={(e) => onMenu(product, e.currentTarget)}>
          ⋯
        </button>
      </span>
    </div>
  );
});

function SortHeader({ column, label, view, setView }: { column: ProductSortKey; label: string; view: ProductView; setView: (v: ProductView) => void }) {
  const { t } = useTranslation();
  const active = view.sort === column;
  return (
    <span role="columnheader" className={column === 'frames' ? 'product-cell-num' : undefined} aria-sort={active ? (view.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button
        type="button"
        className={`product-sort ${active ? 'is-active' : ''}`}
        data-testid={`product-sort-${column}`}
        aria-label={t('products.sortBy', { column: label })}
        onClick={() => setView({ ...view, sort: column, order: active && view.order === 'asc' ? 'desc' : active ? 'asc' : column === 'frames' || column === 'created' ? 'desc' : 'asc' })}
      >
        {label}
        <span aria-hidden="true">{active ? (view.order === 'asc' ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </span>
  );
}

/** Desktop: the save dialog, then the engine writes the export there; the saved bar says so and offers "Show in folder" (a failure is a toast). */
async function saveWithDialog(backend: RendererBackend, t: TFunction, format: ExportFormat, selection: ProductSelection | undefined, defaultName: string): Promise<void> {
  try {
    const written = await saveExport(backend, format, selection, defaultName);
    if (!written) return;
    announceSaved(written.path, written.products);
  } catch (err) {
    showToast({ kind: 'error', title: t('toast.error', { message: (err as Error).message }), tag: 'product-export' });
  }
}

function RowMenu({ product, anchor, onClose, onDelete }: { product: Product; anchor: HTMLElement; onClose: () => void; onDelete: (p: Product) => void }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const ref = useRef<HTMLDivElement>(null);
  const rect = anchor.getBoundingClientRect();
  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
    const away = (e: globalThis.MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) onClose();
    };
    window.addEventListener('mousedown', away);
    return () => window.removeEventListener('mousedown', away);
  }, [onClose]);
  const frames = exportHref(backend, 'zip', { ids: [product.id] });
  const saveFrames = backend.choosePath ? () => void saveWithDialog(backend, t, 'zip', { ids: [product.id] }, exportName('zip', product)) : null;
  const item = (label: string, testId: string, run: () => void, disabled = false) => (
    <button
      type="button"
      role="menuitem"
      data-testid={testId}
      disabled={disabled}
      onClick={() => {
        onClose();
        run();
      }}
    >
      {label}
    </button>
  );
  return (
    <div
      ref={ref}
      className="product-menu"
      role="menu"
      data-testid="product-menu"
      style={{ top: Math.min(rect.bottom + 4, window.innerHeight - 180), left: Math.max(8, rect.right - 220) }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          onClose();
          anchor.focus();
        }
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault();
          const items = [...(ref.current?.querySelectorAll<HTMLButtonElement>('button:not(:disabled)') ?? [])];
          const at = items.indexOf(document.activeElement as HTMLButtonElement);
          items[(at + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
        }
      }}
    >
      {item(t('products.view'), 'product-menu-view', () => navigate({ page: 'products', projectId: product.id }))}
      {item(t('products.edit'), 'product-menu-edit', () => openForEdit(product.id))}
      {item(
        t('products.downloadFrames'),
        'product-menu-frames',
        () => (saveFrames ? saveFrames() : frames && startDownload(frames)),
        (!frames && !saveFrames) || product.counts.synthetic + product.counts.real + product.counts.augmented === 0,
      )}
      {item(t('products.delete'), 'product-menu-delete', () => onDelete(product))}
    </div>
  );
}

function BulkBar({ selection, count, total, onClear, onDelete }: { selection: ProductSelection; count: number; total: number; onClear: () => void; onDelete: () => void }) {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const registry = useRegistry();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const contributed = registry.features.flatMap((f) => f.productBulkActions ?? []).sort((a, b) => a.order - b.order);
  const datasets = contributed.find((a) => a.id === 'add-to-dataset');
  const others = contributed.filter((a) => a !== datasets);
  const setStatus = async (status: ProductStatus) => {
    setBusy(true);
    try {
      const r = await backend.call('products.setStatus', { selection, status });
      const statusName = t(`products.status.${status}`);
      if (r.changed) showToast({ kind: 'success', title: t('products.statusChanged', { count: r.changed, status: statusName }), tag: 'product-status' });
      if (r.refused.length) {
        const byFrom = new Map<ProductStatus, number>();
        for (const x of r.refused) byFrom.set(x.from, (byFrom.get(x.from) ?? 0) + 1);
        const detail = [...byFrom].map(([from, n]) => t('products.refusedFrom', { count: n, from: t(`products.status.${from}`) })).join(', ');
        showToast({ kind: 'error', title: t('products.statusRefused', { count: r.refused.length, status: statusName, detail }), tag: 'product-status-refused' });
      }
    } catch (err) {
      showToast({ kind: 'error', title: t('toast.error', { message: (err as Error).message }) });
    } finally {
      setBusy(false);
      void queryClient.invalidateQueries({ queryKey: productsKey });
    }
  };
  return (
    <div className="product-bulk" role="toolbar" aria-label={t('products.bulk')} data-testid="product-bulk">
      <strong data-testid="product-selected-count" data-count={count}>
        {t('products.selected', { count })}
      </strong>
      <span className="muted">/ {formatNumber(total, i18n.language)}</span>
      <details className="product-download">
        <summary className="button button-small" data-testid="product-download">
          {t('products.download')}
        </summary>
        <div className="product-download-menu">
          {(['zip', 'csv', 'json'] as const).map((format) => {
            const href = exportHref(backend, format, selection);
            const label = t(`products.download${format === 'zip' ? 'Zip' : format === 'csv' ? 'Csv' : 'Json'}`);
            if (backend.choosePath) {
              return (
                <button
                  key={format}
                  type="button"
                  data-testid={`product-download-${format}`}
                  onClick={(e) => {
                    e.currentTarget.closest('details')?.removeAttribute('open');
                    void saveWithDialog(backend, t, format, selection, exportName(format));
                  }}
                >
                  {label}
                </button>
              );
            }
            return href ? (
              <a key={format} href={href} download data-testid={`product-download-${format}`}>
                {label}
              </a>
            ) : (
              <span key={format} className="muted" title={t('products.downloadDesktop')}>
                {label}
              </span>
            );
          })}
        </div>
      </details>
      {datasets ? (
        <datasets.Action selection={selection} count={count} clear={onClear} />
      ) : (
        <span title={t('products.needsDatasets')} data-testid="product-add-dataset">
          <button type="button" className="button button-small" disabled aria-describedby="product-needs-datasets">
            {t('products.addToDataset')}
          </button>
          <span id="product-needs-datasets" hidden>
            {t('products.needsDatasets')}
          </span>
        </span>
      )}
      {others.map((a) => (
        <a.Action key={a.id} selection={selection} count={count} clear={onClear} />
      ))}
      <select
        className="button button-small"
        aria-label={t('products.changeStatus')}
        value=""
        disabled={busy}
        data-testid="product-set-status"
        onChange={(e) => {
          const status = ProductStatus.safeParse(e.currentTarget.value);
          if (status.success) void setStatus(status.data);
        }}
      >
        <option value="">{t('products.setStatusTo')}</option>
        {STATUSES.map((s) => (
          <option key={s} value={s}>
            {t(`products.status.${s}`)}
          </option>
        ))}
      </select>
      <button type="button" className="button button-small button-danger-outline" onClick={onDelete} data-testid="product-delete">
        {t('products.delete')}
      </button>
      <button type="button" className="button button-small" onClick={onClear} data-testid="product-clear-selection">
        {t('products.clearSelection')}
      </button>
    </div>
  );
}

/** The catalog as a virtualized table: the engine searches, filters, sorts and pages; the window holds only the rows on screen. */
export function ProductList() {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const queryClient = useQueryClient();
  const [queryText, setQueryText] = useState('');
  const debouncedQuery = useDebounced(queryText, SEARCH_DEBOUNCE_MS);
  const [base, setBase] = useState<Omit<ProductView, 'query'>>({ status: [], category: null, sort: 'name', order: 'asc' });
  const view = useMemo<ProductView>(() => ({ ...base, query: debouncedQuery }), [base, debouncedQuery]);
  const filter = useMemo(() => viewFilter(view), [view]);
  const [selection, setSelection] = useState<Selection>(noSelection);
  const [anchor, setAnchor] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const [menu, setMenu] = useState<{ product: Product; anchor: HTMLElement } | null>(null);
  const [confirm, setConfirm] = useState<ProductSelection | null>(null);
  const [confirmCount, setConfirmCount] = useState(0);
  const [importing, setImporting] = useState(false);
  const undo = useUndo();
  const stats = useProductStats();
  const categories = useProductCategories();
  const scrollRef = useRef<HTMLDivElement>(null);

  // A new view is a new set of rows: the selection and the cursor start again.
  const viewKey = JSON.stringify(filter);
  useEffect(() => {
    setSelection(noSelection);
    setAnchor(null);
    setActive(0);
    scrollRef.current?.scrollTo({ top: 0 });
  }, [viewKey, base.sort, base.order]);

  const [knownTotal, setKnownTotal] = useState<number | null>(null);
  const count = knownTotal ?? 0;
  const virtualizer = useVirtualizer({ count, getScrollElement: () => scrollRef.current, estimateSize: () => ROW, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items[items.length - 1]?.index ?? 0;
  const pages = useMemo(() => {
    const from = Math.floor(firstIndex / PAGE_SIZE);
    const to = Math.max(from, Math.floor(lastIndex / PAGE_SIZE));
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }, [firstIndex, lastIndex]);
  const results = useProductPages(view, pages);
  const fresh = results.find((r) => r.data && !r.isPlaceholderData);
  const total = fresh?.data?.total ?? knownTotal;
  useEffect(() => {
    if (fresh?.data && fresh.data.total !== knownTotal) setKnownTotal(fresh.data.total);
  }, [fresh?.data, knownTotal]);
  const loading = results.some((r) => r.isLoading || r.isPlaceholderData);
  const pageData = (index: number) => {
    const page = Math.floor(index / PAGE_SIZE);
    const at = pages.indexOf(page);
    const r = results[at];
    return r && !r.isPlaceholderData ? r.data?.items[index - page * PAGE_SIZE] : undefined;
  };
  const productAt = (index: number) => pageData(index);
  // The row callback keeps its identity across scrolls (rows are memoised); it reads the pages through this.
  const productAtRef = useRef(productAt);
  productAtRef.current = productAt;

  const onRow = useCallback(
    (index: number, product: Product, how: 'open' | 'toggle' | 'extend') => {
      setActive(index);
      if (how === 'open') return navigate({ page: 'products', projectId: product.id });
      if (how === 'toggle' || anchor === null) {
        setSelection((s) => setRows(s, [product.id]));
        setAnchor(index);
        return;
      }
      // A shift-click range covers the rows between the anchor and here that are loaded (the pages around the viewport).
      const ids: string[] = [];
      for (let i = Math.min(anchor, index); i <= Math.max(anchor, index); i++) {
        const p = productAtRef.current(i);
        if (p) ids.push(p.id);
      }
      setSelection((s) => setRows(s, ids, true));
    },
    [anchor],
  );
  const onMenu = useCallback((product: Product, el: HTMLElement) => setMenu({ product, anchor: el }), []);

  const askDelete = (sel: ProductSelection | null, n: number) => {
    if (!sel || n === 0) return;
    setConfirm(sel);
    setConfirmCount(n);
  };
  const doDelete = async () => {
    const sel = confirm;
    setConfirm(null);
    if (!sel) return;
    try {
      const r = await backend.call('products.delete', { selection: sel });
      setSelection(noSelection);
      undo.show(r.deleted, r.undoToken);
      // The bulk bar that held the focus is gone: the list takes it, so the keys go on working.
      scrollRef.current?.focus();
    } catch (err) {
      showToast({ kind: 'error', title: t('toast.error', { message: err instanceof ContractError ? err.message : (err as Error).message }) });
    } finally {
      void queryClient.invalidateQueries({ queryKey: productsKey });
    }
  };

  const engineSelection = total !== null ? toEngine(selection, filter, total) : null;
  const nSelected = total !== null ? selectedCount(selection, total) : 0;
  const header = total !== null ? headerState(selection, total) : 'none';

  const move = (to: number) => {
    if (!count) return;
    const next = Math.max(0, Math.min(count - 1, to));
    setActive(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };
  const onTableKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const product = productAt(active);
    const pageRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? ROW) / ROW) - 1);
    if (e.key === 'ArrowDown') move(active + 1);
    else if (e.key === 'ArrowUp') move(active - 1);
    else if (e.key === 'PageDown') move(active + pageRows);
    else if (e.key === 'PageUp') move(active - pageRows);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(count - 1);
    else if (e.key === 'Enter' && product) navigate({ page: 'products', projectId: product.id });
    else if (e.key === ' ' && product) onRow(active, product, e.shiftKey ? 'extend' : 'toggle');
    else if ((e.key === 'a' || e.key === 'A') && (e.ctrlKey || e.metaKey)) setSelection({ mode: 'all', except: new Set() });
    else if (e.key === 'Escape' && nSelected) setSelection(noSelection);
    else if (e.key === 'Delete' || e.key === 'Backspace') {
      if (nSelected) askDelete(engineSelection, nSelected);
      else if (product) askDelete({ ids: [product.id] }, 1);
    } else return;
    e.preventDefault();
  };

  const byStatus = stats.data?.byStatus;
  const hasFilters = !!(view.query.trim() || base.status.length || base.category !== null);
  const catalogEmpty = stats.data?.total === 0;
  const columns: [ProductSortKey | null, string][] = [
    ['name', t('products.col.name')],
    ['brand', t('products.col.brand')],
    [null, t('products.col.barcode')],
    [null, t('products.col.category')],
    [null, t('products.col.status')],
    ['frames', t('products.col.frames')],
    ['created', t('products.col.created')],
  ];

  return (
    <div className="page products-page" data-testid="page-products">
      <div className="page-head">
        <div>
          <h1>{t('products.title')}</h1>
          <p className="intro">{t('products.intro')}</p>
        </div>
        <div className="page-actions">
          <button type="button" className="button button-primary" onClick={() => setImporting(true)} data-testid="product-import">
            {t('products.import')}
          </button>
        </div>
      </div>

      <div className="product-toolbar">
        <input
          type="search"
          className="product-search"
          placeholder={t('products.searchPlaceholder')}
          aria-label={t('products.search')}
          value={queryText}
          onChange={(e) => setQueryText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              scrollRef.current?.focus();
            }
          }}
          data-testid="product-search"
          {...pageSearch}
        />
        <div className="product-chips" role="group" aria-label={t('products.statusFilter')}>
          <button type="button" className={`product-chip ${base.status.length === 0 ? 'is-on' : ''}`} aria-pressed={base.status.length === 0} onClick={() => setBase({ ...base, status: [] })} data-testid="product-filter-all">
            {t('products.allStatuses')} <span className="product-chip-count">{formatNumber(stats.data?.total ?? 0, i18n.language)}</span>
          </button>
          {STATUSES.map((s) => {
            const on = base.status.includes(s);
            return (
              <button
                key={s}
                type="button"
                className={`product-chip product-chip-${s} ${on ? 'is-on' : ''}`}
                aria-pressed={on}
                data-testid={`product-filter-${s}`}
                data-count={byStatus?.[s] ?? 0}
                onClick={() => setBase({ ...base, status: on ? base.status.filter((x) => x !== s) : [...base.status, s] })}
              >
                {t(`products.status.${s}`)} <span className="product-chip-count">{formatNumber(byStatus?.[s] ?? 0, i18n.language)}</span>
              </button>
            );
          })}
        </div>
        <select
          className="product-category"
          aria-label={t('products.category')}
          value={base.category ?? ''}
          onChange={(e) => setBase({ ...base, category: e.currentTarget.value === '' ? null : e.currentTarget.value })}
          data-testid="product-category"
        >
          <option value="">{t('products.allCategories')}</option>
          {(categories.data ?? []).map((c) => (
            <option key={c.category} value={c.category}>
              {c.category} ({formatNumber(c.count, i18n.language)})
            </option>
          ))}
        </select>
        <span className="product-count" data-testid="product-count" data-total={total ?? ''} aria-live="polite">
          {total === null ? t('products.loadingCount') : t('products.count', { count: total })}
        </span>
      </div>

      {engineSelection && total !== null ? (
        <BulkBar selection={engineSelection} count={nSelected} total={total} onClear={() => setSelection(noSelection)} onDelete={() => askDelete(engineSelection, nSelected)} />
      ) : null}

      <div
        className="product-table"
        role="grid"
        aria-label={t('products.title')}
        aria-rowcount={(total ?? 0) + 1}
        aria-multiselectable="true"
        data-testid="product-table"
        data-total={total ?? undefined}
        data-query={view.query.trim()}
        data-loading={loading ? 'true' : 'false'}
      >
        <div className="product-row product-head" role="row" aria-rowindex={1}>
          <span role="columnheader" className="product-cell-check">
            <input
              type="checkbox"
              aria-label={t('products.selectAllView')}
              checked={header === 'all'}
              ref={(el) => {
                if (el) el.indeterminate = header === 'some';
              }}
              disabled={!total}
              data-testid="product-select-all"
              data-state={header}
              onChange={() => total !== null && setSelection((s) => toggleAll(s, total))}
            />
          </span>
          <span role="columnheader" className="product-cell-thumb">
            <span className="visually-hidden">{t('products.col.image')}</span>
          </span>
          {columns.map(([sort, label]) =>
            sort ? (
              <SortHeader key={label} column={sort} label={label} view={view} setView={(v) => setBase({ status: v.status, category: v.category, sort: v.sort, order: v.order })} />
            ) : (
              <span key={label} role="columnheader">
                {label}
              </span>
            ),
          )}
          <span role="columnheader">
            <span className="visually-hidden">{t('products.col.actions')}</span>
          </span>
        </div>
        <div
          ref={scrollRef}
          className="product-scroll"
          tabIndex={0}
          role="rowgroup"
          data-testid="product-table-scroll"
          aria-activedescendant={productAt(active) ? `product-row-${active}` : undefined}
          onKeyDown={onTableKey}
        >
          {total === 0 && !loading ? (
            <div className="empty product-empty" data-testid="product-empty">
              <p>{catalogEmpty && !hasFilters ? t('products.empty') : t('products.noMatch')}</p>
              {hasFilters ? (
                <button
                  type="button"
                  className="button"
                  onClick={() => {
                    setQueryText('');
                    setBase({ ...base, status: [], category: null });
                  }}
                >
                  {t('products.clearFilters')}
                </button>
              ) : (
                <button type="button" className="button button-primary" onClick={() => setImporting(true)}>
                  {t('products.import')}
                </button>
              )}
            </div>
          ) : (
            <div className="product-rows" style={{ height: virtualizer.getTotalSize() }}>
              {items.map((item) => {
                const product = productAt(item.index);
                return (
                  <Row
                    key={product?.id ?? `pending-${item.index}`}
                    index={item.index}
                    start={item.start}
                    product={product}
                    selected={product ? isSelected(selection, product.id) : false}
                    active={item.index === active}
                    onRow={onRow}
                    onMenu={onMenu}
                  />
                );
              })}
            </div>
          )}
        </div>
      </div>

      {menu ? <RowMenu product={menu.product} anchor={menu.anchor} onClose={() => setMenu(null)} onDelete={(p) => askDelete({ ids: [p.id] }, 1)} /> : null}
      {confirm ? (
        <ConfirmDialog
          title={t('products.deleteTitle', { count: confirmCount })}
          body={t('products.deleteBody')}
          confirmLabel={t('products.delete')}
          cancelLabel={t('products.cancel')}
          danger
          onConfirm={() => void doDelete()}
          onCancel={() => setConfirm(null)}
        />
      ) : null}
      {importing ? <ImportDialog onClose={() => setImporting(false)} /> : null}
      <UndoBar undo={undo} />
      <SavedBar />
    </div>
  );
}
