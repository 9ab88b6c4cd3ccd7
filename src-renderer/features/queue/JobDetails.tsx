import { useTranslation } from 'react-i18next';
import { Dialog } from '../../ui/Dialog.js';
import { formatDateTime, formatDuration } from '../../ui/format.js';
import { showToast } from '../../ui/toasts.js';
import { errorText, hasErrorWords, jobTypeLabel, stageLabel, callErrorText } from '../../app/labels.js';
import { useLiveProgress } from './live.js';
import { useJob, useQueueAction } from './queries.js';
import { StateBadge } from '../../ui/badges.js';

function Json({ value, testId }: { value: unknown; testId: string }) {
  const text = value === undefined || value === null ? '—' : JSON.stringify(value, null, 2);
  return (
    <pre className="json" data-testid={testId} tabIndex={0}>
      {text}
    </pre>
  );
}

/** One job in full: payload, result, error, attempts and the stage it is in (live while it runs). */
export function JobDetails({ id, projectNames, onClose }: { id: string; projectNames: Map<string, string>; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const job = useJob(id);
  const live = useLiveProgress().get(id);
  const action = useQueueAction();
  const onError = (err: unknown) => showToast({ kind: 'error', title: t('toast.error', { message: callErrorText(t, err) }) });
  const j = job.data;
  const running = j?.state === 'running';
  const stage = running ? (live?.stage ?? j?.stage) : j?.stage;
  const percent = running ? (live?.percent ?? j?.percent ?? null) : null;
  const unfinished = j && (j.state === 'pending' || j.state === 'paused' || j.state === 'running');

  return (
    <Dialog title={t('queue.detailsTitle')} onClose={onClose} className="job-dialog" testId="job-dialog">
      {job.isError ? (
        <p className="error">{callErrorText(t, job.error)}</p>
      ) : !j ? (
        <p className="muted">{t('common.loading')}</p>
      ) : (
        <>
          <div className="job-dialog-head">
            <strong>{jobTypeLabel(t, j.type)}</strong>
            <StateBadge state={j.state} testId="job-dialog-state" />
          </div>
          {stage ? (
            <div className="job-dialog-stage" data-testid="job-dialog-stage">
              <span>{stageLabel(t, stage)}</span>
              {percent !== null ? <progress max={100} value={percent} aria-label={t('queue.stageProgress', { stage: stageLabel(t, stage) })} /> : null}
              {percent !== null ? <span className="muted">{Math.round(percent)}%</span> : null}
            </div>
          ) : null}
          <dl className="details">
            <dt>{t('queue.id')}</dt>
            <dd>
              <code>{j.id}</code>
            </dd>
            <dt>{t('queue.type')}</dt>
            <dd>
              <code>{j.type}</code>
            </dd>
            {j.label ? (
              <>
                <dt>{t('queue.label')}</dt>
                <dd>{j.label}</dd>
              </>
            ) : null}
            {j.projectId ? (
              <>
                <dt>{t('queue.project')}</dt>
                <dd>{projectNames.get(j.projectId) ?? j.projectId}</dd>
              </>
            ) : null}
            <dt>{t('queue.priority')}</dt>
            <dd>
              {t(`priorities.${j.priority}`)} · {t(`resources.${j.resource}`)}
              {j.model ? ` · ${j.model}` : ''}
            </dd>
            <dt>{t('queue.attempts')}</dt>
            <dd data-testid="job-dialog-attempts">
              {t('queue.attemptsOf', { attempts: j.attempts, max: j.maxAttempts })}
              {j.crashes ? ` · ${t('queue.crashes', { count: j.crashes })}` : ''}
            </dd>
            <dt>{t('queue.created')}</dt>
            <dd>{formatDateTime(j.createdAt, lang)}</dd>
            {j.startedAt ? (
              <>
                <dt>{t('queue.started')}</dt>
                <dd>{formatDateTime(j.startedAt, lang)}</dd>
              </>
            ) : null}
            {j.finishedAt ? (
              <>
                <dt>{t('queue.finished')}</dt>
                <dd>
                  {formatDateTime(j.finishedAt, lang)}
                  {j.startedAt ? ` · ${formatDuration(j.finishedAt - j.startedAt, lang)}` : ''}
                </dd>
              </>
            ) : j.state === 'pending' && j.runAt > Date.now() ? (
              <>
                <dt>{t('queue.runsAt')}</dt>
                <dd>{formatDateTime(j.runAt, lang)}</dd>
              </>
            ) : null}
            {j.error ? (
              <>
                <dt>{t('queue.error')}</dt>
                <dd className="error" data-testid="job-dialog-error" data-error-code={j.errorCode ?? undefined}>
                  {errorText(t, j.errorCode, j.error)}
                  {j.errorKind ? <span className="muted"> ({t(`errorKinds.${j.errorKind}`)})</span> : null}
                  {/* The engine's own words, with the specifics (which file, which model), under the UI language's. */}
                  {hasErrorWords(t, j.errorCode) ? <span className="muted job-dialog-engine-error">{j.error}</span> : null}
                </dd>
              </>
            ) : null}
          </dl>
          <h3 className="json-title">{t('queue.payload')}</h3>
          <Json value={j.payload} testId="job-dialog-payload" />
          {j.result !== null && j.result !== undefined ? (
            <>
              <h3 className="json-title">{t('queue.result')}</h3>
              <Json value={j.result} testId="job-dialog-result" />
            </>
          ) : null}
        </>
      )}
      <div className="dialog-actions">
        {j && unfinished ? (
          <button
            type="button"
            className="button button-danger-outline"
            onClick={() => action.mutate({ method: 'queue.cancel', input: { id } }, { onError })}
            disabled={action.isPending || j.cancelRequested}
            data-testid="job-dialog-cancel"
          >
            {t('queue.cancelJob')}
          </button>
        ) : null}
        {j && (j.state === 'failed' || j.state === 'cancelled') ? (
          <button
            type="button"
            className="button"
            onClick={() => action.mutate({ method: 'queue.retry', input: { id } }, { onError })}
            disabled={action.isPending}
            data-testid="job-dialog-retry"
          >
            {t('queue.retry')}
          </button>
        ) : null}
        <button type="button" className="button" onClick={onClose} autoFocus data-testid="job-dialog-close">
          {t('common.close')}
        </button>
      </div>
    </Dialog>
  );
}
