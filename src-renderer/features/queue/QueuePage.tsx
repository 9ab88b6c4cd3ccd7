import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { JobState, type Batch, type Job, type QueueStats } from '../../../src-shared/contract/index.js';
import { useBatchDetails } from '../../app/batch-details.js';
import { batchName, batchTitle, batchTypeLabel, errorText, jobTypeLabel, stageLabel } from '../../app/labels.js';
import { useRegistry } from '../../app/registry.js';
import { CountsBar, StateBadge } from '../../ui/badges.js';
import { ConfirmDialog } from '../../ui/Dialog.js';
import { formatDuration, formatNumber, formatRelative } from '../../ui/format.js';
import { showToast } from '../../ui/toasts.js';
import { projectHref, useProjects } from '../library/public.js';
import { JobDetails } from './JobDetails.js';
import { useLiveProgress, useQueueLive, type LiveProgress } from './live.js';
import { JOBS_PAGE, useBatches, useJobs, useQueueAction, useQueueStats, type JobFilter } from './queries.js';

const BATCH_STEP = 10;
const finishedBatch = (b: Batch) => b.state === 'completed' || b.state === 'failed' || b.state === 'cancelled';
const unfinishedJob = (j: Job) => j.state === 'pending' || j.state === 'paused' || j.state === 'running';

function useErrorToast() {
  const { t } = useTranslation();
  return (err: unknown) => showToast({ kind: 'error', title: t('toast.error', { message: (err as Error).message }) });
}

function Stats({ stats, filter, onState }: { stats: QueueStats; filter: JobFilter; onState: (s: JobState | null) => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  return (
    <section className="queue-stats" aria-label={t('queue.countsTitle')}>
      <ul className="stat-cards">
        {JobState.options.map((state) => (
          <li key={state}>
            <button
              type="button"
              className={`stat-card stat-${state}`}
              aria-pressed={filter.state === state}
              onClick={() => onState(filter.state === state ? null : state)}
              data-testid={`queue-count-${state}`}
              data-count={stats.counts[state]}
              title={t('queue.filterBy', { state: t(`states.${state}`) })}
            >
              <span className="stat-value">{formatNumber(stats.counts[state], lang)}</span>
              <span className="stat-label">{t(`states.${state}`)}</span>
            </button>
          </li>
        ))}
      </ul>
      <dl className="queue-figures">
        <div>
          <dt>{t('queue.throughput')}</dt>
          <dd data-testid="queue-throughput">
            {t('queue.perMinute', { value: formatNumber(stats.throughput.lastMinute, lang, 1) })}
            <span className="muted"> · {t('queue.last15', { value: formatNumber(stats.throughput.last15Minutes, lang, 1) })}</span>
          </dd>
        </div>
        <div>
          <dt>{t('queue.batchesFigure')}</dt>
          <dd>{t('queue.batchCounts', { active: stats.batches.active, finished: stats.batches.finished })}</dd>
        </div>
        <div>
          <dt>{t('queue.slots')}</dt>
          <dd data-testid="queue-resources">
            {stats.resources.map((r) => (
              <span key={r.resource} className="slot" title={t(`resources.${r.resource}`)}>
                {r.resource.toUpperCase()} {r.running}/{r.limit}
              </span>
            ))}
          </dd>
        </div>
      </dl>
    </section>
  );
}

function TypeTable({ stats }: { stats: QueueStats }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  if (stats.types.length === 0) return null;
  return (
    <section className="queue-section" aria-labelledby="queue-types-title">
      <h2 id="queue-types-title">{t('queue.byType')}</h2>
      <div className="table-scroll">
        <table className="data-table" data-testid="queue-types">
          <thead>
            <tr>
              <th scope="col">{t('queue.type')}</th>
              <th scope="col" className="num">{t('states.pending')}</th>
              <th scope="col" className="num">{t('states.running')}</th>
              <th scope="col" className="num">{t('states.completed')}</th>
              <th scope="col" className="num">{t('states.failed')}</th>
              <th scope="col" className="num">{t('queue.completedLastHour')}</th>
              <th scope="col" className="num">{t('queue.meanDuration')}</th>
            </tr>
          </thead>
          <tbody>
            {stats.types.map((row) => (
              <tr key={row.type} data-testid="queue-type-row" data-type={row.type}>
                <th scope="row">
                  {jobTypeLabel(t, row.type)} <code className="muted">{row.type}</code>
                </th>
                <td className="num">{formatNumber(row.counts.pending + row.counts.paused, lang)}</td>
                <td className="num">{formatNumber(row.counts.running, lang)}</td>
                <td className="num">{formatNumber(row.counts.completed, lang)}</td>
                <td className="num">{formatNumber(row.counts.failed, lang)}</td>
                <td className="num">{formatNumber(row.completedLastHour, lang)}</td>
                <td className="num" data-testid="queue-type-mean">
                  {row.meanDurationMs === null ? '—' : formatDuration(row.meanDurationMs, lang)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function BatchRow({ batch, detail, projectName, onShowJobs }: { batch: Batch; detail: unknown; projectName: string | undefined; onShowJobs: (b: Batch, name: string) => void }) {
  const { t, i18n } = useTranslation();
  const presenter = useRegistry().presenter(batch.type);
  const RowDetails = presenter?.RowDetails;
  const action = useQueueAction();
  const onError = useErrorToast();
  const finished = finishedBatch(batch);
  const title = batchTitle(t, batch, presenter, detail, projectName);
  const name = batchName(t, batch, presenter, detail);
  const run = (method: 'queue.pause' | 'queue.resume' | 'queue.cancelBatch' | 'queue.retryFailedBatch') =>
    action.mutate(
      method === 'queue.cancelBatch' ? { method, input: { id: batch.id } } : { method, input: { batchId: batch.id } },
      { onError },
    );
  return (
    <li className="batch-row" data-testid="batch-row" data-batch-id={batch.id} data-type={batch.type} data-state={batch.state}>
      <div className="batch-head">
        <div className="batch-title">
          <strong title={title}>{name}</strong>
          <span className="muted">
            {batchTypeLabel(t, batch.type)}
            {batch.projectId && projectName ? (
              <>
                {' · '}
                <a href={projectHref(batch.projectId)}>{projectName}</a>
              </>
            ) : null}
            {' · '}
            {formatRelative(batch.createdAt, i18n.language)}
          </span>
        </div>
        <StateBadge state={batch.state} testId="batch-state" />
      </div>
      <CountsBar total={batch.total} completed={batch.completed} failed={batch.failed} cancelled={batch.cancelled} label={t('queue.batchProgress', { name: title })} />
      <div className="batch-foot">
        <span className="batch-counts" data-testid="batch-counts">
          {t('queue.batchDone', { done: batch.completed, total: batch.total })}
          {batch.failed ? <span className="error"> · {t('queue.nFailed', { count: batch.failed })}</span> : null}
          {batch.cancelled ? <span className="muted"> · {t('queue.nCancelled', { count: batch.cancelled })}</span> : null}
        </span>
        <span className="batch-actions">
          <button type="button" className="button button-small" onClick={() => onShowJobs(batch, name)} data-testid="batch-show-jobs">
            {t('queue.showJobs')}
          </button>
          {!finished ? (
            batch.paused ? (
              <button type="button" className="button button-small" onClick={() => run('queue.resume')} disabled={action.isPending} data-testid="batch-resume">
                {t('queue.resume')}
              </button>
            ) : (
              <button type="button" className="button button-small" onClick={() => run('queue.pause')} disabled={action.isPending} data-testid="batch-pause">
                {t('queue.pause')}
              </button>
            )
          ) : null}
          {batch.failed > 0 ? (
            <button type="button" className="button button-small" onClick={() => run('queue.retryFailedBatch')} disabled={action.isPending} data-testid="batch-retry-failed">
              {t('queue.retryFailed')}
            </button>
          ) : null}
          {!finished ? (
            <button type="button" className="button button-small button-danger-outline" onClick={() => run('queue.cancelBatch')} disabled={action.isPending} data-testid="batch-cancel">
              {t('common.cancel')}
            </button>
          ) : null}
        </span>
      </div>
      {RowDetails ? <RowDetails batch={batch} detail={detail} /> : null}
    </li>
  );
}

function Batches({ onShowJobs, projectNames }: { onShowJobs: (b: Batch, name: string) => void; projectNames: Map<string, string> }) {
  const { t } = useTranslation();
  const [limit, setLimit] = useState(BATCH_STEP);
  const batches = useBatches(limit);
  const details = useBatchDetails(batches.data?.items ?? []);
  return (
    <section className="queue-section" aria-labelledby="queue-batches-title">
      <h2 id="queue-batches-title">
        {t('queue.batches')} {batches.data ? <span className="muted count">({batches.data.total})</span> : null}
      </h2>
      {batches.isError ? (
        <p className="error">{(batches.error as Error).message}</p>
      ) : !batches.data ? (
        <p className="muted">{t('common.loading')}</p>
      ) : batches.data.items.length === 0 ? (
        <p className="empty" data-testid="batches-empty">
          {t('queue.noBatches')}
        </p>
      ) : (
        <>
          <ul className="batch-list" data-testid="batch-list">
            {batches.data.items.map((b) => (
              <BatchRow key={b.id} batch={b} detail={details.get(b.id)} projectName={b.projectId ? projectNames.get(b.projectId) : undefined} onShowJobs={onShowJobs} />
            ))}
          </ul>
          {batches.data.total > batches.data.items.length ? (
            <button type="button" className="link-button more" onClick={() => setLimit((l) => Math.min(l + BATCH_STEP * 2, 1000))} data-testid="batches-more">
              {t('queue.showMoreBatches', { count: batches.data.total - batches.data.items.length })}
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}

function JobProgressCell({ job, live }: { job: Job; live: LiveProgress | undefined }) {
  const { t } = useTranslation();
  const stage = job.state === 'running' ? (live?.stage ?? job.stage) : job.stage;
  const percent = job.state === 'running' ? (live?.percent ?? job.percent) : null;
  if (job.state === 'failed' && job.error) {
    return (
      <span className="job-error" title={job.error} data-error-code={job.errorCode ?? undefined}>
        {errorText(t, job.errorCode, job.error)}
      </span>
    );
  }
  // A finished job's stage says what its state badge already says.
  if (!stage || !unfinishedJob(job)) return <span className="muted">—</span>;
  const label = stageLabel(t, stage);
  return (
    <span className="job-stage" data-testid="job-stage">
      <span>{label}</span>
      {percent !== null ? <progress max={100} value={percent} aria-label={t('queue.stageProgress', { stage: label })} /> : null}
    </span>
  );
}

function JobRow({ job, live, projectName, onDetails }: { job: Job; live: LiveProgress | undefined; projectName: string | undefined; onDetails: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const action = useQueueAction();
  const onError = useErrorToast();
  const lang = i18n.language;
  const duration = job.startedAt && job.finishedAt ? formatDuration(job.finishedAt - job.startedAt, lang) : null;
  return (
    <tr data-testid="job-row" data-job-id={job.id} data-state={job.state} data-type={job.type}>
      <td>
        <StateBadge state={job.state} testId="job-state" />
      </td>
      <td className="job-what">
        <button type="button" className="link-button" onClick={() => onDetails(job.id)} data-testid="job-details">
          {jobTypeLabel(t, job.type)}
        </button>
        {job.label ? (
          <span className="muted job-label" title={job.label}>
            {job.label}
          </span>
        ) : null}
      </td>
      <td className="job-project">
        {job.projectId ? <a href={projectHref(job.projectId)}>{projectName ?? t('queue.unknownProject')}</a> : <span className="muted">—</span>}
      </td>
      <td className="job-progress">
        <JobProgressCell job={job} live={live} />
      </td>
      <td className="num">{t('queue.attemptsOf', { attempts: job.attempts, max: job.maxAttempts })}</td>
      <td className="job-time">
        <span title={new Date(job.createdAt).toLocaleString(lang)}>{formatRelative(job.createdAt, lang)}</span>
        {duration ? <span className="muted"> · {duration}</span> : null}
      </td>
      <td className="job-actions">
        {unfinishedJob(job) ? (
          <button
            type="button"
            className="button button-small button-danger-outline"
            onClick={() => action.mutate({ method: 'queue.cancel', input: { id: job.id } }, { onError })}
            disabled={action.isPending || job.cancelRequested}
            data-testid="job-cancel"
          >
            {t('common.cancel')}
          </button>
        ) : job.state === 'failed' || job.state === 'cancelled' ? (
          <button
            type="button"
            className="button button-small"
            onClick={() => action.mutate({ method: 'queue.retry', input: { id: job.id } }, { onError })}
            disabled={action.isPending}
            data-testid="job-retry"
          >
            {t('queue.retry')}
          </button>
        ) : null}
      </td>
    </tr>
  );
}

function Jobs({
  filter,
  setFilter,
  stats,
  projectNames,
  batchName,
}: {
  filter: JobFilter;
  setFilter: (f: JobFilter) => void;
  stats: QueueStats | undefined;
  projectNames: Map<string, string>;
  batchName: string | null;
}) {
  const { t, i18n } = useTranslation();
  const [page, setPage] = useState(0);
  const [details, setDetails] = useState<string | null>(null);
  const jobs = useJobs(filter, page);
  const live = useLiveProgress();
  const lang = i18n.language;
  const update = (patch: Partial<JobFilter>) => {
    setPage(0);
    setFilter({ ...filter, ...patch });
  };
  const total = jobs.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / JOBS_PAGE));
  // A page past the end (jobs cleared, filter narrowed by events): show the last one.
  if (jobs.data && page > 0 && page >= pages) setPage(pages - 1);
  const types = stats?.types.map((x) => x.type) ?? [];
  if (filter.type && !types.includes(filter.type)) types.push(filter.type);

  return (
    <section className="queue-section" aria-labelledby="queue-jobs-title">
      <h2 id="queue-jobs-title">{t('queue.jobs')}</h2>
      <div className="filters" role="group" aria-label={t('queue.filters')}>
        <label>
          <span>{t('queue.state')}</span>
          <select value={filter.state ?? ''} onChange={(e) => update({ state: (e.currentTarget.value || null) as JobState | null })} data-testid="filter-state">
            <option value="">{t('queue.all')}</option>
            {JobState.options.map((s) => (
              <option key={s} value={s}>
                {t(`states.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('queue.type')}</span>
          <select value={filter.type ?? ''} onChange={(e) => update({ type: e.currentTarget.value || null })} data-testid="filter-type">
            <option value="">{t('queue.all')}</option>
            {types.map((type) => (
              <option key={type} value={type}>
                {jobTypeLabel(t, type)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('queue.project')}</span>
          <select value={filter.projectId ?? ''} onChange={(e) => update({ projectId: e.currentTarget.value || null })} data-testid="filter-project">
            <option value="">{t('queue.all')}</option>
            {[...projectNames].map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        {filter.batchId ? (
          <span className="chip" data-testid="filter-batch">
            {t('queue.inBatch', { name: batchName ?? filter.batchId.slice(0, 8) })}
            <button type="button" className="chip-clear" aria-label={t('queue.clearBatchFilter')} onClick={() => update({ batchId: null })}>
              ×
            </button>
          </span>
        ) : null}
      </div>

      {jobs.isError ? (
        <p className="error">{(jobs.error as Error).message}</p>
      ) : !jobs.data ? (
        <p className="muted">{t('common.loading')}</p>
      ) : jobs.data.items.length === 0 ? (
        <p className="empty" data-testid="jobs-empty">
          {t('queue.noJobs')}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="data-table jobs-table" data-testid="job-list" data-total={total}>
            <thead>
              <tr>
                <th scope="col">{t('queue.state')}</th>
                <th scope="col">{t('queue.job')}</th>
                <th scope="col">{t('queue.project')}</th>
                <th scope="col">{t('queue.progress')}</th>
                <th scope="col" className="num">{t('queue.attempts')}</th>
                <th scope="col">{t('queue.time')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('queue.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.items.map((job) => (
                <JobRow
                  key={job.id}
                  job={job}
                  live={live.get(job.id)}
                  projectName={job.projectId ? projectNames.get(job.projectId) : undefined}
                  onDetails={setDetails}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {total > JOBS_PAGE ? (
        <nav className="pager" aria-label={t('queue.pages')}>
          <button type="button" className="button button-small" onClick={() => setPage((p) => Math.max(0, p - 1))} disabled={page === 0} data-testid="jobs-prev">
            {t('queue.previous')}
          </button>
          <span data-testid="jobs-range">
            {t('queue.range', {
              from: formatNumber(page * JOBS_PAGE + 1, lang),
              to: formatNumber(Math.min(total, (page + 1) * JOBS_PAGE), lang),
              total: formatNumber(total, lang),
            })}
          </span>
          <button type="button" className="button button-small" onClick={() => setPage((p) => p + 1)} disabled={page >= pages - 1} data-testid="jobs-next">
            {t('queue.next')}
          </button>
        </nav>
      ) : null}
      {details ? <JobDetails id={details} projectNames={projectNames} onClose={() => setDetails(null)} /> : null}
    </section>
  );
}

/** The durable queue, what Bull Board is to BullMQ: counts, throughput, batches and jobs with their controls. */
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
          {(stats.error as Error).message}
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
