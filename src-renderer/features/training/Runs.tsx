import { useMutation, useQueryClient } from '@tanstack/react-query';
import { memo, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { callErrorText } from '../../app/labels.js';
import { useBackend } from '../../backend/index.js';
import { ConfirmDialog } from '../../ui/Dialog.js';
import { formatDateTime, formatDuration, formatFixed, formatNumber } from '../../ui/format.js';
import { showToast } from '../../ui/toasts.js';
import { EpochChart } from './EpochChart.js';
import type { TrainingRun } from '../../../src-shared/contract/index.js';
import { eventText, failureText } from './model.js';
import { runsKey, trainedModelsKey, useRuns } from './queries.js';

// Module constants: the charts rebuild only when these change identity.
const RECALL_RANGE: [number, number] = [0, 1];
/** The charts' axis labels in the UI language ("%80", "1,0E-3", "2,50" in Turkish); one set per language, so the charts are not rebuilt per render. */
function axisFormats(language: string) {
  const percent = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 0 });
  const exponent = new Intl.NumberFormat(language, { notation: 'scientific', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return {
    percent: (v: number) => percent.format(v),
    exponent: (v: number) => (v === 0 ? '0' : exponent.format(v)),
    loss: (v: number) => (Math.abs(v) >= 10 ? formatNumber(v, language, 0) : formatFixed(v, language, 2)),
  };
}

/** How many runs show at first; "Show more" adds this many again (a long history stays fast). */
const PAGE = 10;

const ACTIVE: ReadonlySet<string> = new Set(['queued', 'running']);

function RunCharts({ run }: { run: TrainingRun }) {
  const { t, i18n } = useTranslation();
  const epochs = run.history.map((h) => h.epoch);
  const format = useMemo(() => axisFormats(i18n.language), [i18n.language]);
  const waiting = t('training.chart.waiting');

  return (
    <div className="training-charts">
      <EpochChart
        title={t('training.chart.loss')}
        testId="training-chart-loss"
        epochs={epochs}
        totalEpochs={run.epochs}
        formatY={format.loss}
        emptyText={waiting}
        series={[{ label: t('training.chart.trainLoss'), values: run.history.map((h) => h.loss), color: 'var(--training-loss)' }]}
      />
      <EpochChart
        title={t('training.chart.recall')}
        testId="training-chart-recall"
        epochs={epochs}
        totalEpochs={run.epochs}
        yRange={RECALL_RANGE}
        formatY={format.percent}
        emptyText={waiting}
        series={[
          { label: t('training.chart.recallAt', { k: 1 }), values: run.history.map((h) => h.recall.at1), color: 'var(--training-r1)' },
          { label: t('training.chart.recallAt', { k: 5 }), values: run.history.map((h) => h.recall.at5), color: 'var(--training-r5)' },
          { label: t('training.chart.synToReal'), values: run.history.map((h) => h.syntheticToReal?.at1 ?? null), color: 'var(--training-s2r)', dash: true },
        ]}
      />
      <EpochChart
        title={t('training.chart.lr')}
        testId="training-chart-lr"
        epochs={epochs}
        totalEpochs={run.epochs}
        formatY={format.exponent}
        emptyText={waiting}
        series={[{ label: t('training.chart.lrSeries'), values: run.history.map((h) => h.lr), color: 'var(--training-lr)' }]}
      />
    </div>
  );
}

const RunCard = memo(function RunCard({ run }: { run: TrainingRun }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const backend = useBackend();
  const queryClient = useQueryClient();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const act = useMutation({
    mutationFn: (method: 'training.cancel' | 'training.resume' | 'training.delete') => backend.call(method, { id: run.id }) as Promise<unknown>,
    onError: (err) => showToast({ kind: 'error', title: callErrorText(t, err) }),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: runsKey });
      void queryClient.invalidateQueries({ queryKey: trainedModelsKey });
    },
  });
  const last = run.history[run.history.length - 1];
  const best = run.history.reduce<number | null>((b, h) => (b === null || h.recall.at1 > b ? h.recall.at1 : b), null);
  const live = ACTIVE.has(run.state);
  // Within the epoch too: a long epoch still moves the bar. While it embeds, the bar is the images' (epochs have not begun).
  const within = run.step && run.state === 'running' ? run.step.step / run.step.steps : 0;
  const embedding = run.state === 'running' && run.stage === 'embedding' ? run.embedding : null;
  const percent = embedding ? (embedding.total ? (100 * embedding.done) / embedding.total : 0) : Math.min(100, (100 * (run.epochsCompleted + within)) / run.epochs);
  return (
    <li className="training-card training-run" data-testid="training-run" data-run-id={run.id} data-state={run.state} data-epochs-done={run.epochsCompleted}>
      <div className="training-run-head">
        <h3>{run.name}</h3>
        <span className={`state-badge state-${run.state === 'done' ? 'completed' : run.state === 'failed' ? 'failed' : live ? 'running' : 'paused'}`} data-testid="training-run-state">
          {t(`training.state.${run.state}`)}
        </span>
      </div>
      <div className="training-run-facts muted">
        <span data-testid="training-run-epoch">{t('training.epochOf', { epoch: run.epochsCompleted, epochs: run.epochs })}</span>
        {run.state === 'running' && run.stage ? (
          <span data-testid="training-run-stage">
            {t(`training.stage.${run.stage}`)}
            {run.stage === 'training' && run.step ? ` · ${t('training.stepOf', { step: run.step.step, steps: run.step.steps })}` : ''}
            {embedding && embedding.total > 0 ? ` · ${t('training.imagesOf', { done: embedding.done, total: embedding.total })}` : ''}
          </span>
        ) : null}
        {live && run.etaSeconds !== null ? <span data-testid="training-run-eta">{t('training.eta', { duration: formatDuration(run.etaSeconds * 1000, lang) })}</span> : null}
        {last ? <span>{t('training.lastLoss', { loss: formatNumber(last.loss, lang, 3) })}</span> : null}
        {best !== null ? <span data-testid="training-run-best">{t('training.bestRecall', { value: formatNumber(best * 100, lang, 1) })}</span> : null}
        {run.test ? <span data-testid="training-run-test">{t('training.testLine', { before: `${formatNumber(run.test.before.at1 * 100, lang, 1)} %`, after: `${formatNumber(run.test.after.at1 * 100, lang, 1)} %` })}</span> : null}
        <span>{t('training.onDataset', { dataset: run.datasetName, backbone: run.backboneId })}</span>
        <span>{formatDateTime(run.createdAt, lang)}</span>
      </div>
      {live ? (
        <progress
          max={100}
          value={percent}
          aria-label={embedding ? `${t('training.stage.embedding')} ${t('training.imagesOf', { done: embedding.done, total: embedding.total })}` : t('training.epochOf', { epoch: run.epochsCompleted, epochs: run.epochs })}
        />
      ) : null}
      {run.error || run.errorCode ? (
        <p className="error training-failure" role="alert" data-testid="training-run-failure" title={run.error ?? undefined}>
          {failureText(t, run.errorCode, run.error)}
        </p>
      ) : null}
      <RunCharts run={run} />
      {run.events.length ? (
        <ul className="training-events" aria-label={t('training.eventsTitle')} data-testid="training-run-events">
          {run.events.map((e, i) => (
            <li key={`${e.type}-${e.epoch}-${i}`} className={`training-event training-event-${e.type}`} data-testid="training-run-event" data-type={e.type}>
              {eventText(t, e)}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="training-run-actions">
        {live ? (
          <button type="button" className="button" disabled={act.isPending} onClick={() => act.mutate('training.cancel')} data-testid="training-cancel">
            {t('training.cancel')}
          </button>
        ) : null}
        {run.resumable && !live && run.state !== 'done' ? (
          <button type="button" className="button" disabled={act.isPending} onClick={() => act.mutate('training.resume')} data-testid="training-resume">
            {t('training.resume')}
          </button>
        ) : null}
        {run.modelId ? (
          <a className="button" href="#/training?tab=models" data-testid="training-run-model">
            {t('training.seeModel')}
          </a>
        ) : null}
        {!live ? (
          <button type="button" className="button button-danger-outline" onClick={() => setConfirmDelete(true)} data-testid="training-run-delete">
            {t('training.deleteRun')}
          </button>
        ) : null}
      </div>
      {confirmDelete ? (
        <ConfirmDialog
          title={t('training.deleteRunTitle', { name: run.name })}
          body={t('training.deleteRunBody')}
          confirmLabel={t('training.deleteRun')}
          cancelLabel={t('training.keep')}
          danger
          onCancel={() => setConfirmDelete(false)}
          onConfirm={() => {
            setConfirmDelete(false);
            act.mutate('training.delete');
          }}
        />
      ) : null}
    </li>
  );
});

/** Every run, newest first, each with its live charts; only the first few are drawn until asked. */
export function Runs() {
  const { t } = useTranslation();
  const runs = useRuns();
  const [shown, setShown] = useState(PAGE);
  if (runs.isError) return <p className="error">{callErrorText(t, runs.error)}</p>;
  if (!runs.data) return <p className="muted">{t('common.loading')}</p>;
  if (runs.data.length === 0) return <p className="muted" data-testid="training-runs-none">{t('training.noRuns')}</p>;
  return (
    <>
      <ul className="training-runs" data-testid="training-runs">
        {runs.data.slice(0, shown).map((r) => (
          <RunCard key={r.id} run={r} />
        ))}
      </ul>
      {runs.data.length > shown ? (
        <button type="button" className="button training-more" onClick={() => setShown((n) => n + PAGE)} data-testid="training-runs-more">
          {t('training.showMore', { count: Math.min(PAGE, runs.data.length - shown) })}
        </button>
      ) : null}
    </>
  );
}
