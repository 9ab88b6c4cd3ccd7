import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { JobState, type Job, type QueueStats } from '../../../src-shared/contract/index.js';
import { errorText, jobTypeLabel, stageLabel, callErrorText } from '../../app/labels.js';
import { StateBadge } from '../../ui/badges.js';
import { formatDuration, formatNumber, formatRelative } from '../../ui/format.js';
import { projectHref } from '../library/public.js';
import { useErrorToast } from './error-toast.js';
import { JobDetails } from './JobDetails.js';
import { useLiveProgress, type LiveProgress } from './live.js';
import { JOBS_PAGE, useJobs, useQueueAction, type JobFilter } from './queries.js';

const unfinishedJob = (j: Job) => j.state === 'pending' || j.state === 'paused' || j.state === 'running';

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

export function Jobs({
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
        <p className="error">{callErrorText(t, jobs.error)}</p>
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
