import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { callErrorText } from '../../app/labels.js';
import { useBackend } from '../../backend/index.js';
import { ConfirmDialog } from '../../ui/Dialog.js';
import { formatBytes, formatDateTime, formatNumber } from '../../ui/format.js';
import { showToast } from '../../ui/toasts.js';
import type { MethodOutput, TrainedModel } from '../../../src-shared/contract/index.js';

type ActivateAnswer = MethodOutput<'training.activate'> & { model: TrainedModel };
import { trainingKey, useTrainedModels } from './queries.js';

function percent(v: number | null | undefined, lang: string): string {
  return typeof v === 'number' ? `${formatNumber(v * 100, lang, 1)} %` : '—';
}

/** After Set as active: the indexes built with another embedder, and a button that extracts them again with the new one. */
function ReindexOffer({ answer, onDone }: { answer: ActivateAnswer; onDone: () => void }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const queryClient = useQueryClient();
  const reindex = useMutation({
    mutationFn: async () => {
      const indexes = await backend.call('embeddings.indexes', {});
      const stale = indexes.filter((i) => answer.staleIndexIds.includes(i.id));
      // One extraction per stale index's scope with the new embedder: a new index beside the old, which stays searchable until the user deletes it.
      for (const i of stale) await backend.call('embeddings.extract', { scope: i.scope, modelId: answer.model.id, newIndexName: `${i.name} · ${answer.model.name}` });
      return stale.length;
    },
    onSuccess: (count) => {
      showToast({ kind: 'success', title: t('training.reindexStarted', { count }) });
      void queryClient.invalidateQueries({ queryKey: ['embeddings'] });
      onDone();
    },
    onError: (err) => showToast({ kind: 'error', title: callErrorText(t, err) }),
  });
  return (
    <div className="training-reindex" role="status" data-testid="training-reindex">
      <span>{t('training.reindexOffer', { count: answer.staleIndexIds.length, name: answer.model.name })}</span>
      <button type="button" className="button button-primary" disabled={reindex.isPending} onClick={() => reindex.mutate()} data-testid="training-reindex-start">
        {t('training.reindex')}
      </button>
      <button type="button" className="button" onClick={onDone}>
        {t('training.notNow')}
      </button>
    </div>
  );
}

function ModelCard({ model, onActivated }: { model: TrainedModel; onActivated: (a: ActivateAnswer) => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const backend = useBackend();
  const queryClient = useQueryClient();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trainingKey });
    void queryClient.invalidateQueries({ queryKey: ['models'] });
  };
  const onError = (err: unknown) => showToast({ kind: 'error', title: callErrorText(t, err) });
  const activate = useMutation({
    mutationFn: () => backend.call('training.activate', { id: model.id }),
    onSuccess: (answer) => {
      showToast({ kind: 'success', title: t('training.activatedToast', { name: model.name }) });
      if (answer.staleIndexIds.length) onActivated({ ...answer, model: answer.model ?? model });
    },
    onError,
    onSettled: refresh,
  });
  const remove = useMutation({ mutationFn: () => backend.call('training.deleteModel', { id: model.id }), onError, onSettled: refresh });
  const downloadHref = backend.downloadUrl?.('training-model', { id: model.id });
  // Desktop: the OS's save dialog, then the engine writes the ZIP where the user chose.
  const choosePath = backend.choosePath?.bind(backend);
  const save = useMutation({
    mutationFn: async () => {
      const destPath = await choosePath?.({ kind: 'save', defaultName: `${model.name}.zip`, filters: [{ name: 'ZIP', extensions: ['zip'] }] });
      return destPath ? backend.call('training.saveModel', { id: model.id, destPath }) : null;
    },
    onSuccess: (saved) => (saved ? showToast({ kind: 'success', title: t('training.savedToast', { path: saved.path }) }) : undefined),
    onError,
  });
  return (
    <li className={`training-model-card ${model.active ? 'is-active' : ''}`} data-testid="training-model" data-model-id={model.id} data-active={model.active}>
      <div className="training-model-head">
        <h3>
          {model.name} <span className="muted">{t('training.version', { version: model.version })}</span>
        </h3>
        {model.active ? (
          <span className="state-badge state-default" data-testid="training-model-active">
            {t('training.active')}
          </span>
        ) : null}
      </div>
      <dl>
        <dt>{t('training.backbone')}</dt>
        <dd>
          <code>{model.backboneId}</code>
          {model.fineTuned ? (
            <span className="muted" data-testid="training-model-fine-tuned">
              {' '}
              · {t('training.fineTuned')}
            </span>
          ) : null}
        </dd>
        <dt>{t('training.dimension')}</dt>
        <dd>{formatNumber(model.dimension, lang)}</dd>
        <dt>{t('training.classes')}</dt>
        <dd data-testid="training-model-classes">{formatNumber(model.classes, lang)}</dd>
        <dt>{t('training.recall')}</dt>
        <dd data-testid="training-model-recall">
          {t('training.recallLine', { r1: percent(model.recall.at1, lang), r5: percent(model.recall.at5, lang), before: percent(model.recall.before1, lang) })}
        </dd>
        <dt>{t('training.dataset')}</dt>
        <dd>{model.datasetName}</dd>
        <dt>{t('training.created')}</dt>
        <dd>
          {formatDateTime(model.createdAt, lang)}
          {model.bytes ? ` · ${formatBytes(model.bytes, lang)}` : ''}
        </dd>
      </dl>
      <div className="training-model-actions">
        {!model.active ? (
          <button type="button" className="button button-primary" disabled={activate.isPending} onClick={() => activate.mutate()} data-testid="training-model-activate">
            {t('training.setActive')}
          </button>
        ) : null}
        {downloadHref ? (
          <a className="button" href={downloadHref} download data-testid="training-model-download">
            {t('training.download')}
          </a>
        ) : choosePath ? (
          <button type="button" className="button" disabled={save.isPending} onClick={() => save.mutate()} data-testid="training-model-save">
            {t('training.download')}
          </button>
        ) : null}
        <button type="button" className="button button-danger-outline" onClick={() => setConfirmDelete(true)} data-testid="training-model-delete">
          {t('training.deleteModel')}
        </button>
      </div>
      {confirmDelete ? (
        <ConfirmDialog
          title={t('training.deleteModelTitle', { name: model.name })}
          body={model.active ? t('training.deleteModelBodyActive') : t('training.deleteModelBody')}
          confirmLabel={t('training.deleteModel')}
          cancelLabel={t('training.keep')}
          danger
          busy={remove.isPending}
          onCancel={() => setConfirmDelete(false)}
          onConfirm={() => remove.mutate(undefined, { onSettled: () => setConfirmDelete(false) })}
        />
      ) : null}
    </li>
  );
}

/** The trained models: what each is and how well it retrieves; one is the active embedder. */
export function Models() {
  const { t } = useTranslation();
  const models = useTrainedModels();
  const [offer, setOffer] = useState<ActivateAnswer | null>(null);
  if (models.isError) return <p className="error">{callErrorText(t, models.error)}</p>;
  if (!models.data) return <p className="muted">{t('common.loading')}</p>;
  return (
    <>
      {offer ? <ReindexOffer answer={offer} onDone={() => setOffer(null)} /> : null}
      {models.data.length === 0 ? (
        <p className="muted" data-testid="training-models-none">
          {t('training.noModels')}
        </p>
      ) : (
        <ul className="training-models" data-testid="training-models">
          {models.data.map((m) => (
            <ModelCard key={m.id} model={m} onActivated={setOffer} />
          ))}
        </ul>
      )}
    </>
  );
}
