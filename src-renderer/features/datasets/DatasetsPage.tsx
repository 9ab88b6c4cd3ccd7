import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ContractError, type Dataset, type DatasetProduct, type Split } from '../../../src-shared/contract/index.js';
import { useRegistry } from '../../app/registry.js';
import { hrefFor, navigate } from '../../app/router.js';
import { useBackend } from '../../backend/index.js';
import { ConfirmDialog, Dialog } from '../../ui/Dialog.js';
import { formatRelative } from '../../ui/format.js';
import { showToast } from '../../ui/toasts.js';
import { AugmentationPanel } from '../augmentation/public.js';
import { ImportDatasetDialog } from './ImportDataset.js';
import { datasetsKey, useDataset, useDatasetProducts, useDatasets } from './queries.js';

const SPLITS: readonly Split[] = ['train', 'valid', 'test'];

/** Runs an edit; a stale one (another window changed the dataset) reloads it and says so. */
function useEdit() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  return async <T,>(edit: () => Promise<T>): Promise<T | null> => {
    try {
      return await edit();
    } catch (err) {
      const stale = err instanceof ContractError && err.code === 'conflict';
      showToast({ kind: 'error', title: stale ? t('datasets.stale') : (err as Error).message, tag: stale ? 'dataset-stale' : undefined });
      return null;
    } finally {
      void queryClient.invalidateQueries({ queryKey: datasetsKey });
    }
  };
}

function NewDatasetDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const edit = useEdit();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [from, setFrom] = useState<'scratch' | 'filter'>('scratch');
  const [query, setQuery] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const made = await edit(() =>
      backend.call('datasets.create', { name, description, ...(from === 'filter' ? { from: { filter: { query: query.trim() || undefined }, except: [] } } : {}) }),
    );
    if (made) {
      onClose();
      navigate({ page: 'datasets', projectId: made.id });
    }
  };
  return (
    <Dialog title={t('datasets.new')} onClose={onClose} testId="dataset-new-dialog">
      <form className="dataset-form" onSubmit={(e) => void submit(e)}>
        <label>
          {t('datasets.name')}
          <input required maxLength={120} value={name} onChange={(e) => setName(e.target.value)} data-testid="dataset-name" autoFocus />
        </label>
        <label>
          {t('datasets.description')}
          <textarea maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} data-testid="dataset-description" />
        </label>
        <fieldset>
          <legend>{t('datasets.from')}</legend>
          <label>
            <input type="radio" name="from" checked={from === 'scratch'} onChange={() => setFrom('scratch')} /> {t('datasets.fromScratch')}
          </label>
          <label>
            <input type="radio" name="from" checked={from === 'filter'} onChange={() => setFrom('filter')} data-testid="dataset-from-filter" /> {t('datasets.fromFilter')}
          </label>
          {from === 'filter' ? <input placeholder={t('datasets.filterQuery')} value={query} onChange={(e) => setQuery(e.target.value)} data-testid="dataset-filter-query" /> : null}
        </fieldset>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            {t('datasets.cancel')}
          </button>
          <button type="submit" className="button button-primary" disabled={!name.trim()} data-testid="dataset-create">
            {t('datasets.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DatasetList() {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const edit = useEdit();
  const list = useDatasets();
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);
  const [deleting, setDeleting] = useState<Dataset | null>(null);
  const [undo, setUndo] = useState<{ token: string; name: string } | null>(null);
  const remove = async (d: Dataset) => {
    setDeleting(null);
    const r = await edit(() => backend.call('datasets.delete', { id: d.id }));
    if (r) setUndo({ token: r.undoToken, name: d.name });
  };
  return (
    <div className="page datasets-page">
      <header className="page-head">
        <h1>{t('datasets.title')}</h1>
        <div className="dataset-head-actions">
          {backend.pathsForFiles || backend.upload ? (
            <button type="button" className="button" onClick={() => setImporting(true)} data-testid="dataset-import">
              {t('datasets.importOpen')}
            </button>
          ) : null}
          <button type="button" className="button button-primary" onClick={() => setCreating(true)} data-testid="dataset-new">
            {t('datasets.new')}
          </button>
        </div>
      </header>
      <p className="muted">{t('datasets.intro')}</p>
      {undo ? (
        <div className="dataset-undo" role="status" data-testid="dataset-undo-bar">
          {t('datasets.deleted', { name: undo.name })}
          <button
            type="button"
            className="button"
            data-testid="dataset-undo"
            onClick={() => void edit(() => backend.call('datasets.restore', { undoToken: undo.token })).then(() => setUndo(null))}
          >
            {t('datasets.undo')}
          </button>
        </div>
      ) : null}
      {list.data && list.data.length === 0 ? <p data-testid="datasets-none">{t('datasets.none')}</p> : null}
      <ul className="dataset-cards">
        {list.data?.map((d) => (
          <li key={d.id} className="dataset-card" data-testid="dataset-card" data-name={d.name}>
            <a href={`#/datasets/${d.id}`} className="dataset-card-link">
              <strong>{d.name}</strong>
              {d.description ? <span className="muted">{d.description}</span> : null}
              <span data-testid="dataset-card-count">{t('datasets.products', { count: d.productCount })}</span>
              <span className="muted">{t('datasets.created', { when: formatRelative(d.createdAt, i18n.language) })}</span>
            </a>
            <button type="button" className="button button-danger" onClick={() => setDeleting(d)} data-testid="dataset-delete">
              {t('datasets.delete')}
            </button>
          </li>
        ))}
      </ul>
      {creating ? <NewDatasetDialog onClose={() => setCreating(false)} /> : null}
      {importing ? <ImportDatasetDialog onClose={() => setImporting(false)} /> : null}
      {deleting ? (
        <ConfirmDialog
          title={t('datasets.deleteTitle', { name: deleting.name })}
          body={t('datasets.deleteBody')}
          confirmLabel={t('datasets.delete')}
          cancelLabel={t('datasets.cancel')}
          danger
          onConfirm={() => void remove(deleting)}
          onCancel={() => setDeleting(null)}
        />
      ) : null}
    </div>
  );
}

function AddProductsDialog({ dataset, members, onClose }: { dataset: Dataset; members: readonly DatasetProduct[]; onClose: () => void }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const edit = useEdit();
  const [query, setQuery] = useState('');
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const inside = new Set(members.map((m) => m.productId));
  const found = useQuery({ queryKey: [...datasetsKey, 'search', query], queryFn: () => backend.call('products.list', { query: query.trim() || undefined, limit: 200 }) });
  const toggle = (id: string) => setChosen((s) => (s.has(id) ? new Set([...s].filter((x) => x !== id)) : new Set([...s, id])));
  const add = async () => {
    const r = await edit(() => backend.call('datasets.addProducts', { id: dataset.id, version: dataset.version, selection: { ids: [...chosen] } }));
    if (r) {
      showToast({ kind: 'success', title: t('datasets.added', { count: r.added }) });
      onClose();
    }
  };
  return (
    <Dialog title={t('datasets.addTitle', { name: dataset.name })} onClose={onClose} testId="dataset-add-dialog">
      <input type="search" placeholder={t('datasets.search')} value={query} onChange={(e) => setQuery(e.target.value)} data-testid="dataset-add-search" autoFocus />
      <ul className="dataset-add-list">
        {found.data?.items.map((p) => (
          <li key={p.id}>
            <label>
              <input type="checkbox" disabled={inside.has(p.id)} checked={inside.has(p.id) || chosen.has(p.id)} onChange={() => toggle(p.id)} data-testid="dataset-add-item" data-barcode={p.barcode ?? ''} />
              <code>{p.barcode ?? '—'}</code> {p.brandName} {p.productName}
              {inside.has(p.id) ? <span className="muted"> · {t('datasets.inDataset')}</span> : null}
            </label>
          </li>
        ))}
      </ul>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          {t('datasets.cancel')}
        </button>
        <button type="button" className="button button-primary" disabled={chosen.size === 0} onClick={() => void add()} data-testid="dataset-add-confirm">
          {t('datasets.addSelected', { count: chosen.size })}
        </button>
      </div>
    </Dialog>
  );
}

/** New ratios or seed for the whole dataset (products placed by hand keep their split). */
function ResplitForm({ dataset }: { dataset: Dataset }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const edit = useEdit();
  const [open, setOpen] = useState(false);
  const pct = (x: number) => String(Math.round(x * 1000) / 10);
  const [train, setTrain] = useState(pct(dataset.splitRatios.train));
  const [valid, setValid] = useState(pct(dataset.splitRatios.valid));
  const [test, setTest] = useState(pct(dataset.splitRatios.test));
  const [seed, setSeed] = useState(String(dataset.splitSeed));
  if (!open) {
    return (
      <button type="button" className="button" onClick={() => setOpen(true)} data-testid="dataset-resplit-open">
        {t('datasets.resplit')}
      </button>
    );
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await edit(() =>
      backend.call('datasets.resplit', {
        id: dataset.id,
        version: dataset.version,
        splitRatios: { train: Number(train) / 100, valid: Number(valid) / 100, test: Number(test) / 100 },
        splitSeed: Number(seed),
      }),
    );
    if (r) setOpen(false);
  };
  return (
    <form className="dataset-resplit" onSubmit={(e) => void submit(e)} data-testid="dataset-resplit">
      {(
        [
          ['train', train, setTrain],
          ['valid', valid, setValid],
          ['test', test, setTest],
        ] as const
      ).map(([s, v, set]) => (
        <label key={s}>
          {t(`datasets.split.${s}`)} %
          <input type="number" min={0} max={100} step="any" value={v} onChange={(e) => set(e.target.value)} required />
        </label>
      ))}
      <label>
        {t('datasets.seed')}
        <input type="number" min={0} value={seed} onChange={(e) => setSeed(e.target.value)} required />
      </label>
      <button type="submit" className="button">
        {t('datasets.resplitApply')}
      </button>
    </form>
  );
}

/**
 * Export for outside training. Web: the browser downloads the streamed ZIP. Desktop: the
 * OS's dialog picks where (a ZIP file, or a folder to write a new folder into), so the
 * engine may write there; without that dialog (an older shell) there is no local export.
 */
function ExportActions({ dataset }: { dataset: Dataset }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const [busy, setBusy] = useState(false);
  const choosePath = backend.choosePath?.bind(backend);
  const exportTo = async (format: 'zip' | 'folder') => {
    if (!choosePath) return;
    const chosen = await choosePath(format === 'zip' ? { kind: 'save', defaultName: `${dataset.name}.zip`, filters: [{ name: 'ZIP', extensions: ['zip'] }] } : { kind: 'folder' });
    if (!chosen) return;
    setBusy(true);
    try {
      const r = await backend.call('datasets.exportTo', { id: dataset.id, destPath: chosen, format, inNewFolder: format === 'folder' });
      showToast({ kind: 'success', title: t('datasets.exported', { count: r.files, path: r.path }), tag: 'dataset-exported' });
    } catch (err) {
      showToast({ kind: 'error', title: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  if (backend.downloadUrl) {
    return (
      <a className="button" href={backend.downloadUrl('dataset-export', { id: dataset.id })} download data-testid="dataset-export">
        {t('datasets.export')}
      </a>
    );
  }
  if (!choosePath) return null;
  return (
    <>
      <button type="button" className="button" disabled={busy} onClick={() => void exportTo('zip')} data-testid="dataset-export-zip">
        {t('datasets.exportZipTo')}
      </button>
      <button type="button" className="button" disabled={busy} onClick={() => void exportTo('folder')} data-testid="dataset-export-folder">
        {t('datasets.exportFolder')}
      </button>
    </>
  );
}

function DatasetDetail({ id }: { id: string }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const edit = useEdit();
  const dataset = useDataset(id);
  const products = useDatasetProducts(id);
  const [adding, setAdding] = useState(false);
  // Only when the embeddings feature is in this build.
  const hasEmbeddings = useRegistry().routes.some((r) => r.page === 'embeddings');
  const d = dataset.data;
  if (dataset.error) return <div className="page">{(dataset.error as Error).message}</div>;
  if (!d) return <div className="page" />;
  const rows = products.data ?? [];
  const count = (s: Split) => rows.filter((r) => r.split === s).length;
  return (
    <div className="page dataset-detail" data-testid="dataset-detail" data-version={d.version}>
      <a href="#/datasets" className="muted">
        ← {t('datasets.back')}
      </a>
      <header className="page-head">
        <h1 data-testid="dataset-title">{d.name}</h1>
        <span className="muted">{t('datasets.version', { version: d.version })}</span>
      </header>
      {d.description ? <p>{d.description}</p> : null}
      <p className="muted" data-testid="dataset-splits">
        {t('datasets.splits', { train: count('train'), valid: count('valid'), test: count('test'), seed: d.splitSeed })}
      </p>
      <div className="dataset-actions">
        <button type="button" className="button" onClick={() => setAdding(true)} data-testid="dataset-add">
          {t('datasets.addProducts')}
        </button>
        {d.productCount > 0 && hasEmbeddings ? (
          // The Embeddings page takes it from there (scope preselected: index name, model, start).
          <a className="button" href={`${hrefFor({ page: 'embeddings', projectId: null })}?scope=dataset:${d.id}`} data-testid="dataset-embed">
            {t('datasets.embed')}
          </a>
        ) : null}
        <ResplitForm dataset={d} />
        {d.productCount > 0 ? <ExportActions dataset={d} /> : null}
      </div>
      {rows.length === 0 && products.isSuccess ? (
        <p className="dataset-empty" data-testid="dataset-empty">
          {t('datasets.empty')}
        </p>
      ) : (
        <table className="dataset-products" data-testid="dataset-products">
          <thead>
            <tr>
              <th>{t('datasets.columns.image')}</th>
              <th>{t('datasets.columns.barcode')}</th>
              <th>{t('datasets.columns.brand')}</th>
              <th>{t('datasets.columns.product')}</th>
              <th title={t('datasets.countsTitle')}>{t('datasets.columns.counts')}</th>
              <th>{t('datasets.columns.split')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.productId} data-testid="dataset-product" data-barcode={p.barcode ?? ''} data-split={p.split}>
                <td>{p.primaryImageId ? <img className="dataset-thumb" src={backend.mediaUrl(p.primaryImageId, 'thumb')} alt="" loading="lazy" /> : null}</td>
                <td>
                  <code>{p.barcode ?? '—'}</code>
                </td>
                <td>{p.brandName}</td>
                <td>{p.productName}</td>
                <td title={t('datasets.countsTitle')} data-testid="dataset-product-counts">
                  {p.counts.synthetic} / {p.counts.real} / {p.counts.augmented}
                </td>
                <td>
                  <select
                    value={p.split}
                    aria-label={t('datasets.columns.split')}
                    data-testid="dataset-product-split"
                    onChange={(e) => void edit(() => backend.call('datasets.setProductSplit', { id: d.id, version: d.version, productId: p.productId, split: e.target.value as Split }))}
                  >
                    {SPLITS.map((s) => (
                      <option key={s} value={s}>
                        {t(`datasets.split.${s}`)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <button
                    type="button"
                    className="button"
                    data-testid="dataset-product-remove"
                    onClick={() => void edit(() => backend.call('datasets.removeProducts', { id: d.id, version: d.version, productIds: [p.productId] }))}
                  >
                    {t('datasets.remove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AugmentationPanel dataset={d} />
      {adding ? <AddProductsDialog dataset={d} members={rows} onClose={() => setAdding(false)} /> : null}
    </div>
  );
}

/** #/datasets: the list; #/datasets/<id>: one dataset (the route's id slot carries the dataset's id). */
export function DatasetsPage({ projectId }: { projectId: string | null }) {
  return projectId ? <DatasetDetail id={projectId} /> : <DatasetList />;
}
