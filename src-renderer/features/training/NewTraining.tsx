import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useDeferredValue, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { DEFAULT_EMBEDDER_ID, DEFAULT_TRAINING_BACKBONE_ID, MEASURED_BEST_RECIPE, TrainingConfigSchema } from '../../../src-shared/contract/index.js';
import { errorText } from '../../app/labels.js';
import { useBackend } from '../../backend/index.js';
import { formatDuration, formatNumber } from '../../ui/format.js';
import { showToast } from '../../ui/toasts.js';
import { checkFields, CONFIG_FIELDS, fieldKey, fromConfig, toConfig, type FieldValue } from './config-fields.js';
import { ConfigFieldInput, problemText } from './ConfigField.js';
import { defaultTrainingConfig, refusalText } from './model.js';
import { runsKey, trainingKey, useBackbones, useTrainingDatasets } from './queries.js';

const WARMUP = 'schedule.warmupEpochs';

/** Brings a recipe field into view and focuses it (opening the advanced section it may sit in). */
function focusField(path: string): void {
  const el = document.querySelector<HTMLElement>(`[data-testid="training-field-${fieldKey(path)}"]`);
  if (!el) return;
  const details = el.closest('details');
  if (details) details.open = true;
  el.scrollIntoView({ block: 'center' });
  (el.matches('input, select, textarea') ? el : el.querySelector<HTMLElement>('input, select, textarea'))?.focus();
}

/** Why this dataset cannot be trained on, as the page can tell at once (the engine's estimate says the rest, by its errorCode). */
function localRefusal(productCount: number): string | null {
  return productCount === 0 ? 'training.refusal.empty' : null;
}

/** New training: what to learn from (dataset, backbone), the recipe, and a summary with the engine's estimate. */
export function NewTraining({ onStarted }: { onStarted: () => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const backend = useBackend();
  const queryClient = useQueryClient();
  const datasets = useTrainingDatasets();
  const backbones = useBackbones();
  const [datasetChoice, setDatasetId] = useState<string | null>(null);
  const datasetId = datasetChoice ?? datasets.data?.find((d) => d.productCount > 0)?.id ?? datasets.data?.[0]?.id ?? null;
  const dataset = datasets.data?.find((d) => d.id === datasetId) ?? null;
  const [backboneChoice, setBackboneId] = useState<string | null>(null);
  // The engine's default training backbone while it is listed, else the offline default.
  const backboneId = backboneChoice ?? (backbones.data && !backbones.data.some((b) => b.id === DEFAULT_TRAINING_BACKBONE_ID && b.installed) ? DEFAULT_EMBEDDER_ID : DEFAULT_TRAINING_BACKBONE_ID);
  const defaults = useMemo(() => fromConfig(defaultTrainingConfig()), []);
  const [values, setValues] = useState<Record<string, FieldValue>>(defaults);
  // The warm-up follows the epochs (the default's 5, but always shorter than the run) until the user sets it.
  const [warmupSet, setWarmupSet] = useState(false);
  const problems = checkFields(values);
  const problemAt = (path: string) => problems.find((p) => p.path === path);
  const set = (path: string) => (v: FieldValue) => {
    if (path === WARMUP) setWarmupSet(true);
    setValues((old) => {
      const next = { ...old, [path]: v };
      const byDefault = defaults[WARMUP];
      if (path === 'epochs' && !warmupSet && typeof v === 'number' && Number.isFinite(v) && typeof byDefault === 'number') next[WARMUP] = Math.min(byDefault, Math.max(0, Math.floor(v) - 1));
      return next;
    });
  };
  const changed = CONFIG_FIELDS.filter((f) => !sameValue(values[f.path], defaults[f.path])).length;
  const best = useMemo(() => fromConfig(TrainingConfigSchema.parse(MEASURED_BEST_RECIPE)), []);
  const isBest = CONFIG_FIELDS.every((f) => sameValue(values[f.path], best[f.path]));

  const request = datasetId && problems.length === 0 ? { datasetId, backboneModelId: backboneId, config: toConfig(values) } : null;
  // The estimate follows the form without a call per keystroke.
  const asked = useDeferredValue(request);
  const estimate = useQuery({
    queryKey: [...trainingKey, 'estimate', asked],
    queryFn: () => backend.call('training.estimate', asked!),
    enabled: asked !== null && (dataset?.productCount ?? 0) > 0,
    retry: false,
    staleTime: 30_000,
  });
  const counts = estimate.data?.counts ?? null;
  // What the page knows at once, else the engine's answer: its errorCode worded here, its English reason in a title.
  const refusal = dataset && localRefusal(dataset.productCount) ? t(localRefusal(dataset.productCount)!) : estimate.data && !estimate.data.ok ? errorText(t, estimate.data.errorCode, estimate.data.reason) : null;
  const start = useMutation({
    mutationFn: () => backend.call('training.start', request!),
    onSuccess: () => {
      showToast({ kind: 'success', title: t('training.startedToast', { name: dataset?.name ?? '' }) });
      void queryClient.invalidateQueries({ queryKey: runsKey });
      onStarted();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (request) start.mutate();
  };
  const fields = (advanced: boolean) => (
    <div className="training-fields">
      {CONFIG_FIELDS.filter((f) => !!f.advanced === advanced).map((f) => (
        <ConfigFieldInput key={f.path} field={f} value={values[f.path]} problem={problemAt(f.path)} onChange={set(f.path)} />
      ))}
    </div>
  );
  const chosenBackbone = backbones.data?.find((b) => b.id === backboneId);

  return (
    <form className="training-form" onSubmit={submit} aria-labelledby="training-new-title" data-testid="training-new">
      <div className="training-form-main">
        <section className="training-card" aria-labelledby="training-new-title">
          <h2 id="training-new-title">{t('training.newTitle')}</h2>
          <div className="training-source">
            <label>
              {t('training.dataset')}
              <select value={datasetId ?? ''} onChange={(e) => setDatasetId(e.currentTarget.value)} data-testid="training-dataset" disabled={!datasets.data?.length}>
                {datasets.data?.length ? null : <option value="">{t('training.noDatasets')}</option>}
                {datasets.data?.map((d) => (
                  <option key={d.id} value={d.id}>
                    {t('training.datasetOption', { name: d.name, count: d.productCount })}
                  </option>
                ))}
              </select>
              {dataset ? (
                <p className="training-source-facts muted" data-testid="training-dataset-facts">
                  {counts
                    ? t('training.splitFacts', {
                        train: counts.products.train,
                        valid: counts.products.valid,
                        test: counts.products.test,
                        images: Object.values(counts.images).reduce((n, d) => n + d.real + d.synthetic, 0),
                        real: Object.values(counts.images).reduce((n, d) => n + d.real, 0),
                      })
                    : dataset.productCount === 0
                      ? t('training.datasetOption', { name: dataset.name, count: 0 })
                      : t('common.loading')}
                </p>
              ) : datasets.data && datasets.data.length === 0 ? (
                <p className="training-source-facts muted">
                  {t('training.noDatasetsHint')} <a href="#/datasets">{t('training.toDatasets')}</a>
                </p>
              ) : null}
            </label>
            <label>
              {t('training.backbone')}
              <select value={backboneId} onChange={(e) => setBackboneId(e.currentTarget.value)} data-testid="training-backbone">
                {backbones.data?.map((b) => (
                  <option key={b.id} value={b.id} disabled={!b.installed}>
                    {b.name} ({formatNumber(b.dimension, lang)}){b.installed ? '' : ` — ${t('training.notInstalled')}`}
                  </option>
                ))}
              </select>
              {/* The engine's description is English: other languages show the name and dimension only. */}
              {chosenBackbone && lang.startsWith('en') ? <p className="training-source-facts muted">{chosenBackbone.description}</p> : null}
            </label>
          </div>
        </section>
        <section className="training-card" aria-labelledby="training-recipe-title">
          <h2 id="training-recipe-title">{t('training.recipe')}</h2>
          <p className="muted">{t('training.recipeIntro')}</p>
          <p className="training-presets">
            {changed ? (
              <button
                type="button"
                className="link-button training-more"
                onClick={() => {
                  // The default recipe's warm-up follows the epochs again.
                  setValues(defaults);
                  setWarmupSet(false);
                }}
                data-testid="training-reset"
              >
                {t('training.resetRecipe', { count: changed })}
              </button>
            ) : null}
            {isBest ? null : (
              <button
                type="button"
                className="link-button training-more"
                onClick={() => {
                  setValues(best);
                  setWarmupSet(true);
                }}
                data-testid="training-best-recipe"
              >
                {t('training.bestRecipe')}
              </button>
            )}
          </p>
          {isBest ? <p className="muted" data-testid="training-best-recipe-note">{t('training.bestRecipeNote')}</p> : null}
          {fields(false)}
          <details className="training-advanced" data-testid="training-advanced">
            <summary>{t('training.advanced')}</summary>
            {fields(true)}
          </details>
        </section>
      </div>
      <aside className="training-card training-summary" aria-labelledby="training-summary-title" data-testid="training-summary">
        <h2 id="training-summary-title">{t('training.summary')}</h2>
        <dl>
          <dt>{t('training.dataset')}</dt>
          <dd>{dataset?.name ?? '—'}</dd>
          <dt>{t('training.backbone')}</dt>
          <dd>{chosenBackbone?.name ?? backboneId}</dd>
          <dt>{t('training.field.epochs')}</dt>
          <dd>{typeof values['epochs'] === 'number' && Number.isFinite(values['epochs']) ? formatNumber(values['epochs'], lang) : '—'}</dd>
          <dt>{t('training.estimated')}</dt>
          <dd data-testid="training-estimate" data-seconds={estimate.data?.ok ? estimate.data.seconds : undefined}>
            {!dataset || refusal || problems.length
              ? '—'
              : estimate.data?.ok
                ? t('training.estimateValue', { duration: formatDuration(estimate.data.seconds * 1000, lang), perEpoch: formatDuration(estimate.data.secondsPerEpoch * 1000, lang) })
                : estimate.isError
                  ? refusalText(t, estimate.error)
                  : t('training.estimating')}
          </dd>
          {estimate.data?.ok ? (
            <>
              <dt>{t('training.basis')}</dt>
              <dd className="muted">
                {t(`training.basisName.${estimate.data.basis}`)}
                {estimate.data.imagesToEmbed ? ` · ${t('training.toEmbed', { count: estimate.data.imagesToEmbed })}` : ''}
              </dd>
            </>
          ) : null}
        </dl>
        <button type="submit" className="button button-primary" disabled={!request || refusal !== null || start.isPending} data-testid="training-start">
          {start.isPending ? t('training.starting') : t('training.start')}
        </button>
        {refusal ? (
          <p className="error training-refusal" role="alert" data-testid="training-refusal" title={estimate.data?.reason ?? undefined}>
            {refusal}
          </p>
        ) : problems.length ? (
          <div className="error training-refusal" role="alert" data-testid="training-problems">
            <p>{t('training.fixFields', { count: problems.length })}</p>
            <ul>
              {problems.map((p) => (
                <li key={p.path}>
                  <button type="button" className="link-button" onClick={() => focusField(p.path)} data-testid="training-problem">
                    {t(`training.field.${fieldKey(p.path)}`)}
                  </button>
                  : {problemText(t, p, lang)}
                </li>
              ))}
            </ul>
          </div>
        ) : start.isError ? (
          <p className="error training-refusal" role="alert" data-testid="training-refusal" title={start.error instanceof Error ? start.error.message : undefined}>
            {refusalText(t, start.error)}
          </p>
        ) : null}
      </aside>
    </form>
  );
}

/** Field values compare by content (the views are arrays). */
function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  return Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((x, i) => x === b[i]) : a === b;
}
