import { useTranslation } from 'react-i18next';
import { useProjects } from '../library/queries.js';
import { dismissJob, isFinished, useImportJobs, type ImportJob } from './import-store.js';

function stateOf(job: ImportJob): string {
  if (job.error) return 'failed';
  if (job.phase !== 'engine') return job.phase;
  return job.progress?.state ?? 'scanning';
}

/** The project's current name when the library knows it; what was dropped until then. */
export function useJobName(job: ImportJob): string {
  const { t } = useTranslation();
  const projects = useProjects().data;
  const name = job.projectId ? projects?.find((p) => p.id === job.projectId)?.name : undefined;
  return name ?? (job.label || t('imports.newProject'));
}

function JobRow({ job }: { job: ImportJob }) {
  const { t } = useTranslation();
  const name = useJobName(job);
  const state = stateOf(job);
  const p = job.progress;
  let text: string;
  let value: number | undefined;
  let max: number | undefined;
  switch (state) {
    case 'collecting':
      text = t('imports.collecting', { count: job.found });
      break;
    case 'uploading':
      text = t('imports.uploading', { done: job.uploadedFiles, total: job.totalFiles });
      value = job.uploadedBytes;
      max = Math.max(job.totalBytes, 1);
      break;
    case 'starting':
      text = t('imports.starting');
      break;
    case 'scanning':
      text = t('imports.scanning');
      break;
    case 'running':
      text = t('imports.running', { processed: p?.processed ?? 0, total: p?.total ?? 0 });
      value = p?.processed ?? 0;
      max = Math.max(p?.total ?? 0, 1);
      break;
    case 'done':
      text = t('imports.done');
      value = 1;
      max = 1;
      break;
    case 'interrupted':
      text = t('imports.interrupted');
      break;
    default:
      text = t('imports.failed', { error: job.error ?? p?.error ?? '' });
  }
  return (
    <li className={`import-job import-${state}`} data-testid="import-job" data-state={state} data-import-id={job.importId ?? ''} data-project-id={job.projectId ?? ''}>
      <div className="import-job-head">
        <span className="import-job-name" title={name}>
          {name}
        </span>
        {isFinished(job) ? (
          <button type="button" className="icon-button" aria-label={t('imports.dismiss')} onClick={() => dismissJob(job.key)}>
            ×
          </button>
        ) : null}
      </div>
      <progress aria-label={t('imports.progressLabel', { name })} value={value} max={max} data-testid="import-progress" />
      <div className="import-job-text" data-testid="import-status">
        {text}
      </div>
      {p && (state === 'running' || state === 'done' || state === 'interrupted' || state === 'failed') ? (
        <div className="import-job-stats" data-testid="import-stats">
          {t('imports.stats', { imported: p.imported, duplicates: p.duplicates, skipped: p.skipped })}
        </div>
      ) : null}
      {job.uploadFailures.length ? (
        <details className="import-job-failures">
          <summary>{t('imports.uploadFailures', { count: job.uploadFailures.length })}</summary>
          <ul>
            {job.uploadFailures.slice(0, 50).map((f) => (
              <li key={f.name}>
                <code>{f.name}</code>: {f.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </li>
  );
}

/** Live progress of every import, docked in a corner on every page. */
export function ImportPanel() {
  const { t } = useTranslation();
  const jobs = useImportJobs();
  if (jobs.length === 0) return null;
  return (
    <section className="import-panel" data-testid="import-panel" aria-label={t('imports.title')}>
      <h2 className="import-panel-title">{t('imports.title')}</h2>
      <ol>
        {[...jobs].reverse().map((job) => (
          <JobRow key={job.key} job={job} />
        ))}
      </ol>
    </section>
  );
}
