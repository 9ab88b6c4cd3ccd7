import { useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ModelTask, type InferenceStatus, type ModelInfo } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { ConfirmDialog } from '../../ui/Dialog.js';
import { formatBytes, formatDuration, formatRelative } from '../../ui/format.js';
import { showToast } from '../../ui/toasts.js';
import { isBroken, isUsable, modelsKey, useInferenceStatus, useInstallModel, useModelAction, useModels } from './queries.js';

function statusKey(m: ModelInfo): string {
  return `models.status.${m.status}`;
}

function ProviderLine({ status }: { status: InferenceStatus }) {
  const { t, i18n } = useTranslation();
  return (
    <section className="settings-section inference" aria-labelledby="models-runtime" data-testid="inference-status">
      <h2 id="models-runtime">{t('models.runtime')}</h2>
      <ul className="provider-list">
        {status.providers.map((p) => (
          <li key={p.name} className={`provider provider-${p.state}`} data-testid="provider" data-provider={p.name} data-state={p.state} title={p.detail ?? undefined}>
            <strong>{t(`providers.${p.name}`)}</strong>
            <span>{t(`models.providerState.${p.state}`)}</span>
            {p.detail && p.state === 'unavailable' ? <span className="muted provider-detail">{p.detail}</span> : null}
          </li>
        ))}
      </ul>
      <p className="muted">
        {t('models.runtimeFigures', {
          threads: status.intraOpThreads,
          budget: formatBytes(status.memoryBudgetBytes, i18n.language),
          idle: formatDuration(status.idleUnloadMs, i18n.language),
        })}
      </p>
      {status.sessions.length ? (
        <table className="data-table" data-testid="sessions">
          <caption className="visually-hidden">{t('models.sessions')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('models.loadedModel')}</th>
              <th scope="col">{t('models.provider')}</th>
              <th scope="col" className="num">{t('models.memory')}</th>
              <th scope="col" className="num">{t('models.runs')}</th>
              <th scope="col">{t('models.lastUsed')}</th>
            </tr>
          </thead>
          <tbody>
            {status.sessions.map((s) => (
              <tr key={s.modelId}>
                <td>
                  <code>{s.modelId}</code>
                </td>
                <td>{t(`providers.${s.provider}`)}</td>
                <td className="num">{formatBytes(s.approxBytes, i18n.language)}</td>
                <td className="num">{s.runs}</td>
                <td>{formatRelative(s.lastUsedAt, i18n.language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">{t('models.noSessions')}</p>
      )}
    </section>
  );
}

function ModelCard({ model, providerInUse }: { model: ModelInfo; providerInUse: string | null }) {
  const { t, i18n } = useTranslation();
  const install = useInstallModel();
  const action = useModelAction();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const onError = (err: unknown) => showToast({ kind: 'error', title: t('toast.error', { message: (err as Error).message }) });
  const lang = i18n.language;
  const downloading = model.status === 'downloading' || install.isPending;
  const progress = model.progress;
  const percent = progress && progress.total ? Math.floor((100 * progress.received) / progress.total) : null;
  const installed = model.status === 'ready' || isBroken(model);
  const link = model.downloadUrl ?? model.homepage;
  const provider = model.provider ?? providerInUse;

  return (
    <li className={`model-card ${model.isDefault ? 'is-default' : ''}`} data-testid="model-row" data-model-id={model.id} data-status={model.status} data-default={model.isDefault}>
      <div className="model-head">
        <div>
          <h3 className="model-name">{model.name}</h3>
          <code className="muted">{model.id}</code>
        </div>
        <div className="model-badges">
          {model.isDefault ? (
            <span className="state-badge state-default" data-testid="model-default">
              {t('models.default')}
            </span>
          ) : null}
          <span className={`state-badge model-status-${model.status}`} data-testid="model-status">
            {model.status === 'downloading' && percent !== null ? t('models.status.downloadingPercent', { percent }) : t(statusKey(model))}
          </span>
        </div>
      </div>
      <p className="model-description">{model.description}</p>
      <dl className="details model-details">
        <dt>{t('models.task')}</dt>
        <dd>{t(`tasks.${model.task}`)}</dd>
        <dt>{t('models.size')}</dt>
        <dd>
          {model.sizeBytes ? formatBytes(model.sizeBytes, lang) : '—'} · {t('models.input', { width: model.inputSize[0], height: model.inputSize[1] })}
        </dd>
        <dt>{t('models.licence')}</dt>
        <dd data-testid="model-licence">
          {model.licenceUrl ? (
            <a href={model.licenceUrl} target="_blank" rel="noreferrer noopener">
              {model.licence}
            </a>
          ) : (
            model.licence
          )}
        </dd>
        <dt>{t('models.source')}</dt>
        <dd data-testid="model-source">
          {t(`models.sources.${model.source}`)}
          {model.homepage ? (
            <>
              {' · '}
              <a href={model.homepage} target="_blank" rel="noreferrer noopener">
                {t('models.homepage')}
              </a>
            </>
          ) : null}
        </dd>
        <dt>{t('models.provider')}</dt>
        <dd data-testid="model-provider">{provider ? t(`providers.${provider}`) : <span className="muted">{t('models.notLoaded')}</span>}</dd>
        {model.sha256 ? (
          <>
            <dt>SHA-256</dt>
            <dd>
              <code className="hash" title={model.sha256}>
                {model.sha256.slice(0, 16)}…
              </code>
            </dd>
          </>
        ) : null}
      </dl>
      {downloading ? (
        <div className="model-progress" data-testid="model-progress">
          <progress
            max={progress?.total || undefined}
            value={progress?.total ? progress.received : undefined}
            aria-label={t('models.installing', { name: model.name })}
          />
          <span className="muted">
            {progress?.total
              ? t('models.received', { received: formatBytes(progress.received, lang), total: formatBytes(progress.total, lang) })
              : t('models.installingShort')}
          </span>
        </div>
      ) : null}
      {model.error && model.status !== 'ready' && model.status !== 'downloading' ? (
        <p className="error model-error" role="alert" data-testid="model-error">
          {model.error}
        </p>
      ) : model.status === 'missing' ? (
        <p className="error model-error" role="alert" data-testid="model-error">
          {t('models.missingFile')}
        </p>
      ) : null}
      <div className="model-actions">
        {model.status === 'downloading' && model.source === 'catalog' ? (
          <button type="button" className="button" onClick={() => action.mutate({ method: 'models.cancel', id: model.id }, { onError })} data-testid="model-cancel">
            {t('models.cancelDownload')}
          </button>
        ) : null}
        {(model.status === 'available' || isBroken(model)) && !downloading ? (
          <button
            type="button"
            className={`button ${isBroken(model) ? 'button-primary' : ''}`}
            onClick={() =>
              install.mutate(model.id, {
                onError,
                onSuccess: (m) => (m.status === 'ready' ? showToast({ kind: 'success', title: t('models.installedToast', { name: m.name }) }) : undefined),
              })
            }
            data-testid="model-install"
          >
            {isBroken(model) ? t('models.reinstall') : model.source === 'package' ? t('models.install') : t('models.download')}
          </button>
        ) : null}
        {model.status === 'manual' && link ? (
          <a className="button" href={link} target="_blank" rel="noreferrer noopener" data-testid="model-manual">
            {t('models.getFile')}
          </a>
        ) : null}
        {/* An embedder is chosen per extraction on the Embeddings page, not as a default. */}
        {!model.isDefault && model.task !== 'embedding' ? (
          <button
            type="button"
            className="button"
            disabled={!isUsable(model) || action.isPending}
            title={isUsable(model) ? undefined : t('models.installFirst')}
            onClick={() =>
              action.mutate(
                { method: 'models.setDefault', id: model.id },
                { onError, onSuccess: () => showToast({ kind: 'success', title: t('models.defaultToast', { name: model.name, task: t(`tasks.${model.task}`) }) }) },
              )
            }
            data-testid="model-set-default"
          >
            {t('models.setDefault')}
          </button>
        ) : null}
        {installed ? (
          <button type="button" className="button button-danger-outline" onClick={() => setConfirmDelete(true)} data-testid="model-delete">
            {t('common.delete')}
          </button>
        ) : null}
      </div>
      {confirmDelete ? (
        <ConfirmDialog
          title={t('models.deleteTitle', { name: model.name })}
          body={model.source === 'user' ? t('models.deleteBodyUser') : t('models.deleteBody')}
          confirmLabel={t('common.delete')}
          cancelLabel={t('common.cancel')}
          danger
          busy={action.isPending}
          onCancel={() => setConfirmDelete(false)}
          onConfirm={() => action.mutate({ method: 'models.delete', id: model.id }, { onError, onSettled: () => setConfirmDelete(false) })}
        />
      ) : null}
    </li>
  );
}

/**
 * The engine checks an imported model (it must load and its input and output must fit
 * the task). The desktop app hands it the file's path; in the browser the file is sent
 * through the upload route first, since a page cannot name a local path.
 */
function ImportModel() {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const queryClient = useQueryClient();
  const fileId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [task, setTask] = useState<ModelTask>('background-removal');
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState<{ loaded: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const canImport = backend.kind === 'electron' ? Boolean(backend.pathsForFiles) : Boolean(backend.upload);

  const submit = async () => {
    if (!file) return;
    setError(null);
    setBusy({ loaded: 0, total: file.size });
    try {
      const named = name.trim() ? { name: name.trim() } : {};
      let model: ModelInfo;
      if (backend.kind === 'electron' && backend.pathsForFiles) {
        const [path] = backend.pathsForFiles([file]);
        if (!path) throw new Error(t('models.noPath'));
        model = await backend.call('models.import', { path, task, ...named });
      } else if (backend.upload) {
        const { uploadId } = await backend.upload(file, file.name, (p) => setBusy(p));
        setBusy({ loaded: file.size, total: file.size });
        model = await backend.call('models.import', { uploadId, task, ...named });
      } else {
        throw new Error(t('models.importUnavailable'));
      }
      showToast({ kind: 'success', title: t('models.importedToast', { name: model.name }) });
      setFile(null);
      setName('');
      if (inputRef.current) inputRef.current.value = '';
      void queryClient.invalidateQueries({ queryKey: modelsKey });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="settings-section model-import" aria-labelledby="models-import-title" data-testid="model-import">
      <h2 id="models-import-title">{t('models.importTitle')}</h2>
      <p className="muted">{backend.kind === 'electron' ? t('models.importHintDesktop') : t('models.importHintWeb')}</p>
      {canImport ? (
        <form
          className="import-form"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <div className="field">
            <span className="field-label" id={`${fileId}-label`}>
              {t('models.file')}
            </span>
            {/* The browser's own file button speaks the browser's language, not the app's: ours stands in for it. */}
            <label className="button file-button">
              <input
                ref={inputRef}
                className="visually-hidden"
                type="file"
                accept=".onnx"
                aria-labelledby={`${fileId}-label`}
                onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
                data-testid="model-import-file"
              />
              {t('models.chooseFile')}
            </label>
            <span className={file ? '' : 'muted'} data-testid="model-import-name">
              {file ? `${file.name} · ${formatBytes(file.size, i18n.language)}` : t('models.noFile')}
            </span>
          </div>
          <div className="field">
            <label htmlFor={`${fileId}-task`}>{t('models.task')}</label>
            <select id={`${fileId}-task`} value={task} onChange={(e) => setTask(e.currentTarget.value as ModelTask)}>
              {ModelTask.options.map((x) => (
                <option key={x} value={x}>
                  {t(`tasks.${x}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${fileId}-name`}>{t('models.nameOptional')}</label>
            <input id={`${fileId}-name`} type="text" value={name} maxLength={120} onChange={(e) => setName(e.currentTarget.value)} />
          </div>
          {busy ? (
            <div className="model-progress">
              <progress max={busy.total || 1} value={busy.loaded} aria-label={t('models.importing')} />
              <span className="muted">{busy.loaded < busy.total ? t('models.uploading') : t('models.checking')}</span>
            </div>
          ) : null}
          {error ? (
            <p className="error" role="alert" data-testid="model-import-error">
              {error}
            </p>
          ) : null}
          <button type="submit" className="button button-primary" disabled={!file || busy !== null} data-testid="model-import-submit">
            {t('models.importButton')}
          </button>
        </form>
      ) : (
        <p className="muted">{t('models.importUnavailable')}</p>
      )}
    </section>
  );
}

/** Every model the engine knows: status, size, licence, source and provider; install, import, delete, choose the default. */
export function ModelsPage() {
  const { t } = useTranslation();
  const models = useModels();
  const status = useInferenceStatus();
  const inUse = new Map((status.data?.sessions ?? []).map((s) => [s.modelId, s.provider]));

  return (
    <div className="page models-page" data-testid="page-models">
      <h1>{t('models.title')}</h1>
      <p className="intro">{t('models.intro')}</p>
      {models.isError ? (
        <p className="error" role="alert">
          {(models.error as Error).message}
        </p>
      ) : !models.data ? (
        <p className="muted">{t('common.loading')}</p>
      ) : (
        ModelTask.options.map((task) => {
          const list = models.data.filter((m) => m.task === task);
          return (
            <section key={task} className="model-task" aria-labelledby={`task-${task}`} data-testid="model-task" data-task={task}>
              <h2 id={`task-${task}`}>{t(`tasks.${task}`)}</h2>
              {list.length === 0 ? (
                <p className="muted">{t('models.noneForTask')}</p>
              ) : (
                <ul className="model-list" data-testid="model-list">
                  {list.map((m) => (
                    <ModelCard key={m.id} model={m} providerInUse={inUse.get(m.id) ?? null} />
                  ))}
                </ul>
              )}
            </section>
          );
        })
      )}
      <ImportModel />
      {status.data ? (
        <ProviderLine status={status.data} />
      ) : status.isError ? (
        <p className="error">{(status.error as Error).message}</p>
      ) : (
        <p className="muted">{t('models.probing')}</p>
      )}
    </div>
  );
}
