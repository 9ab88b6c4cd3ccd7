import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ExportOptions, Project } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { Dialog } from '../../ui/Dialog.js';

type Include = ExportOptions['include'];
const CHOICES: readonly Include[] = ['both', 'originals', 'results'];

/**
 * The project toolbar's Export button, in web mode. The desktop app has no download
 * route (it would write through export.projectZip to a path from a save dialog, which is
 * not built yet), so it shows nothing.
 */
export function ExportButton({ project, open }: { project: Project; open: () => void }) {
  const { t } = useTranslation();
  const backend = useBackend();
  if (!backend.downloadUrl || project.assetCount === 0) return null;
  return (
    <button type="button" className="button" onClick={open} data-testid="project-export">
      {t('export.zip')}
    </button>
  );
}

/** What goes in the ZIP: originals, results or both; the browser downloads what the engine streams. */
export function ExportDialog({ project, onClose }: { project: Project; onClose: () => void }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const [include, setInclude] = useState<Include>('both');
  // How many originals have a result: "results" alone is no choice when none has.
  const withResults = useQuery({
    queryKey: ['export-with-results', project.id],
    queryFn: async () => (await backend.call('assets.list', { projectId: project.id, offset: 0, limit: 1, filter: 'has_result' })).total,
  }).data;
  if (!backend.downloadUrl) return null;
  const href = backend.downloadUrl('project-zip', { projectId: project.id, options: { include } });
  return (
    <Dialog title={t('export.title', { name: project.name })} onClose={onClose} testId="export-dialog">
      <fieldset className="choice-group">
        <legend>{t('export.include')}</legend>
        {CHOICES.map((c) => {
          const disabled = c === 'results' && withResults === 0;
          return (
            <label key={c} className={`choice ${disabled ? 'is-disabled' : ''}`}>
              <input type="radio" name="include" value={c} checked={include === c} disabled={disabled} onChange={() => setInclude(c)} data-testid={`export-include-${c}`} />
              <span>
                {t(`export.choices.${c}`)}
                <span className="muted"> · {t(`export.hints.${c}`, { count: withResults ?? 0 })}</span>
              </span>
            </label>
          );
        })}
      </fieldset>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          {t('common.cancel')}
        </button>
        {/* A link, not a fetch: the browser streams the ZIP to disk however large it is. */}
        <a className="button button-primary" href={href} download onClick={() => setTimeout(onClose, 0)} data-testid="export-download">
          {t('export.download')}
        </a>
      </div>
    </Dialog>
  );
}
