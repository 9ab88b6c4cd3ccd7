import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ProductFields, type ImportReport } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { Dialog } from '../../ui/Dialog.js';
import { downloadText } from './download.js';
import { productsKey } from './queries.js';

/** The fields a column can fill (the engine's import targets), '' for "ignore". */
const TARGETS = ['barcodes', 'status', 'id', ...Object.keys(ProductFields.shape)] as const;

function targetLabelKey(target: string): string {
  return target === 'barcodes' || target === 'status' || target === 'id' ? `products.field.${target}` : `products.form.${target}`;
}

/**
 * The first record of a CSV: its column names. Hand-written because the engine's
 * csv-parse is a Node build, and only the header is needed here (quotes and doubled
 * quotes handled; the engine parses the whole file itself).
 */
export function csvHeader(text: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cell.trim());
      cell = '';
    } else if (c === '\n' || c === '\r') break;
    else cell += c;
  }
  out.push(cell.trim());
  return out.filter(Boolean);
}

/** The columns of a catalog file as the engine will read them (CSV header, or the keys of a JSON catalog's records). */
async function fileColumns(file: File): Promise<string[]> {
  const isJson = /\.json$/i.test(file.name);
  if (!isJson) return csvHeader(await file.slice(0, 256 * 1024).text());
  try {
    const parsed = JSON.parse(await file.text()) as unknown;
    const list = Array.isArray(parsed) ? parsed : (parsed as { products?: unknown } | null)?.products;
    if (!Array.isArray(list)) return [];
    return [...new Set(list.slice(0, 2000).flatMap((r) => (r && typeof r === 'object' ? Object.keys(r as object) : [])))];
  } catch {
    return []; // The engine's dry run says what is wrong with it.
  }
}

type Source = { path: string } | { uploadId: string };

/** Choose a CSV or JSON catalog, check how its columns are read (a dry run), fix the mapping, import, read the report. */
export function ImportDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const queryClient = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [source, setSource] = useState<Source | null>(null);
  const [columns, setColumns] = useState<string[]>([]);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [dry, setDry] = useState<ImportReport | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const check = async (src: Source, map: Record<string, string>) => {
    setBusy('check');
    setError(null);
    try {
      const r = await backend.call('products.import', { ...src, mapping: map, dryRun: true });
      setDry(r);
      return r;
    } catch (err) {
      setError(t('products.importDialog.failed', { message: (err as Error).message }));
      return null;
    } finally {
      setBusy(null);
    }
  };

  const choose = async (chosen: File) => {
    setFile(chosen);
    setDry(null);
    setReport(null);
    setError(null);
    try {
      let src: Source;
      if (backend.pathsForFiles) {
        src = { path: backend.pathsForFiles([chosen])[0]! };
      } else if (backend.upload) {
        setBusy('upload');
        const up = await backend.upload(chosen, chosen.name, (p) => setBusy(`upload:${Math.round((100 * p.loaded) / Math.max(1, p.total))}`));
        src = { uploadId: up.uploadId };
      } else {
        setError(t('products.importDialog.cannotRead'));
        return;
      }
      setSource(src);
      const cols = await fileColumns(chosen);
      const r = await check(src, {});
      if (!r) return;
      setColumns(cols.length ? cols : Object.keys(r.mapping));
      setMapping(Object.fromEntries((cols.length ? cols : Object.keys(r.mapping)).map((c) => [c, r.mapping[c] ?? ''])));
    } catch (err) {
      setError(t('products.importDialog.failed', { message: (err as Error).message }));
    } finally {
      setBusy(null);
    }
  };

  const run = async () => {
    if (!source) return;
    setBusy('run');
    setError(null);
    try {
      const r = await backend.call('products.import', { ...source, mapping, dryRun: false });
      setReport(r);
    } catch (err) {
      setError(t('products.importDialog.failed', { message: (err as Error).message }));
    } finally {
      setBusy(null);
      void queryClient.invalidateQueries({ queryKey: productsKey });
    }
  };

  const shown = report ?? dry;
  const counts = shown ? { rows: shown.rows, created: shown.created, updated: shown.updated, unchanged: shown.unchanged, refused: shown.refused.length } : null;
  const uploading = busy?.startsWith('upload') ? Number(busy.split(':')[1] ?? 0) : null;

  return (
    <Dialog title={t('products.importDialog.title')} onClose={onClose} testId="product-import-dialog" className="product-import">
      <p className="muted">{t('products.importDialog.help')}</p>
      {!report ? (
        <p>
          <button type="button" className="button" onClick={() => input.current?.click()} disabled={busy !== null} data-testid="product-import-choose">
            {t('products.importDialog.choose')}
          </button>{' '}
          {file ? <strong>{file.name}</strong> : null}
          <input
            ref={input}
            type="file"
            accept=".csv,.json,text/csv,application/json"
            hidden
            data-testid="product-import-file"
            onChange={(e) => {
              const chosen = e.currentTarget.files?.[0];
              e.currentTarget.value = '';
              if (chosen) void choose(chosen);
            }}
          />
        </p>
      ) : null}
      {uploading !== null && file ? <p className="muted">{t('products.importDialog.uploading', { name: file.name, percent: uploading })}</p> : null}
      {busy === 'check' && file ? <p className="muted">{t('products.importDialog.reading', { name: file.name })}</p> : null}
      {error ? (
        <p className="error" role="alert" data-testid="product-import-error">
          {error}
        </p>
      ) : null}

      {dry && !report && columns.length ? (
        <fieldset className="product-mapping" data-testid="product-import-mapping">
          <legend>{t('products.importDialog.mapping')}</legend>
          <p className="muted">{t('products.importDialog.mappingHelp')}</p>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('products.importDialog.column')}</th>
                <th scope="col">{t('products.importDialog.field')}</th>
              </tr>
            </thead>
            <tbody>
              {columns.map((c) => (
                <tr key={c}>
                  <td>
                    <code>{c}</code>
                  </td>
                  <td>
                    <select aria-label={c} value={mapping[c] ?? ''} data-testid="product-import-map" data-column={c} onChange={(e) => setMapping({ ...mapping, [c]: e.currentTarget.value })}>
                      <option value="">{t('products.importDialog.ignore')}</option>
                      {TARGETS.map((target) => (
                        <option key={target} value={target}>
                          {t(targetLabelKey(target))}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </fieldset>
      ) : null}

      {counts ? (
        <p data-testid={report ? 'product-import-report' : 'product-import-dry'} data-created={counts.created} data-updated={counts.updated} data-unchanged={counts.unchanged} data-refused={counts.refused} data-rows={counts.rows}>
          {t(report ? 'products.importDialog.report' : 'products.importDialog.dryRun', counts)}
        </p>
      ) : null}
      {shown && shown.refused.length ? (
        <details open={!!report} className="product-refused">
          <summary>{t('products.importDialog.refusedTitle')}</summary>
          <table data-testid="product-import-refused">
            <thead>
              <tr>
                <th scope="col">{t('products.importDialog.row')}</th>
                <th scope="col">{t('products.col.barcode')}</th>
                <th scope="col">{t('products.importDialog.reason')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.refused.slice(0, 200).map((r) => (
                <tr key={r.row}>
                  <td>{r.row}</td>
                  <td>{r.barcode ?? ''}</td>
                  <td>{r.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
              const lines = ['row,barcode,reason', ...shown.refused.map((r) => [String(r.row), quote(r.barcode ?? ''), quote(r.reason)].join(','))];
              downloadText(`${(file?.name ?? 'catalog').replace(/\.[^.]+$/, '')}-refused.csv`, `\uFEFF${lines.join('\r\n')}\r\n`, 'text/csv');
            }}
          >
            {t('products.importDialog.downloadReport')}
          </button>
        </details>
      ) : null}

      <div className="dialog-actions">
        {report ? (
          <button type="button" className="button button-primary" onClick={onClose} data-testid="product-import-done" autoFocus>
            {t('products.importDialog.done')}
          </button>
        ) : (
          <>
            <button type="button" className="button" onClick={onClose}>
              {t('products.importDialog.close')}
            </button>
            {dry && source ? (
              <button type="button" className="button" onClick={() => void check(source, mapping)} disabled={busy !== null} data-testid="product-import-check">
                {t('products.importDialog.checkAgain')}
              </button>
            ) : null}
            <button type="button" className="button button-primary" onClick={() => void run()} disabled={!dry || busy !== null} data-testid="product-import-run">
              {busy === 'run' ? t('products.importDialog.running') : t('products.importDialog.run')}
            </button>
          </>
        )}
      </div>
    </Dialog>
  );
}
