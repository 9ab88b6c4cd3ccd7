import { useTranslation } from 'react-i18next';
import { icons } from '../../ui/icons.js';
import { useProjects } from '../library/public.js';
import { dismissJob, isFinished, jobErrorText, jobProgress, useImportJobs, type ImportJob, type JobProgress } from './import-store.js';

function stateOf(job: ImportJob, p: JobProgress | null): string {
  if (job.error) return 'failed';
  if (job.phase === 'collecting') return 'collecting';
  if (p) return p.state;
  return job.phase === 'uploading' && job.uploadedFiles < job.totalFiles ? 'uploading' : 'starting';
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
  const p = jobProgress(job);
  const state = stateOf(job, p);
  const uploading = job.phase === 'uploading' && job.uploadedFiles < job.totalFiles;
  const lines: string[] = [];
  let value: number | undefined;
  let max: number | undefined;
  switch (state) {
    case 'collecting':
      lines.push(t('imports.collecting', { count: job.found }));
      break;
    case 'uploading':
      lines.push(t('imports.uploading', { done: job.uploadedFiles, total: job.totalFiles }));
      value = job.uploadedBytes;
      max = Math.max(job.totalBytes, 1);
      break;
    case 'starting':
      lines.push(t('imports.starting'));
      break;
    case 'scanning':
      lines.push(t('imports.scanning'));
      break;
    case 'running':
      // Uploads and the engine overlap: the bar follows the engine, the text both.
      if (uploading) lines.push(t('imports.uploading', { done: job.uploadedFiles, total: job.totalFiles }));
      lines.push(t('imports.running', { processed: p?.processed ?? 0, total: p?.total ?? 0 }));
      value = p?.processed ?? 0;
      max = Math.max(p?.total ?? 0, 1);
      break;
    case 'done':
      lines.push(t('imports.done'));
      value = 1;
      max = 1;
      break;
    case 'interrupted':
      lines.push(t('imports.interrupted'));
      break;
    default:
      lines.push(t('imports.failed', { error: jobErrorText(t, job, p) }));
  }
  return (
    <li
      className={`import-job import-${state}`}
      data-testid="import-job"
      data-state={state}
      data-project-id={job.projectId ?? ''}
      data-uploaded-files={job.uploadedFiles}
      data-total-files={job.totalFiles}
      data-engine-imports={job.imports.length}
    >
      <div className="import-job-head">
        <span className="import-job-name" title={name}>
          {name}
        </span>
        {isFinished(job) ? (
          <button type="button" className="icon-button" aria-label={t('imports.dismiss')} onClick={() => dismissJob(job.key)}>
            {icons.close}
          </button>
        ) : null}
      </div>
      <progress aria-label={t('imports.progressLabel', { name })} value={value} max={max} data-testid="import-progress" />
      <div className="import-job-text" data-testid="import-status">
        {lines.map((line) => (
          <div key={line}>{line}</div>
        ))}
      </div>
      {p && state !== 'scanning' ? (
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
