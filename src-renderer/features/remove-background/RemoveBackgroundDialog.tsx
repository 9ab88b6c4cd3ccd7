import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Project, RemoveBackgroundOptionsInput } from '../../../src-shared/contract/index.js';
import { useSelection } from '../library/selection-store.js';
import { isUsable, useInstallModel, useModels } from '../models/queries.js';
import { CountsBar, StateBadge } from '../../ui/badges.js';
import { useQueueStats } from '../queue/queries.js';
import { Dialog } from '../../ui/Dialog.js';
import { formatBytes } from '../../ui/format.js';
import { icons } from '../../ui/icons.js';
import { showToast } from '../../ui/toasts.js';
import { isModelProblem, lastPreset, presetOf, rememberPreset, uiPresetNames, uiPresets, type UiPreset } from './presets.js';
import { useCancelSegment, useStartSegment } from './queries.js';
import { dismissRun, isActive, runsOf, useSegmentState, type RunView } from './run-store.js';

/**
 * A model that is missing, damaged or not installed: say so, and provision it again
 * (models.download assembles a package model offline, or downloads a catalog one).
 */
export function ModelRepair({ modelId, message, onRepaired }: { modelId: string; message: string; onRepaired?: () => void }) {
  const { t, i18n } = useTranslation();
  const models = useModels();
  const install = useInstallModel();
  const model = models.data?.find((m) => m.id === modelId);
  const progress = model?.status === 'downloading' ? model.progress : null;
  const [done, setDone] = useState(false);
  return (
    <div className="model-repair" role="alert" data-testid="model-repair">
      <p>
        <strong>{t('segment.modelProblem', { name: model?.name ?? modelId })}</strong>
      </p>
      <p className="muted model-repair-reason">{message}</p>
      {install.isPending || progress ? (
        <div className="model-progress" data-testid="model-repair-progress">
          <progress max={progress?.total || undefined} value={progress?.total ? progress.received : undefined} aria-label={t('models.installing', { name: model?.name ?? modelId })} />
          <span className="muted">
            {progress?.total
              ? t('models.received', { received: formatBytes(progress.received, i18n.language), total: formatBytes(progress.total, i18n.language) })
              : t('models.installingShort')}
          </span>
        </div>
      ) : null}
      {install.isError ? <p className="error">{(install.error as Error).message}</p> : null}
      {done ? (
        <p className="success-text" data-testid="model-repair-done">
          {t('segment.modelRepaired')}
        </p>
      ) : null}
      <div className="model-repair-actions">
        {!done ? (
          <button
            type="button"
            className="button button-primary"
            disabled={install.isPending}
            onClick={() =>
              install.mutate(modelId, {
                onSuccess: (m) => {
                  if (m.status === 'ready') {
                    setDone(true);
                    onRepaired?.();
                  }
                },
              })
            }
            data-testid="model-repair-button"
          >
            {t('segment.reinstallModel')}
          </button>
        ) : null}
        <a className="button" href="#/models">
          {t('segment.openModels')}
        </a>
      </div>
    </div>
  );
}

/** Remove background: which images, which output, which model; starts one run through the queue. */
export function RemoveBackgroundDialog({ project, onClose }: { project: Project; onClose: () => void }) {
  const { t } = useTranslation();
  const formId = useId();
  const selection = useSelection(project.id);
  const models = useModels();
  const start = useStartSegment();
  const selected = selection.ids.size;
  const [scope, setScope] = useState<'all' | 'selection'>(selected > 0 ? 'selection' : 'all');
  const [preset, setPreset] = useState<UiPreset>(lastPreset);
  const candidates = (models.data ?? []).filter((m) => m.task === 'background-removal');
  const defaultModel = candidates.find((m) => m.isDefault);
  const [modelId, setModelId] = useState<string | null>(null);
  const chosen = modelId ?? defaultModel?.id ?? null;
  const count = scope === 'selection' ? selected : project.assetCount;
  const startRef = useRef<HTMLButtonElement>(null);
  // After the dialog has opened (it focuses its first control): Enter starts with the choices shown.
  useEffect(() => startRef.current?.focus(), []);

  const submit = () => {
    rememberPreset(preset);
    const options: RemoveBackgroundOptionsInput = uiPresets[preset];
    start.mutate(
      {
        projectId: project.id,
        assetIds: scope === 'selection' && selected > 0 ? [...selection.ids] : null,
        options,
        ...(chosen && chosen !== defaultModel?.id ? { modelId: chosen } : {}),
      },
      {
        onSuccess: () => {
          showToast({ kind: 'info', title: t('segment.started', { count }) });
          onClose();
        },
      },
    );
  };
  const error = start.error as (Error & { code?: string }) | null;

  return (
    <Dialog title={t('segment.title')} onClose={onClose} className="segment-dialog" testId="segment-dialog">
      <form
        id={formId}
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <fieldset className="choice-group">
          <legend>{t('segment.images')}</legend>
          <label className="choice">
            <input type="radio" name="scope" value="all" checked={scope === 'all'} onChange={() => setScope('all')} data-testid="scope-all" />
            <span>{t('segment.wholeProject', { count: project.assetCount })}</span>
          </label>
          <label className={`choice ${selected === 0 ? 'is-disabled' : ''}`}>
            <input
              type="radio"
              name="scope"
              value="selection"
              checked={scope === 'selection'}
              disabled={selected === 0}
              onChange={() => setScope('selection')}
              data-testid="scope-selection"
            />
            <span>{selected ? t('segment.selection', { count: selected }) : t('segment.noSelection')}</span>
          </label>
        </fieldset>

        <fieldset className="choice-group preset-group">
          <legend>{t('segment.output')}</legend>
          <div className="preset-grid">
            {uiPresetNames.map((name) => (
              <label key={name} className={`preset-card ${preset === name ? 'is-selected' : ''}`}>
                <input type="radio" name="preset" value={name} checked={preset === name} onChange={() => setPreset(name)} data-testid={`preset-${name}`} />
                <span className={`preset-swatch preset-swatch-${name}`} aria-hidden="true" />
                <span className="preset-text">
                  <strong>{t(`presets.${name}`)}</strong>
                  <span className="muted">{t(`presets.${name}Hint`)}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>

        <div className="field">
          <label htmlFor={`${formId}-model`}>{t('segment.model')}</label>
          <select id={`${formId}-model`} value={chosen ?? ''} onChange={(e) => setModelId(e.currentTarget.value)} data-testid="segment-model">
            {candidates.map((m) => (
              <option key={m.id} value={m.id} disabled={!isUsable(m)}>
                {m.name}
                {m.isDefault ? ` (${t('models.default')})` : ''}
                {!isUsable(m) ? ` (${t(`models.status.${m.status}`)})` : ''}
              </option>
            ))}
          </select>
        </div>

        {error ? (
          isModelProblem(error.message) && chosen ? (
            <ModelRepair modelId={chosen} message={error.message} onRepaired={() => start.reset()} />
          ) : (
            <p className="error" role="alert" data-testid="segment-error">
              {error.message}
            </p>
          )
        ) : null}

        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button ref={startRef} type="submit" className="button button-primary" disabled={start.isPending || count === 0 || !chosen} data-testid="segment-start">
            {icons.removeBackground}
            {t('segment.start', { count })}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function RunRow({ view, projectName, queuePaused, working }: { view: RunView; projectName: string; queuePaused: boolean; working: number }) {
  const { t } = useTranslation();
  const cancel = useCancelSegment();
  const start = useStartSegment();
  const { run } = view;
  const active = isActive(run);
  const preset = presetOf(run.options);
  const finished = run.done + run.reused + run.failed;
  const cancelled = run.state === 'cancelled' || (run.state === 'failed' && run.error) ? Math.max(0, run.total - finished) : 0;
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
        <strong>
          {t('segment.runTitle', { preset: preset ? t(`presets.${preset}`) : run.options.preset })}
        </strong>
        <StateBadge state={run.state === 'done' ? 'completed' : run.state === 'queued' ? 'pending' : run.state} testId="segment-run-state" />
        <span className="run-actions">
          {active ? (
            <button type="button" className="button button-small button-danger-outline" onClick={() => cancel.mutate(run.runId)} disabled={cancel.isPending} data-testid="segment-cancel">
              {t('common.cancel')}
            </button>
          ) : (
            <button type="button" className="icon-button" onClick={() => dismissRun(run.runId)} aria-label={t('imports.dismiss')} data-testid="segment-dismiss">
              {icons.close}
            </button>
          )}
        </span>
      </div>
      <CountsBar total={run.total} completed={run.done + run.reused} failed={run.failed} cancelled={cancelled} label={t('segment.progressLabel', { name: projectName })} />
      <div className="run-text" data-testid="segment-run-text">
        {t('segment.counts', { done: run.done + run.reused, total: run.total })}
        {run.reused ? ` · ${t('segment.reused', { count: run.reused })}` : ''}
        {working ? ` · ${t('segment.working', { count: working })}` : ''}
        {run.failed ? <span className="error"> · {t('segment.failed', { count: run.failed })}</span> : null}
        {run.provider ? <span className="muted"> · {t('segment.on', { provider: t(`providers.${run.provider}`) })}</span> : null}
        {active && queuePaused ? (
          <span className="run-waiting" data-testid="segment-queue-paused">
            {' · '}
            {t('segment.queuePaused')} <a href="#/queue">{t('segment.openQueue')}</a>
          </span>
        ) : null}
      </div>
      {run.error && isModelProblem(run.error) ? (
        <ModelRepair modelId={run.modelId} message={run.error} onRepaired={rerun} />
      ) : run.error ? (
        <p className="error">{run.error}</p>
      ) : null}
      {view.failures.length && !run.error ? (
        <details className="run-failures">
          <summary>{t('segment.failedList', { count: view.failures.length })}</summary>
          <ul>
            {view.failures.slice(0, 50).map((f) => (
              <li key={f.sourceAssetId}>{f.error}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </li>
  );
}

/** The project's background-removal runs: live per-image counts, cancel, and the repair offer when the model cannot run. */
export function SegmentRuns({ project }: { project: Project }) {
  const state = useSegmentState();
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
          working={isActive(view.run) ? [...state.items.values()].filter((i) => i.runId === view.run.runId && i.state === 'running').length : 0}
        />
      ))}
    </ol>
  );
}
