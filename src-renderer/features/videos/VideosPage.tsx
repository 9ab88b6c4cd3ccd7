import { useRef, useState, type DragEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { BarcodeCode, type Video, type VideoStats, type WatchStatus } from '../../../src-shared/contract/index.js';
import { errorText, stageLabel } from '../../app/labels.js';
import { useBackend } from '../../backend/index.js';
import { ConfirmDialog } from '../../ui/Dialog.js';
import { formatBytes, formatDuration, formatNumber, formatRelative } from '../../ui/format.js';
import { showToast } from '../../ui/toasts.js';
import { useAddState } from './add-videos.js';
import { useFfmpegStatus, useVideoList, useVideosCall, useVideoStats, useWatchStatus } from './queries.js';
import { addAndReport } from './VideoDrop.js';

function useErrorToast() {
  const { t } = useTranslation();
  return (err: unknown) => showToast({ kind: 'error', title: t('toast.error', { message: (err as Error).message }) });
}

function Poster({ video }: { video: Video }) {
  const backend = useBackend();
  return video.posterId ? (
    <img className="video-poster" src={backend.mediaUrl(video.posterId, 'thumb')} alt="" draggable={false} loading="lazy" />
  ) : (
    <span className="video-poster video-poster-none" aria-hidden="true" />
  );
}

function ProductCell({ video }: { video: Video }) {
  const { t } = useTranslation();
  if (!video.barcode) return <span className="muted">{t('videos.noBarcode')}</span>;
  return (
    <span className="video-product">
      <code>{video.barcode}</code>
      {video.productLabel ? <span> {video.productLabel}</span> : null}
    </span>
  );
}

function StatCards({ stats }: { stats: VideoStats }) {
  const { t, i18n } = useTranslation();
  const cards = [
    { key: 'pending', value: stats.pending },
    { key: 'processing', value: stats.processing + stats.queued },
    { key: 'completedToday', value: stats.completedToday },
    { key: 'failed', value: stats.failed },
  ] as const;
  return (
    <section aria-label={t('videos.stats')}>
      <ul className="video-stats">
        {cards.map((c) => (
          <li key={c.key} className={`video-stat video-stat-${c.key}`} data-testid={`video-stat-${c.key}`} data-count={c.value}>
            <span className="video-stat-value">{formatNumber(c.value, i18n.language)}</span>
            <span className="video-stat-label">{t(`videos.stat.${c.key}`)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Processing({ videos }: { videos: Video[] }) {
  const { t } = useTranslation();
  const cancel = useVideosCall('videos.cancel');
  const onError = useErrorToast();
  return (
    <section className="video-section" aria-labelledby="videos-processing-title">
      <h2 id="videos-processing-title">{t('videos.processingTitle')}</h2>
      {videos.length === 0 ? (
        <p className="muted">{t('videos.nothingProcessing')}</p>
      ) : (
        <ul className="video-processing">
          {videos.map((v) => {
            const percent = v.progress?.percent ?? null;
            const stage = v.state === 'queued' ? t('videos.queued') : v.progress?.stage ? stageLabel(t, v.progress.stage) : t('videos.starting');
            return (
              <li key={v.id} data-testid="video-processing" data-video-id={v.id} data-state={v.state} data-stage={v.progress?.stage ?? ''}>
                <Poster video={v} />
                <div className="video-processing-text">
                  <strong>{v.originalName}</strong>
                  <ProductCell video={v} />
                  <span className="video-stage">
                    {stage}
                    {percent !== null && v.state === 'processing' ? ` · ${percent}%` : ''}
                  </span>
                  <progress max={100} value={v.state === 'processing' ? (percent ?? 0) : undefined} aria-label={t('videos.progressOf', { name: v.originalName })} />
                </div>
                <button type="button" className="button button-small" onClick={() => cancel.mutate({ ids: [v.id] }, { onError })} data-testid="video-cancel">
                  {t('videos.cancel')}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function BarcodeInput({ video }: { video: Video }) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const link = useVideosCall('videos.setBarcode');
  const onError = useErrorToast();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!BarcodeCode.safeParse(code).success) return showToast({ kind: 'error', title: t('videos.invalidBarcode') });
    link.mutate({ id: video.id, barcode: code.trim() }, { onError, onSuccess: (v) => showToast({ kind: 'success', title: t('videos.linkedToast', { name: v.originalName, barcode: v.barcode }) }) });
  };
  return (
    <form className="video-barcode-form" onSubmit={submit}>
      <input
        inputMode="numeric"
        autoComplete="off"
        placeholder={t('videos.barcodePlaceholder')}
        aria-label={t('videos.barcodeLabel', { name: video.originalName })}
        value={code}
        onChange={(e) => setCode(e.currentTarget.value)}
        data-testid="video-barcode-input"
      />
      <button type="submit" className="button button-small" disabled={link.isPending || !code.trim()} data-testid="video-barcode-link">
        {t('videos.link')}
      </button>
    </form>
  );
}

function Pending({ videos }: { videos: Video[] }) {
  const { t, i18n } = useTranslation();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const process = useVideosCall('videos.process');
  const onError = useErrorToast();
  const ids = new Set(videos.map((v) => v.id));
  const chosen = [...selected].filter((id) => ids.has(id));
  const all = videos.length > 0 && chosen.length === videos.length;
  const some = chosen.length > 0 && !all;
  const toggle = (id: string) => setSelected((s) => (s.has(id) ? new Set([...s].filter((x) => x !== id)) : new Set([...s, id])));
  const run = () =>
    process.mutate(
      { ids: chosen },
      {
        onError,
        onSuccess: (r) => {
          setSelected(new Set());
          if (r.queued) showToast({ kind: 'info', title: t('videos.queuedToast', { count: r.queued }) });
          for (const x of r.refused) showToast({ kind: 'error', title: t('videos.refusedToast', { name: videos.find((v) => v.id === x.id)?.originalName ?? x.id, reason: errorText(t, x.code, x.reason) }) });
        },
      },
    );
  return (
    <section className="video-section" aria-labelledby="videos-pending-title">
      <div className="video-section-head">
        <h2 id="videos-pending-title">{t('videos.pendingTitle')}</h2>
        <button type="button" className="button button-primary" disabled={chosen.length === 0 || process.isPending} onClick={run} data-testid="videos-process-selected">
          {chosen.length ? t('videos.processSelected', { count: chosen.length }) : t('videos.processNone')}
        </button>
      </div>
      {videos.length === 0 ? (
        <p className="muted">{t('videos.nothingPending')}</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table video-table" data-testid="videos-pending">
            <thead>
              <tr>
                <th scope="col" className="video-check">
                  <input
                    type="checkbox"
                    checked={all}
                    ref={(el) => {
                      if (el) el.indeterminate = some;
                    }}
                    onChange={() => setSelected(all ? new Set() : new Set(videos.map((v) => v.id)))}
                    aria-label={t('videos.selectAll')}
                    data-testid="videos-select-all"
                  />
                </th>
                <th scope="col">{t('videos.name')}</th>
                <th scope="col">{t('videos.product')}</th>
                <th scope="col" className="num">
                  {t('videos.duration')}
                </th>
                <th scope="col" className="num">
                  {t('videos.size')}
                </th>
                <th scope="col">{t('videos.added')}</th>
              </tr>
            </thead>
            <tbody>
              {videos.map((v) => (
                <tr key={v.id} data-testid="video-pending" data-video-id={v.id} data-barcode={v.barcode ?? ''}>
                  <td className="video-check">
                    <input type="checkbox" checked={selected.has(v.id)} onChange={() => toggle(v.id)} aria-label={t('videos.selectVideo', { name: v.originalName })} />
                  </td>
                  <td>
                    <span className="video-name">
                      <Poster video={v} />
                      {v.originalName}
                    </span>
                  </td>
                  <td>{v.productId ? <ProductCell video={v} /> : <BarcodeInput video={v} />}</td>
                  <td className="num">{v.probe ? formatDuration(v.probe.duration * 1000, i18n.language) : '—'}</td>
                  <td className="num">{formatBytes(v.bytes, i18n.language)}</td>
                  <td>{formatRelative(v.createdAt, i18n.language)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Failed({ videos }: { videos: Video[] }) {
  const { t } = useTranslation();
  const process = useVideosCall('videos.process');
  const onError = useErrorToast();
  const retry = (ids: string[]) => process.mutate({ ids }, { onError, onSuccess: (r) => r.queued && showToast({ kind: 'info', title: t('videos.queuedToast', { count: r.queued }) }) });
  const retriable = videos.filter((v) => v.productId);
  return (
    <section className="video-section" aria-labelledby="videos-failed-title">
      <div className="video-section-head">
        <h2 id="videos-failed-title">{t('videos.failedTitle')}</h2>
        {retriable.length > 1 ? (
          <button type="button" className="button" onClick={() => retry(retriable.map((v) => v.id))} disabled={process.isPending}>
            {t('videos.retryAll')}
          </button>
        ) : null}
      </div>
      {videos.length === 0 ? (
        <p className="muted">{t('videos.nothingFailed')}</p>
      ) : (
        <ul className="video-failed">
          {videos.map((v) => (
            <li key={v.id} data-testid="video-failed" data-video-id={v.id} data-error-code={v.errorCode ?? ''}>
              <Poster video={v} />
              <div className="video-failed-text">
                <strong>{v.originalName}</strong>
                <ProductCell video={v} />
                <span className="error" data-testid="video-error">
                  {errorText(t, v.errorCode, v.error)}
                </span>
                {v.error && errorText(t, v.errorCode, null) ? <span className="muted video-error-detail">{v.error}</span> : null}
              </div>
              <button type="button" className="button button-small" disabled={!v.productId || process.isPending} onClick={() => retry([v.id])} data-testid="video-retry">
                {t('videos.retry')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Completed({ videos }: { videos: Video[] }) {
  const { t, i18n } = useTranslation();
  const process = useVideosCall('videos.process');
  const remove = useVideosCall('videos.delete');
  const onError = useErrorToast();
  const [deleting, setDeleting] = useState<Video | null>(null);
  return (
    <section className="video-section" aria-labelledby="videos-completed-title">
      <h2 id="videos-completed-title">{t('videos.completedTitle')}</h2>
      {videos.length === 0 ? (
        <p className="muted">{t('videos.nothingCompleted')}</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table video-table" data-testid="videos-completed">
            <thead>
              <tr>
                <th scope="col">{t('videos.name')}</th>
                <th scope="col">{t('videos.product')}</th>
                <th scope="col">{t('videos.frames')}</th>
                <th scope="col">{t('videos.added')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('videos.processAgain')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {videos.map((v) => (
                <tr key={v.id} data-testid="video-completed" data-video-id={v.id} data-frames={v.framesKept}>
                  <td>
                    <span className="video-name">
                      <Poster video={v} />
                      {v.originalName}
                    </span>
                  </td>
                  <td>
                    <ProductCell video={v} />
                  </td>
                  <td>
                    {t('videos.framesKept', { count: v.framesKept })}
                    {v.framesFlagged ? <span className="video-flagged"> · {t('videos.framesFlagged', { count: v.framesFlagged })}</span> : null}
                  </td>
                  <td>{v.processedAt ? formatRelative(v.processedAt, i18n.language) : '—'}</td>
                  <td className="video-row-actions">
                    <button type="button" className="button button-small" onClick={() => process.mutate({ ids: [v.id] }, { onError })} disabled={process.isPending}>
                      {t('videos.processAgain')}
                    </button>
                    <button type="button" className="button button-small button-danger-outline" onClick={() => setDeleting(v)}>
                      {t('videos.delete')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deleting ? (
        <ConfirmDialog
          title={t('videos.deleteTitle', { name: deleting.originalName })}
          body={t('videos.deleteBody')}
          confirmLabel={t('videos.delete')}
          cancelLabel={t('common.cancel')}
          danger
          busy={remove.isPending}
          onCancel={() => setDeleting(null)}
          onConfirm={() => remove.mutate({ ids: [deleting.id] }, { onError, onSettled: () => setDeleting(null) })}
        />
      ) : null}
    </section>
  );
}

/**
 * The watched folder. A folder is a local path, which the engine takes only from the user's
 * own hand (docs/security.md): on the desktop the folder is dropped onto the field (the
 * preload reports dropped paths as chosen); web mode cannot name local paths at all, so it
 * shows the state and says where to change it.
 */
function WatchFolder({ status }: { status: WatchStatus }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const save = useVideosCall('videos.setWatchSettings');
  const onError = useErrorToast();
  const [folder, setFolder] = useState(status.folder ?? '');
  const [processNew, setProcessNew] = useState(status.process);
  const [dragOver, setDragOver] = useState(false);
  const pathsForFiles = backend.pathsForFiles?.bind(backend);
  // Only a changed folder is sent: turning watching off or on again needs no new path.
  const submit = (enabled: boolean) => (e?: FormEvent) => {
    e?.preventDefault();
    const changed = folder !== (status.folder ?? '');
    save.mutate({ enabled, process: processNew, ...(changed ? { folder: folder || null } : {}) }, { onError });
  };
  const onDrop = (e: DragEvent<HTMLElement>) => {
    e.preventDefault();
    e.stopPropagation();
    setDragOver(false);
    const dropped = pathsForFiles?.([...e.dataTransfer.files]).find((p) => p !== '');
    if (dropped) setFolder(dropped);
  };
  const badge = <span className={`state-badge ${status.active ? 'state-running' : 'state-default'}`}>{status.active ? t('videos.watchActive') : t('videos.watchInactive')}</span>;
  const problem = status.problem ? (
    <p className="error" role="alert">
      {t('videos.watchProblem', { problem: status.problem })}
    </p>
  ) : null;
  return (
    <section className="video-section settings-section" aria-labelledby="videos-watch-title" data-testid="video-watch" data-active={status.active ? 'true' : 'false'}>
      <h2 id="videos-watch-title">{t('videos.watchTitle')}</h2>
      <p className="muted">{t('videos.watchIntro')}</p>
      {!pathsForFiles ? (
        <div className="video-watch-form" data-testid="video-watch-web">
          <p>
            {badge} {status.folder ? <code>{status.folder}</code> : null}
          </p>
          <p className="muted">{t('videos.watchWebOnly')}</p>
          {problem}
        </div>
      ) : (
        <form className="video-watch-form" onSubmit={submit(status.enabled)}>
          <label className="field">
            <span>{t('videos.watchFolder')}</span>
            <input
              value={folder}
              readOnly
              placeholder={t('videos.watchDropHere')}
              className={dragOver ? 'drop-target' : undefined}
              onDragOver={(e) => {
                e.preventDefault();
                e.stopPropagation();
                setDragOver(true);
              }}
              onDragLeave={() => setDragOver(false)}
              onDrop={onDrop}
              spellCheck={false}
              autoComplete="off"
              data-testid="video-watch-folder"
            />
          </label>
          <label className="video-watch-check">
            <input type="checkbox" checked={processNew} onChange={(e) => setProcessNew(e.currentTarget.checked)} />
            {t('videos.watchProcess')}
          </label>
          <div className="video-watch-actions">
            {badge}
            {status.enabled ? (
              <button type="button" className="button" onClick={() => submit(false)()} disabled={save.isPending}>
                {t('videos.watchOff')}
              </button>
            ) : null}
            <button type="button" className="button button-primary" onClick={() => submit(true)()} disabled={save.isPending || !folder} data-testid="video-watch-on">
              {status.enabled ? t('videos.watchSave') : t('videos.watchOn')}
            </button>
          </div>
          {problem}
        </form>
      )}
    </section>
  );
}

/** The Videos page: counts, what is processing, the pending list to process, failures to retry, the watched folder. */
export function VideosPage() {
  const { t } = useTranslation();
  const backend = useBackend();
  const stats = useVideoStats();
  const busy = useVideoList(['queued', 'processing']);
  const pending = useVideoList(['pending']);
  const failed = useVideoList(['failed']);
  const completed = useVideoList(['completed'], 50);
  const ffmpeg = useFfmpegStatus();
  const watch = useWatchStatus();
  const { uploading } = useAddState();
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="page videos-page" data-testid="page-videos">
      <div className="page-head">
        <div>
          <h1>{t('videos.title')}</h1>
          <p className="intro">{t('videos.intro')}</p>
        </div>
        <div className="page-actions">
          <button type="button" className="button button-primary" onClick={() => input.current?.click()} data-testid="videos-add">
            {t('videos.add')}
          </button>
          <input
            ref={input}
            type="file"
            accept="video/*,.mkv,.mts,.m2ts"
            multiple
            hidden
            data-testid="videos-file-input"
            onChange={(e) => {
              const files = Array.from(e.currentTarget.files ?? []);
              e.currentTarget.value = '';
              if (files.length) addAndReport(backend, t, files);
            }}
          />
        </div>
      </div>
      {ffmpeg.data && !ffmpeg.data.available ? (
        <p className="error video-ffmpeg" role="alert" data-testid="videos-ffmpeg-missing">
          {t('videos.ffmpegMissing', { reason: ffmpeg.data.error })}
        </p>
      ) : null}
      {stats.data ? <StatCards stats={stats.data} /> : <p className="muted">{t('common.loading')}</p>}
      {uploading.length ? (
        <ul className="video-uploads">
          {uploading.map((u) => (
            <li key={u.key} data-testid="video-uploading">
              <span>{t('videos.uploading', { name: u.name })}</span>
              <progress max={u.total || 1} value={u.loaded} aria-label={t('videos.uploading', { name: u.name })} />
            </li>
          ))}
        </ul>
      ) : null}
      <Processing videos={busy.data?.items ?? []} />
      <Pending videos={pending.data?.items ?? []} />
      <Failed videos={failed.data?.items ?? []} />
      <Completed videos={completed.data?.items ?? []} />
      {watch.data ? <WatchFolder key={`${watch.data.folder ?? ''}:${watch.data.process}`} status={watch.data} /> : null}
    </div>
  );
}
