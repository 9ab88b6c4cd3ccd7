import { useTranslation } from 'react-i18next';
import type { Project } from '../../../src-shared/contract/index.js';
import { summarizeBatch } from '../../app/batch-summary.js';
import { BatchSummaryText, SummaryCountsBar } from '../../app/BatchSummaryText.js';
import { errorText } from '../../app/labels.js';
import { StateBadge } from '../../ui/badges.js';
import { icons } from '../../ui/icons.js';
import { ModelRepair } from '../models/public.js';
import { etaMeter, formatEta, queueHref, useQueueStats } from '../queue/public.js';
import { isModelProblem } from './presets.js';
import { runTitle } from './presenter.js';
import { runAsBatch } from './run-batch.js';
import { useCancelRun, useRestoreRuns, useStartRun } from './queries.js';
import { isActive, runsOf, runStore, useRunState, workingOn, type RunView } from './run-store.js';

function RunRow({ view, projectName, queuePaused, working }: { view: RunView; projectName: string; queuePaused: boolean; working: number }) {
  const { t, i18n } = useTranslation();
  const cancel = useCancelRun();
  const start = useStartRun();
  const { run } = view;
  const active = isActive(run);
  // The Queue page's summary of the same batch: a result that needs review is finished but not done.
  const batch = runAsBatch(run);
  const summary = summarizeBatch(batch, run.needsReview);
  const eta = active && !queuePaused ? etaMeter.secondsLeft(batch) : null;
  // The engine's code when it sends one; its English text otherwise.
  const modelProblem = run.errorCode ? run.errorCode === 'model_unavailable' : isModelProblem(run.error);
  const rerun = () =>
    start.mutate({
      projectId: run.projectId,
      assetIds: view.scope instanceof Set ? [...view.scope] : null,
      options: run.options,
      modelId: run.modelId,
    });
  return (
    <li className={`run-row run-${run.state}`} data-testid="segment-run" data-run-id={run.runId} data-state={run.state}>
      <div className="run-head">
        <strong>{runTitle(t, run)}</strong>
        <StateBadge state={summary.state} testId="segment-run-state" />
        <span className="run-actions">
          {active ? (
            <button type="button" className="button button-small button-danger-outline" onClick={() => cancel.mutate(run.runId)} disabled={cancel.isPending} data-testid="segment-cancel">
              {t('common.cancel')}
            </button>
          ) : (
            <button type="button" className="icon-button" onClick={() => runStore.dismissRun(run.runId)} aria-label={t('removeBackground.dismiss')} data-testid="segment-dismiss">
              {icons.close}
            </button>
          )}
        </span>
      </div>
      <SummaryCountsBar summary={summary} label={t('removeBackground.progressLabel', { name: projectName })} />
      <div className="run-text" data-testid="segment-run-text">
        <BatchSummaryText summary={summary} testIdPrefix="segment-run" />
        {run.reused ? ` · ${t('removeBackground.reused', { count: run.reused })}` : ''}
        {working ? ` · ${t('removeBackground.working', { count: working })}` : ''}
        {eta !== null ? (
          <span className="muted" data-testid="segment-run-eta">
            {' · '}
            {t('batchSummary.eta', { time: formatEta(eta, i18n.language) })}
          </span>
        ) : null}
        {run.provider ? <span className="muted"> · {t('removeBackground.on', { provider: t(`providers.${run.provider}`) })}</span> : null}
        {active && queuePaused ? (
          <span className="run-waiting" data-testid="segment-queue-paused">
            {' · '}
            {t('removeBackground.queuePaused')} <a href={queueHref}>{t('removeBackground.openQueue')}</a>
          </span>
        ) : null}
      </div>
      {run.error && modelProblem ? (
        <ModelRepair modelId={run.modelId} message={run.error} onRepaired={rerun} />
      ) : run.error ? (
        <p className="error" data-error-code={run.errorCode ?? undefined}>
          {errorText(t, run.errorCode, run.error)}
        </p>
      ) : null}
      {view.failures.length && !run.error ? (
        <details className="run-failures">
          <summary>{t('removeBackground.failedList', { count: view.failures.length })}</summary>
          <ul>
            {view.failures.slice(0, 50).map((f) => (
              <li key={f.sourceAssetId} title={f.error} data-testid="segment-failure">
                {f.fileName ? <span className="run-failure-name">{f.fileName}</span> : null}
                {errorText(t, f.errorCode, f.error)}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </li>
  );
}

/** The project's background-removal runs: live per-image counts, cancel, and the repair offer when the model cannot run. */
export function RemoveBackgroundRuns({ project }: { project: Project }) {
  useRestoreRuns(project.id);
  const state = useRunState();
  // The two latest: older ones are on the Queue page.
  const runs = runsOf(state, project.id).slice(0, 2);
  const waiting = runs.some((r) => isActive(r.run));
  // Only while a run waits or works: a paused queue is why it does not move.
  const stats = useQueueStats(waiting);
  if (runs.length === 0) return null;
  return (
    <ol className="run-list" data-testid="segment-runs">
      {runs.map((view) => (
        <RunRow
          key={view.run.runId}
          view={view}
          projectName={project.name}
          queuePaused={stats.data?.paused ?? false}
          working={isActive(view.run) ? workingOn(state, view.run.runId) : 0}
        />
      ))}
    </ol>
  );
}
