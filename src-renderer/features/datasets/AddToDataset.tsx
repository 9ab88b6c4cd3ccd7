import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductSelection } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { Dialog } from '../../ui/Dialog.js';
import { showToast } from '../../ui/toasts.js';
import { datasetsKey, useDatasets } from './queries.js';

const NEW = '';

/** The products list's bulk action: the selection (ids, or the filter minus exceptions) into a dataset, or a new one. */
export function AddToDataset({ selection, count, clear }: { selection: ProductSelection; count: number; clear: () => void }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const queryClient = useQueryClient();
  const datasets = useDatasets();
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState(NEW);
  const [name, setName] = useState('');
  const submit = async () => {
    try {
      if (target === NEW) {
        const d = await backend.call('datasets.create', { name, from: selection });
        showToast({ kind: 'success', title: t('datasets.added', { count: d.productCount }) });
      } else {
        const d = datasets.data?.find((x) => x.id === target);
        if (!d) return;
        const r = await backend.call('datasets.addProducts', { id: d.id, version: d.version, selection });
        showToast({ kind: 'success', title: t('datasets.added', { count: r.added }) });
      }
      setOpen(false);
      clear();
    } catch (err) {
      showToast({ kind: 'error', title: (err as Error).message });
    } finally {
      void queryClient.invalidateQueries({ queryKey: datasetsKey });
    }
  };
  return (
    <>
      <button type="button" className="button" onClick={() => setOpen(true)} data-testid="product-bulk-add-to-dataset">
        {t('datasets.addToDataset')}
      </button>
      {open ? (
        <Dialog title={t('datasets.addToDatasetTitle', { count })} onClose={() => setOpen(false)} testId="add-to-dataset-dialog">
          <div className="dataset-form">
            <label>
              {t('datasets.title')}
              <select value={target} onChange={(e) => setTarget(e.target.value)} data-testid="add-to-dataset-target">
                <option value={NEW}>{t('datasets.new')}</option>
                {datasets.data?.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name}
                  </option>
                ))}
              </select>
            </label>
            {target === NEW ? (
              <label>
                {t('datasets.name')}
                <input required maxLength={120} value={name} onChange={(e) => setName(e.target.value)} data-testid="add-to-dataset-name" />
              </label>
            ) : null}
            <div className="dialog-actions">
              <button type="button" className="button" onClick={() => setOpen(false)}>
                {t('datasets.cancel')}
              </button>
              <button type="button" className="button button-primary" disabled={target === NEW && !name.trim()} onClick={() => void submit()} data-testid="add-to-dataset-confirm">
                {t('datasets.addSelected', { count })}
              </button>
            </div>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}
