import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { DatasetImportReport } from '../../../src-shared/contract/index.js';
import { hrefFor } from '../../app/router.js';
import { useBackend } from '../../backend/index.js';
import { Dialog } from '../../ui/Dialog.js';
import { formatNumber } from '../../ui/format.js';
import { datasetsKey } from './queries.js';

type Phase = { kind: 'idle' } | { kind: 'uploading'; loaded: number; total: number } | { kind: 'importing'; what: string } | { kind: 'done'; report: DatasetImportReport } | { kind: 'failed'; message: string };

const ZIP_FILTER = [{ name: 'ZIP', extensions: ['zip'] }];

/**
 * "Import dataset…": a folder in the export layout or a ZIP of one becomes a new dataset.
 * Desktop: dropped (its local path, as preload reports it) or chosen in the OS's dialog,
 * so the engine reads it in place; web: a ZIP dropped or picked is uploaded first.
 */
export function ImportDatasetDialog({ onClose }: { onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const zipInput = useRef<HTMLInputElement>(null);
  const [dragOver, setDragOver] = useState(false);
  const desktop = Boolean(backend.pathsForFiles);
  const busy = phase.kind === 'uploading' || phase.kind === 'importing';
  const n = (x: number) => formatNumber(x, i18n.language);

  const run = async (work: () => Promise<DatasetImportReport>) => {
    try {
      const report = await work();
      setPhase({ kind: 'done', report });
    } catch (err) {
      setPhase({ kind: 'failed', message: (err as Error).message });
    } finally {
      void queryClient.invalidateQueries({ queryKey: datasetsKey });
    }
  };
  const fromPath = (path: string) => {
    setPhase({ kind: 'importing', what: path });
    void run(() => backend.call('datasets.import', { path, ...(name.trim() ? { name: name.trim() } : {}) }));
  };
  const fromFile = (file: File) => {
    const upload = backend.upload?.bind(backend);
    if (!upload) return;
    if (!/\.zip$/i.test(file.name)) {
      setPhase({ kind: 'failed', message: t('datasets.import.zipOnly', { name: file.name }) });
      return;
    }
    setPhase({ kind: 'uploading', loaded: 0, total: file.size });
    void run(async () => {
      const { uploadId } = await upload(file, file.name, (p) => setPhase({ kind: 'uploading', loaded: p.loaded, total: p.total }));
      setPhase({ kind: 'importing', what: file.name });
      // No name typed: the engine takes dataset.json's.
      return backend.call('datasets.import', { uploadId, ...(name.trim() ? { name: name.trim() } : {}) });
    });
  };
  const onDrop = (e: DragEvent<HTMLElement>) => {
    e.preventDefault();
    e.stopPropagation();
    setDragOver(false);
    if (busy) return;
    const files = [...e.dataTransfer.files];
    if (desktop) {
      const dropped = backend.pathsForFiles?.(files).find((p) => p !== '');
      if (dropped) fromPath(dropped);
    } else if (files[0]) fromFile(files[0]);
  };
  const choose = async (kind: 'folder' | 'open') => {
    const chosen = await backend.choosePath?.(kind === 'folder' ? { kind: 'folder' } : { kind: 'open', filters: ZIP_FILTER });
    if (chosen) fromPath(chosen);
  };

  return (
    <Dialog title={t('datasets.import.title')} onClose={onClose} testId="dataset-import-dialog">
      <div className="dataset-form">
        <p className="muted">{t('datasets.import.intro')}</p>
        <label>
          {t('datasets.import.name')}
          <input maxLength={120} value={name} onChange={(e) => setName(e.target.value)} placeholder={t('datasets.import.namePlaceholder')} disabled={busy} data-testid="dataset-import-name" />
        </label>
        <div
          className={`dataset-drop ${dragOver ? 'drop-target' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            e.stopPropagation();
            setDragOver(true);
          }}
          onDragLeave={() => setDragOver(false)}
          onDrop={onDrop}
          data-testid="dataset-import-drop"
        >
          <span>{desktop ? t('datasets.import.dropDesktop') : t('datasets.import.dropWeb')}</span>
          <div className="dataset-drop-actions">
            {desktop && backend.choosePath ? (
              <>
                <button type="button" className="button" disabled={busy} onClick={() => void choose('folder')} data-testid="dataset-import-choose-folder">
                  {t('datasets.import.chooseFolder')}
                </button>
                <button type="button" className="button" disabled={busy} onClick={() => void choose('open')} data-testid="dataset-import-choose-zip">
                  {t('datasets.import.chooseZip')}
                </button>
              </>
            ) : null}
            {!desktop && backend.upload ? (
              <>
                {/* A button that opens the hidden input (a <label> around it was out of the Tab order). */}
                <button type="button" className="button" disabled={busy} onClick={() => zipInput.current?.click()} data-testid="dataset-import-pick">
                  {t('datasets.import.pickZip')}
                </button>
                <input
                  ref={zipInput}
                  type="file"
                  accept=".zip,application/zip"
                  hidden
                  disabled={busy}
                  data-testid="dataset-import-file"
                  onChange={(e) => {
                    const file = e.currentTarget.files?.[0];
                    e.currentTarget.value = '';
                    if (file) fromFile(file);
                  }}
                />
              </>
            ) : null}
          </div>
        </div>
        <div role="status" aria-live="polite" data-testid="dataset-import-status" data-phase={phase.kind}>
          {phase.kind === 'uploading' ? (
            <>
              <progress max={phase.total || 1} value={phase.loaded} />
              <span className="muted">{t('datasets.import.uploading', { percent: n(Math.floor((phase.loaded / (phase.total || 1)) * 100)) })}</span>
            </>
          ) : null}
          {phase.kind === 'importing' ? (
            <>
              <progress />
              <span className="muted">{t('datasets.import.importing', { what: phase.what })}</span>
            </>
          ) : null}
          {phase.kind === 'failed' ? (
            <p className="error" role="alert">
              {phase.message}
            </p>
          ) : null}
          {phase.kind === 'done' ? <ImportSummary report={phase.report} /> : null}
        </div>
        <div className="dialog-actions">
          {phase.kind === 'done' ? (
            <a className="button button-primary" href={hrefFor({ page: 'datasets', projectId: phase.report.dataset.id })} onClick={onClose} data-testid="dataset-import-open">
              {t('datasets.import.open', { name: phase.report.dataset.name })}
            </a>
          ) : null}
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            {phase.kind === 'done' ? t('datasets.import.close') : t('datasets.cancel')}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

function ImportSummary({ report }: { report: DatasetImportReport }) {
  const { t, i18n } = useTranslation();
  const n = (x: number) => formatNumber(x, i18n.language);
  return (
    <div className="dataset-import-summary" data-testid="dataset-import-summary">
      <p>
        <strong>{t('datasets.import.done', { name: report.dataset.name })}</strong>
      </p>
      <ul>
        <li data-testid="dataset-import-products">{t('datasets.import.products', { created: n(report.productsCreated), found: n(report.productsFound) })}</li>
        <li>{t('datasets.import.images', { synthetic: n(report.images.synthetic), real: n(report.images.real), augmented: n(report.images.augmented) })}</li>
        {report.alreadyHeld ? <li data-testid="dataset-import-already-held">{t('datasets.import.alreadyHeld', { count: report.alreadyHeld })}</li> : null}
      </ul>
      {report.refused.length ? (
        <details open={report.refused.length <= 5}>
          <summary data-testid="dataset-import-refused">{t('datasets.import.refused', { count: report.refused.length })}</summary>
          <ul className="dataset-import-refused">
            {report.refused.slice(0, 200).map((r) => (
              <li key={r.path}>
                <code>{r.path}</code>: {r.reason}
              </li>
            ))}
          </ul>
          {report.refused.length > 200 ? <p className="muted">{t('datasets.import.refusedMore', { count: report.refused.length - 200 })}</p> : null}
        </details>
      ) : (
        <p className="muted">{t('datasets.import.noneRefused')}</p>
      )}
    </div>
  );
}
