import { useQueryClient } from '@tanstack/react-query';
import { useState, type DragEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AugmentRun, Dataset } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { Dialog } from '../../ui/Dialog.js';
import { formatDateTime } from '../../ui/format.js';
import { showToast } from '../../ui/toasts.js';
import { augmentationKey, useAugmentedImages, useAugmentSettings, useRuns } from './queries.js';

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

/**
 * The run's own background folder. Desktop: dropped on the field or chosen in the OS's
 * dialog (a typed path would be refused: the engine only reads folders the user chose).
 * Web: no local folders over HTTP, so the bundled set (and the saved folder) is what runs.
 */
function BackgroundsField({ dir, setDir, bundled, saved }: { dir: string; setDir: (dir: string) => void; bundled: number; saved: string | null }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const [dragOver, setDragOver] = useState(false);
  const pathsForFiles = backend.pathsForFiles?.bind(backend);
  const choosePath = backend.choosePath?.bind(backend);
  if (!pathsForFiles) {
    return (
      <p className="muted" data-testid="augment-backgrounds-web">
        {t('augmentation.backgroundsWeb', { count: bundled })}
        {saved ? ` ${t('augmentation.backgroundsSaved', { dir: saved })}` : ''}
      </p>
    );
  }
  const onDrop = (e: DragEvent<HTMLElement>) => {
    e.preventDefault();
    e.stopPropagation();
    setDragOver(false);
    const dropped = pathsForFiles([...e.dataTransfer.files]).find((p) => p !== '');
    if (dropped) setDir(dropped);
  };
  return (
    <div className="augment-backgrounds">
      <label>
        {t('augmentation.backgroundsDir', { count: bundled })}
        <input
          type="text"
          readOnly
          value={dir}
          placeholder={saved ?? t('augmentation.backgroundsDrop')}
          className={dragOver ? 'drop-target' : undefined}
          onDragOver={(e) => {
            e.preventDefault();
            e.stopPropagation();
            setDragOver(true);
          }}
          onDragLeave={() => setDragOver(false)}
          onDrop={onDrop}
          spellCheck={false}
          data-testid="augment-backgrounds"
        />
      </label>
      <div className="augment-backgrounds-actions">
        {choosePath ? (
          <button type="button" className="button" onClick={() => void choosePath({ kind: 'folder' }).then((p) => p && setDir(p))} data-testid="augment-backgrounds-choose">
            {t('augmentation.backgroundsChoose')}
          </button>
        ) : null}
        {dir ? (
          <button type="button" className="button" onClick={() => setDir('')}>
            {t('augmentation.backgroundsClear')}
          </button>
        ) : null}
      </div>
    </div>
  );
}

function RunDialog({ dataset, onClose }: { dataset: Dataset; onClose: () => void }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const queryClient = useQueryClient();
  const settings = useAugmentSettings();
  const [syn, setSyn] = useState('600');
  const [real, setReal] = useState('400');
  const [seed, setSeed] = useState('42');
  const [dir, setDir] = useState('');
  const [retryFailed, setRetryFailed] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const run = await backend.call('augmentation.start', {
        datasetId: dataset.id,
        params: { syntheticTarget: Number(syn), realTarget: Number(real), seed: Number(seed), retryFailed, ...(dir ? { backgroundsDir: dir } : {}) },
      });
      showToast({ kind: 'info', title: t('augmentation.started', { count: run.progress.total }), tag: 'augmentation' });
      void queryClient.invalidateQueries({ queryKey: augmentationKey });
      onClose();
    } catch (err) {
      showToast({ kind: 'error', title: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={t('augmentation.title')} onClose={onClose} testId="augment-dialog">
      <form onSubmit={(e) => void submit(e)} className="dataset-form">
        <p className="muted">{t('augmentation.intro')}</p>
        <label>
          {t('augmentation.syntheticTarget')}
          <input type="number" min={0} max={100000} required value={syn} onChange={(e) => setSyn(e.target.value)} data-testid="augment-syn" />
        </label>
        <label>
          {t('augmentation.realTarget')}
          <input type="number" min={0} max={100000} required value={real} onChange={(e) => setReal(e.target.value)} data-testid="augment-real" />
        </label>
        <label>
          {t('augmentation.seed')}
          <input type="number" min={0} required value={seed} onChange={(e) => setSeed(e.target.value)} data-testid="augment-seed" />
        </label>
        <BackgroundsField dir={dir} setDir={setDir} bundled={settings.data?.bundled ?? 0} saved={settings.data?.backgroundsDir ?? null} />
        <label className="augment-check">
          <input type="checkbox" checked={retryFailed} onChange={(e) => setRetryFailed(e.currentTarget.checked)} data-testid="augment-retry-failed" />
          <span>
            {t('augmentation.retryFailed')}
            <small className="muted"> {t('augmentation.retryFailedHint')}</small>
          </span>
        </label>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            {t('augmentation.cancel')}
          </button>
          <button type="submit" className="button button-primary" disabled={busy} data-testid="augment-start">
            {t('augmentation.start')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function RunReport({ run }: { run: AugmentRun }) {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const queryClient = useQueryClient();
  const all = run.products.flatMap((p) => p.failures.map((f) => ({ ...f, product: p.barcode ?? p.name })));
  const failures = all.filter((f) => !f.skipped);
  const skipped = all.filter((f) => f.skipped);
  const reportHref = `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(run, null, 2))}`;
  return (
    <li className="augment-run" data-testid="augment-run" data-state={run.state} data-done={run.progress.done} data-total={run.progress.total}>
      <div className="augment-run-head">
        <strong>{t(`augmentation.state.${run.state}`)}</strong>
        <span>{t('augmentation.progress', run.progress)}</span>
        <span className="muted">{formatDateTime(run.createdAt, i18n.language)}</span>
        <span className="muted">
          {run.params.syntheticTarget} / {run.params.realTarget} · {t('augmentation.seed')} {run.params.seed}
          {run.params.retryFailed ? ` · ${t('augmentation.retriedFailed')}` : ''}
        </span>
        {!FINISHED.has(run.state) ? (
          <button
            type="button"
            className="button"
            onClick={() => void backend.call('augmentation.cancel', { id: run.id }).then(() => queryClient.invalidateQueries({ queryKey: augmentationKey }))}
          >
            {t('augmentation.stop')}
          </button>
        ) : null}
        <a className="button" href={reportHref} download="augmentation_report.json">
          {t('augmentation.report')}
        </a>
      </div>
      <p data-testid="augment-totals">
        {t('augmentation.totals', {
          synProduced: run.totals.synthetic.produced,
          synFinal: run.totals.synthetic.final,
          realProduced: run.totals.real.produced,
          realFinal: run.totals.real.final,
        })}
      </p>
      <ul className="augment-splits">
        {Object.entries(run.perSplit).map(([split, s]) => (
          <li key={split}>{t('augmentation.perSplit', { split: t(`augmentation.split.${split}`, { defaultValue: split }), products: s.products, final: s.final })}</li>
        ))}
      </ul>
      {(
        [
          ['failures', failures],
          ['skipped', skipped],
        ] as const
      ).map(([what, list]) =>
        list.length ? (
          <details key={what} data-testid={`augment-${what}`}>
            <summary>{t(`augmentation.${what}`, { count: list.length })}</summary>
            <ul>
              {list.slice(0, 50).map((f, i) => (
                <li key={i}>
                  {f.product} · {f.kind}
                  {f.index !== null ? ` #${f.index}` : ''}: {f.reason}
                </li>
              ))}
            </ul>
            {list.length > 50 ? <p className="muted">{t('augmentation.moreInReport', { count: list.length - 50 })}</p> : null}
          </details>
        ) : null,
      )}
      {run.unreadableBackgrounds.length ? (
        <details data-testid="augment-unreadable-backgrounds">
          <summary>{t('augmentation.unreadableBackgrounds', { count: run.unreadableBackgrounds.length })}</summary>
          <ul>
            {run.unreadableBackgrounds.slice(0, 50).map((b) => (
              <li key={b.id}>
                {b.id}: {b.reason} ({t('augmentation.passedOver', { count: b.outputs })})
              </li>
            ))}
          </ul>
          {run.unreadableBackgrounds.length > 50 ? <p className="muted">{t('augmentation.moreInReport', { count: run.unreadableBackgrounds.length - 50 })}</p> : null}
        </details>
      ) : null}
    </li>
  );
}

/** The dataset page's augmentation section: run it, each run's report, the dataset's augmented images. */
export function AugmentationPanel({ dataset }: { dataset: Dataset }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const runs = useRuns(dataset.id);
  const images = useAugmentedImages(dataset.id);
  const [open, setOpen] = useState(false);
  return (
    <section className="dataset-section" aria-labelledby="augment-title">
      <div className="dataset-section-head">
        <h2 id="augment-title">{t('augmentation.runs')}</h2>
        <button type="button" className="button button-primary" disabled={dataset.productCount === 0} onClick={() => setOpen(true)} data-testid="augment-open">
          {t('augmentation.run')}
        </button>
      </div>
      {open ? <RunDialog dataset={dataset} onClose={() => setOpen(false)} /> : null}
      {runs.data?.length ? (
        <ul className="augment-runs">
          {runs.data.map((r) => (
            <RunReport key={r.id} run={r} />
          ))}
        </ul>
      ) : (
        <p className="muted">{t('augmentation.noRuns')}</p>
      )}
      <h3>{t('augmentation.images')}</h3>
      {images.data?.items.length ? (
        <ul className="augment-images" data-testid="augment-images" data-total={images.data.total}>
          {images.data.items.map((i) => (
            <li key={i.imageId}>
              <img src={backend.mediaUrl(i.imageId, 'thumb')} alt="" loading="lazy" title={t('augmentation.imageTitle', { kind: i.kind, index: i.index, pipeline: i.pipeline, seed: i.seed })} />
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{t('augmentation.noImages')}</p>
      )}
    </section>
  );
}
