import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { Batch, RemoveBackgroundRun } from '../../../src-shared/contract/index.js';
import { batchPresenter } from '../../app/feature.js';
import { errorText } from '../../app/labels.js';
import { presetOf } from './presets.js';
import { runStore, useRunState } from './run-store.js';

/** "Remove background · Cut-out (PNG)": the run's preset in the UI language. */
export function runTitle(t: TFunction, run: Pick<RemoveBackgroundRun, 'options'>): string {
  const preset = presetOf(run.options);
  return t('removeBackground.runTitle', { preset: preset ? t(`presets.${preset}`) : run.options.preset });
}

/** Under a run's counts on the Queue page: what was reused, where it ran, and why it stopped. */
function RunRowDetails({ batch, detail }: { batch: Batch; detail: RemoveBackgroundRun | undefined }) {
  const { t } = useTranslation();
  // This window's live view of the run when it has one (it moves); what was fetched otherwise.
  const run = useRunState().runs.get(batch.id)?.run ?? detail;
  if (!run) return null;
  const parts = [run.reused ? t('removeBackground.reused', { count: run.reused }) : null, run.provider ? t('removeBackground.on', { provider: t(`providers.${run.provider}`) }) : null].filter(Boolean);
  if (parts.length === 0 && !run.error) return null;
  return (
    <div className="batch-details muted" data-testid="batch-details">
      {parts.join(' · ')}
      {run.error ? (
        <span className="error" data-error-code={run.errorCode ?? undefined}>
          {parts.length ? ' · ' : ''}
          {errorText(t, run.errorCode, run.error)}
        </span>
      ) : null}
    </div>
  );
}

export const removeBackgroundPresenter = batchPresenter<RemoveBackgroundRun>({
  toast: true,
  detail: {
    known: (runId) => runStore.knownRun(runId),
    fetch: (backend, runId) => backend.call('remove-background.get', { runId }),
  },
  title: (t, _batch, run) => (run ? runTitle(t, run) : null),
  RowDetails: RunRowDetails,
  needsReview: (run) => run?.needsReview ?? 0,
  useNeedsReview: (batch, run) => {
    // This window's live view when it has one (it moves), else what was fetched.
    const live = useRunState().runs.get(batch.id)?.run;
    return (live ?? run)?.needsReview ?? 0;
  },
});
