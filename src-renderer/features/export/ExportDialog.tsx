import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ExportOptions, Project } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { Dialog } from '../../ui/Dialog.js';
import { callErrorText } from '../../app/labels.js';

type Include = ExportOptions['include'];
const CHOICES: readonly Include[] = ['both', 'originals', 'results'];

/**
 * The project toolbar's Export button: web mode downloads what the engine streams; the
 * desktop app writes a ZIP or a folder where the user picks in the OS dialog.
 */
export function ExportButton({ project, open }: { project: Project; open: () => void }) {
  const { t } = useTranslation();
  const backend = useBackend();
  if ((!backend.downloadUrl && !backend.choosePath) || project.assetCount === 0) return null;
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
  if (!backend.downloadUrl && !backend.choosePath) return null;
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
      {backend.downloadUrl ? (
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          {/* A link, not a fetch: the browser streams the ZIP to disk however large it is. */}
          <a className="button button-primary" href={backend.downloadUrl('project-zip', { projectId: project.id, options: { include } })} download onClick={() => setTimeout(onClose, 0)} data-testid="export-download">
            {t('export.download')}
          </a>
        </div>
      ) : (
        <DesktopExport project={project} include={include} onClose={onClose} />
      )}
    </Dialog>
  );
}

type Written = { path: string; files: number; bytes: number };

/**
 * The desktop app's export: the OS dialog picks where (a ZIP file, or a folder in which a
 * new folder named after the project is made), the engine writes there, and the result
 * offers to show it in the file manager.
 */
function DesktopExport({ project, include, onClose }: { project: Project; include: Include; onClose: () => void }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const [written, setWritten] = useState<Written | null>(null);
  const write = useMutation({
    mutationFn: async (to: 'zip' | 'folder'): Promise<Written | null> => {
      if (to === 'zip') {
        const destPath = await backend.choosePath?.({ kind: 'save', defaultName: `${project.name}.zip`, filters: [{ name: 'ZIP', extensions: ['zip'] }] });
        if (!destPath) return null;
        const r = await backend.call('export.projectZip', { projectId: project.id, destPath, options: { include } });
        return { path: r.path, files: r.entries, bytes: r.bytes };
      }
      const destDir = await backend.choosePath?.({ kind: 'folder' });
      if (!destDir) return null;
      return backend.call('export.projectFolder', { projectId: project.id, destDir, options: { include } });
    },
    onSuccess: (r) => r && setWritten(r),
  });
  return (
    <>
      {write.isPending ? (
        <p className="muted" role="status" aria-live="polite">
          {t('export.writing')}
        </p>
      ) : null}
      {write.error ? (
        <p className="error" role="alert">
          {callErrorText(t, write.error)}
        </p>
      ) : null}
      {written ? (
        <p role="status" data-testid="export-written">
          {t('export.written', { count: written.files, path: written.path })}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          {written ? t('common.close') : t('common.cancel')}
        </button>
        {written && backend.revealPath ? (
          <button type="button" className="button" onClick={() => void backend.revealPath?.(written.path)} data-testid="export-reveal">
            {t('export.reveal')}
          </button>
        ) : null}
        <button type="button" className="button" disabled={write.isPending} onClick={() => write.mutate('folder')} data-testid="export-folder">
          {t('export.toFolder')}
        </button>
        <button type="button" className="button button-primary" disabled={write.isPending} onClick={() => write.mutate('zip')} data-testid="export-save-zip">
          {t('export.saveZip')}
        </button>
      </div>
    </>
  );
}
