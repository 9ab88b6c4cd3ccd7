import { useTranslation } from 'react-i18next';
import type { Project } from '../../../src-shared/contract/index.js';
import { removeBackgroundIcon } from './icons.js';

/** The project toolbar's first button; B does the same. */
export function RemoveBackgroundButton({ project, open }: { project: Project; open: () => void }) {
  const { t } = useTranslation();
  return (
    <button
      type="button"
      className="button button-primary"
      data-testid="remove-background"
      onClick={open}
      disabled={project.assetCount === 0}
      title={`${t('removeBackground.title')} (B)`}
    >
      {removeBackgroundIcon}
      {t('removeBackground.title')}
    </button>
  );
}
