import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog } from '../../ui/Dialog.js';
import { showToast } from '../../ui/toasts.js';
import { useProjects } from '../library/public.js';
import { Batches } from './BatchList.js';
import { useErrorToast } from './error-toast.js';
import { Jobs } from './JobList.js';
import { useQueueLive } from './live.js';
import { useQueueAction, useQueueStats, type JobFilter } from './queries.js';
import { Stats, TypeTable } from './QueueStats.js';
import { callErrorText } from '../../app/labels.js';

export function QueuePage() {
  const { t } = useTranslation();
  useQueueLive();
  const stats = useQueueStats();
  const projects = useProjects();
  const action = useQueueAction();
  const onError = useErrorToast();
  const [filter, setFilter] = useState<JobFilter>({ state: null, type: null, projectId: null, batchId: null });
  const [batchFilterName, setBatchName] = useState<string | null>(null);
  const [confirmClear, setConfirmClear] = useState(false);
  const projectNames = new Map((projects.data ?? []).map((p) => [p.id, p.name]));
  const paused = stats.data?.paused ?? false;
  const failed = stats.data?.counts.failed ?? 0;
  const finished = stats.data ? stats.data.counts.completed + stats.data.counts.failed + stats.data.counts.cancelled : 0;

  return (
    <div className="page queue-page" data-testid="page-queue" data-paused={paused ? 'true' : 'false'}>
      <div className="page-head">
        <div>
          <h1>{t('queue.title')}</h1>
          <p className="intro">{t('queue.intro')}</p>
        </div>
        <div className="page-actions">
          {paused ? (
            <span className="state-badge state-paused" data-testid="queue-paused">
              {t('queue.queuePaused')}
            </span>
          ) : null}
          <button
            type="button"
            className={`button ${paused ? 'button-primary' : ''}`}
            onClick={() => action.mutate({ method: paused ? 'queue.resume' : 'queue.pause', input: {} }, { onError })}
            disabled={!stats.data || action.isPending}
            data-testid="queue-toggle-pause"
            title={paused ? t('queue.resumeAllHint') : t('queue.pauseAllHint')}
          >
            {paused ? t('queue.resumeAll') : t('queue.pauseAll')}
          </button>
          <button
            type="button"
            className="button"
            onClick={() =>
              action.mutate(
                { method: 'queue.retryFailedBatch', input: {} },
                {
                  onError,
                  onSuccess: (r) => showToast({ kind: 'info', title: t('queue.retriedToast', { count: (r as { retried: number }).retried }) }),
                },
              )
            }
            disabled={failed === 0 || action.isPending}
            data-testid="queue-retry-failed"
          >
            {t('queue.retryAllFailed')}
          </button>
          <button type="button" className="button" onClick={() => setConfirmClear(true)} disabled={finished === 0} data-testid="queue-clear-finished">
            {t('queue.clearFinished')}
          </button>
        </div>
      </div>

      {stats.isError ? (
        <p className="error" role="alert">
          {callErrorText(t, stats.error)}
        </p>
      ) : stats.data ? (
        <>
          <Stats stats={stats.data} filter={filter} onState={(state) => setFilter({ ...filter, state })} />
          <TypeTable stats={stats.data} />
        </>
      ) : (
        <p className="muted">{t('common.loading')}</p>
      )}

      <Batches
        projectNames={projectNames}
        onShowJobs={(b, name) => {
          setBatchName(name);
          setFilter({ state: null, type: null, projectId: null, batchId: b.id });
          requestAnimationFrame(() => document.getElementById('queue-jobs-title')?.scrollIntoView({ block: 'start', behavior: 'smooth' }));
        }}
      />
      <Jobs filter={filter} setFilter={setFilter} stats={stats.data} projectNames={projectNames} batchName={batchFilterName} />

      {confirmClear ? (
        <ConfirmDialog
          title={t('queue.clearTitle')}
          body={t('queue.clearBody', { count: finished })}
          confirmLabel={t('queue.clearConfirm')}
          cancelLabel={t('common.cancel')}
          busy={action.isPending}
          onCancel={() => setConfirmClear(false)}
          onConfirm={() =>
            action.mutate(
              { method: 'queue.clearFinished', input: {} },
              {
                onError,
                onSettled: () => setConfirmClear(false),
                onSuccess: (r) => showToast({ kind: 'success', title: t('queue.clearedToast', { count: (r as { removed: number }).removed }) }),
              },
            )
          }
        />
      ) : null}
    </div>
  );
}
