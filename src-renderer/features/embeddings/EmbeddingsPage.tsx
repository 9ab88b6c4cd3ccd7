import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { DEFAULT_EMBEDDER_ID, type Dataset, type EmbeddingScope, type Project, type VectorIndexInfo } from '../../../src-shared/contract/index.js';
import { errorText, stageLabel } from '../../app/labels.js';
import { routeQuery, useRoute } from '../../app/router.js';
import { useBackend } from '../../backend/index.js';
import { ConfirmDialog } from '../../ui/Dialog.js';
import { formatDateTime, formatNumber } from '../../ui/format.js';
import { showToast } from '../../ui/toasts.js';

export const embeddingsKey = ['embeddings'] as const;

function scopeLabel(t: TFunction, scope: EmbeddingScope, projects: readonly Project[] | undefined, datasets: readonly Dataset[] | undefined): string {
  if (scope.kind === 'library') return t('embeddings.scopeLibrary');
  if (scope.kind === 'productSet') return t('embeddings.scopeProducts', { count: scope.productIds.length });
  if (scope.kind === 'dataset') {
    const d = datasets?.find((x) => x.id === scope.datasetId);
    return d ? t('embeddings.scopeDataset', { name: d.name }) : t('embeddings.scopeDatasetGone');
  }
  return projects?.find((p) => p.id === scope.projectId)?.name ?? t('embeddings.scopeGone');
}

/** The scope select's values: `project:<id>`, `dataset:<id>` (also the address's ?scope=) or `library`. */
function scopeFromValue(value: string): EmbeddingScope | null {
  if (value === 'library') return { kind: 'library' };
  const [kind, id] = value.split(':');
  if (!id) return null;
  if (kind === 'project') return { kind: 'project', projectId: id };
  if (kind === 'dataset') return { kind: 'dataset', datasetId: id };
  return null;
}

function useEmbeddingsCall() {
  const queryClient = useQueryClient();
  const { t } = useTranslation();
  return {
    refresh: () => queryClient.invalidateQueries({ queryKey: embeddingsKey }),
    onError: (err: unknown) => showToast({ kind: 'error', title: t('toast.error', { message: (err as Error).message }) }),
  };
}

function ExtractForm({ projects, datasets, indexes }: { projects: readonly Project[]; datasets: readonly Dataset[]; indexes: readonly VectorIndexInfo[] }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const { refresh, onError } = useEmbeddingsCall();
  const models = useQuery({ queryKey: [...embeddingsKey, 'models'], queryFn: () => backend.call('embeddings.models', {}), staleTime: 60_000, refetchOnMount: 'always' });
  // #/embeddings?scope=dataset:<id> (the Datasets page's "Extract embeddings") preselects that scope.
  const route = useRoute();
  const asked = useMemo(() => (route.page === 'embeddings' ? routeQuery().get('scope') : null), [route]);
  const [scopeId, setScopeId] = useState(asked ?? '');
  useEffect(() => {
    if (asked) setScopeId(asked);
  }, [asked]);
  // Until the user picks one, the active embedder (a trained model once one is set as active).
  const [chosenModel, setModelId] = useState<string | null>(null);
  const modelId = chosenModel ?? models.data?.find((m) => m.active && m.installed)?.id ?? DEFAULT_EMBEDDER_ID;
  const [name, setName] = useState('');
  const chosen = scopeId || (projects[0] ? `project:${projects[0].id}` : 'library');
  const scope: EmbeddingScope = scopeFromValue(chosen) ?? { kind: 'library' };
  const askedDatasetMissing = chosen.startsWith('dataset:') && datasets.length > 0 && !datasets.some((d) => `dataset:${d.id}` === chosen);
  const existing = indexes.find((i) => i.modelId === modelId && JSON.stringify(i.scope) === JSON.stringify(scope));
  const extract = useMutation({
    mutationFn: () => backend.call('embeddings.extract', { scope, modelId, indexId: existing?.id, newIndexName: existing ? undefined : name.trim() || undefined }),
    onSuccess: (r) => showToast({ kind: 'success', title: t(r.existing ? 'embeddings.alreadyRunning' : 'embeddings.started', { name: r.index.name }) }),
    onError,
    onSettled: refresh,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    extract.mutate();
  };
  return (
    <form className="emb-extract" onSubmit={submit} aria-labelledby="emb-extract-title">
      <h2 id="emb-extract-title">{t('embeddings.extractTitle')}</h2>
      <label>
        {t('embeddings.scope')}
        <select value={chosen} onChange={(e) => setScopeId(e.target.value)} data-testid="emb-scope">
          {projects.length ? (
            <optgroup label={t('embeddings.projects')}>
              {projects.map((p) => (
                <option key={p.id} value={`project:${p.id}`}>
                  {p.name}
                </option>
              ))}
            </optgroup>
          ) : null}
          {datasets.length ? (
            <optgroup label={t('embeddings.datasets')}>
              {datasets.map((d) => (
                <option key={d.id} value={`dataset:${d.id}`}>
                  {t('embeddings.datasetOption', { name: d.name, count: d.productCount })}
                </option>
              ))}
            </optgroup>
          ) : null}
          <option value="library">{t('embeddings.scopeLibrary')}</option>
        </select>
      </label>
      {askedDatasetMissing ? <p className="emb-failed">{t('embeddings.scopeDatasetGone')}</p> : null}
      <label>
        {t('embeddings.model')}
        <select value={modelId} onChange={(e) => setModelId(e.target.value)} data-testid="emb-model">
          {models.data?.map((m) => (
            <option key={m.id} value={m.id} disabled={!m.installed}>
              {m.name} ({m.dimension}){m.installed ? '' : ` — ${t('embeddings.notInstalled')}`}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('embeddings.index')}
        {existing ? (
          <span data-testid="emb-existing-index">{t('embeddings.addTo', { name: existing.name })}</span>
        ) : (
          <input type="text" value={name} onChange={(e) => setName(e.target.value)} placeholder={t('embeddings.newIndexName')} maxLength={120} data-testid="emb-new-name" />
        )}
      </label>
      <button type="submit" className="button button-primary" disabled={extract.isPending} data-testid="emb-start">
        {t('embeddings.start')}
      </button>
    </form>
  );
}

function IndexTable({ projects, datasets, indexes }: { projects: readonly Project[] | undefined; datasets: readonly Dataset[] | undefined; indexes: readonly VectorIndexInfo[] }) {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const { refresh, onError } = useEmbeddingsCall();
  const [deleting, setDeleting] = useState<VectorIndexInfo | null>(null);
  const rebuild = useMutation({ mutationFn: (id: string) => backend.call('embeddings.rebuildIndex', { id }), onError, onSettled: refresh });
  const remove = useMutation({ mutationFn: (id: string) => backend.call('embeddings.deleteIndex', { id }), onError, onSettled: refresh });
  return (
    <section aria-labelledby="emb-indexes-title">
      <h2 id="emb-indexes-title">{t('embeddings.indexesTitle')}</h2>
      {indexes.length === 0 ? (
        <p className="muted">{t('embeddings.noIndexes')}</p>
      ) : (
        <table className="emb-table" data-testid="emb-indexes">
          <thead>
            <tr>
              <th>{t('embeddings.name')}</th>
              <th>{t('embeddings.scope')}</th>
              <th>{t('embeddings.model')}</th>
              <th>{t('embeddings.vectors')}</th>
              <th>{t('embeddings.state')}</th>
              <th>{t('embeddings.created')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {indexes.map((i) => (
              <tr key={i.id} data-testid="emb-index" data-index-id={i.id} data-state={i.state} data-vectors={i.vectors} data-failed={i.failed}>
                <td>{i.name}</td>
                <td>{scopeLabel(t, i.scope, projects, datasets)}</td>
                <td>
                  <code>{i.modelId}</code>
                </td>
                <td>
                  {formatNumber(i.vectors, i18n.language)}
                  {i.failed ? <span className="emb-failed"> {t('embeddings.failedCount', { count: i.failed })}</span> : null}
                </td>
                <td>{t(`embeddings.stateName.${i.state}`)}</td>
                <td>{formatDateTime(i.createdAt, i18n.language)}</td>
                <td className="emb-actions">
                  <button type="button" className="button" onClick={() => rebuild.mutate(i.id)} disabled={i.state === 'extracting'} data-testid="emb-rebuild">
                    {t('embeddings.rebuild')}
                  </button>
                  <button type="button" className="button button-danger-outline" onClick={() => setDeleting(i)} data-testid="emb-delete">
                    {t('embeddings.delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {deleting ? (
        <ConfirmDialog
          title={t('embeddings.deleteTitle', { name: deleting.name })}
          body={t('embeddings.deleteBody')}
          confirmLabel={t('embeddings.delete')}
          cancelLabel={t('embeddings.cancel')}
          danger
          onConfirm={() => {
            remove.mutate(deleting.id);
            setDeleting(null);
          }}
          onCancel={() => setDeleting(null)}
        />
      ) : null}
    </section>
  );
}

function Jobs() {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const { refresh, onError } = useEmbeddingsCall();
  const jobs = useQuery({ queryKey: [...embeddingsKey, 'jobs'], queryFn: () => backend.call('queue.list', { type: 'embeddings.extract', limit: 20 }) });
  const cancel = useMutation({ mutationFn: (id: string) => backend.call('queue.cancel', { id }), onError, onSettled: refresh });
  const items = jobs.data?.items ?? [];
  return (
    <section aria-labelledby="emb-jobs-title">
      <h2 id="emb-jobs-title">{t('embeddings.jobsTitle')}</h2>
      {items.length === 0 ? (
        <p className="muted">{t('embeddings.noJobs')}</p>
      ) : (
        <ul className="emb-jobs">
          {items.map((j) => (
            <li key={j.id} data-testid="emb-job" data-state={j.state}>
              <strong>{j.label ?? j.id}</strong>
              <span>{j.state === 'running' ? `${j.stage ? stageLabel(t, j.stage) : ''} ${j.percent === null ? '' : `${formatNumber(j.percent, i18n.language)} %`}` : t(`embeddings.jobState.${j.state}`, { defaultValue: j.state })}</span>
              {j.state === 'running' && j.percent !== null ? <progress max={100} value={j.percent} /> : null}
              {j.error ? <span className="emb-failed">{errorText(t, j.errorCode, j.error)}</span> : null}
              {j.state === 'running' || j.state === 'pending' ? (
                <button type="button" className="button" onClick={() => cancel.mutate(j.id)}>
                  {t('embeddings.cancel')}
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function EmbeddingsPage() {
  const { t } = useTranslation();
  const backend = useBackend();
  const projects = useQuery({ queryKey: [...embeddingsKey, 'projects'], queryFn: () => backend.call('projects.list', {}) });
  const datasets = useQuery({ queryKey: [...embeddingsKey, 'datasets'], queryFn: () => backend.call('datasets.list', {}) });
  const indexes = useQuery({ queryKey: [...embeddingsKey, 'indexes'], queryFn: () => backend.call('embeddings.indexes', {}) });
  return (
    <div className="page embeddings-page" data-testid="page-embeddings">
      <h1>{t('embeddings.title')}</h1>
      <ExtractForm projects={projects.data ?? []} datasets={datasets.data ?? []} indexes={indexes.data ?? []} />
      <IndexTable projects={projects.data} datasets={datasets.data} indexes={indexes.data ?? []} />
      <Jobs />
    </div>
  );
}
