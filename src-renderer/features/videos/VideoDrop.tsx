import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { BarcodeCode, type VideoAddResult } from '../../../src-shared/contract/index.js';
import { errorText } from '../../app/labels.js';
import { useBackend, type RendererBackend } from '../../backend/index.js';
import { Dialog } from '../../ui/Dialog.js';
import { showToast } from '../../ui/toasts.js';
import type { TFunction } from 'i18next';
import { addVideoFiles, barcodeAsked, isVideoFile, useAddState } from './add-videos.js';
import { useVideoList } from './queries.js';

/** Says what an add did: added, already there, refused (with each reason). */
export function reportAdded(t: TFunction, result: VideoAddResult): void {
  const added = result.videos.length - result.existing;
  if (added > 0 || result.existing > 0) {
    showToast({
      kind: 'success',
      title: t('videos.addedToast', { count: added }),
      detail: result.existing ? t('videos.alreadyThere', { count: result.existing }) : undefined,
      tag: 'videos-added',
    });
  }
  for (const r of result.refused) showToast({ kind: 'error', title: t('videos.refusedToast', { name: r.name, reason: errorText(t, r.code, r.reason) }), tag: 'videos-refused' });
}

export function addAndReport(backend: RendererBackend, t: TFunction, files: readonly File[]): void {
  addVideoFiles(backend, files).then(
    (r) => reportAdded(t, r),
    (err: unknown) => showToast({ kind: 'error', title: t('toast.error', { message: err instanceof Error ? err.message : String(err) }) }),
  );
}

/**
 * Video files dropped anywhere in the window. Listens before the import feature's
 * window-wide drop target (capture phase) and takes a drop only when every file in it
 * is a video; a folder or a mix goes on to the import as before.
 */
export function VideoDropTarget() {
  const backend = useBackend();
  const { t } = useTranslation();
  useEffect(() => {
    const onDrop = (e: DragEvent) => {
      const files = Array.from(e.dataTransfer?.files ?? []);
      if (files.length === 0 || !files.every(isVideoFile)) return;
      e.preventDefault();
      e.stopPropagation();
      // The import feature's overlay hides on any drop; a drop without files makes it do
      // so without importing anything (it never sees the real one).
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: new DataTransfer() }));
      addAndReport(backend, t, files);
    };
    window.addEventListener('drop', onDrop, { capture: true });
    return () => window.removeEventListener('drop', onDrop, { capture: true });
  }, [backend, t]);
  return <BarcodeDialog />;
}

/** Asks for the barcodes of added videos whose names carry none; what is left blank waits on the Videos page. */
function BarcodeDialog() {
  const backend = useBackend();
  const { t } = useTranslation();
  const { askBarcode } = useAddState();
  const pending = useVideoList(['pending']);
  const [codes, setCodes] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  if (askBarcode.length === 0) return null;
  const videos = (pending.data?.items ?? []).filter((v) => askBarcode.includes(v.id) && !v.productId);
  const close = () => {
    barcodeAsked(askBarcode);
    setCodes({});
    setError(null);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const filled = videos.filter((v) => codes[v.id]?.trim());
    if (filled.some((v) => !BarcodeCode.safeParse(codes[v.id]).success)) return setError(t('videos.invalidBarcode'));
    try {
      for (const v of filled) await backend.call('videos.setBarcode', { id: v.id, barcode: codes[v.id]!.trim() });
      close();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <Dialog title={t('videos.askTitle')} onClose={close} testId="video-barcode-dialog">
      <form onSubmit={(e) => void submit(e)}>
        <p className="muted">{t('videos.askBody')}</p>
        <ul className="video-ask-list">
          {videos.map((v) => (
            <li key={v.id}>
              <label>
                <span>{v.originalName}</span>
                <input
                  inputMode="numeric"
                  autoComplete="off"
                  placeholder={t('videos.barcodePlaceholder')}
                  aria-label={t('videos.barcodeLabel', { name: v.originalName })}
                  value={codes[v.id] ?? ''}
                  onChange={(e) => setCodes({ ...codes, [v.id]: e.currentTarget.value })}
                  data-testid="video-ask-barcode"
                />
              </label>
            </li>
          ))}
        </ul>
        {error ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={close}>
            {t('videos.later')}
          </button>
          <button type="submit" className="button button-primary" data-testid="video-ask-submit">
            {t('videos.linkAll')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
