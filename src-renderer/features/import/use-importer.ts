import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { ImportProgress } from '../../../src-shared/contract/index.js';
import { currentRoute, type Route } from '../../app/router.js';
import { useBackend } from '../../backend/index.js';
import { showToast } from '../../ui/toasts.js';
import { showProject } from '../library/public.js';
import { collectChosen, collectDropped, commonFolder, snapshotDataTransfer } from './collect-files.js';
import { importByPaths, importByUpload, type ImportTarget } from './importer.js';

export interface Importer {
  /** Call from the drop handler itself: the DataTransfer is read before it returns. */
  importDrop(dt: DataTransfer, target?: ImportTarget): void;
  importChosen(files: readonly File[], target?: ImportTarget): void;
}

/**
 * Shows the new project when the user is still where they dropped (never pulls them away
 * from elsewhere). A drop into an existing project stays put: its card's count and the
 * imports panel show the result, and the user may drop on the next card.
 */
function followImport(before: Route, progress: ImportProgress | null, target: ImportTarget): void {
  if (!progress || target.projectId) return;
  const now = currentRoute();
  if (now.page !== before.page || now.projectId !== before.projectId) return;
  if (progress.projectId === now.projectId) return;
  showProject(progress.projectId);
}

export function useImporter(): Importer {
  const backend = useBackend();
  const { t } = useTranslation();

  const nothing = useCallback(() => showToast({ kind: 'info', title: t('imports.nothingToImport') }), [t]);

  const importDrop = useCallback(
    (dt: DataTransfer, target: ImportTarget = {}) => {
      const before = currentRoute();
      if (backend.pathsForFiles) {
        const files = Array.from(dt.files);
        const paths = backend.pathsForFiles(files);
        if (paths.length === 0) return nothing();
        const label = files.length > 1 ? `${files[0]!.name} +${files.length - 1}` : (files[0]?.name ?? '');
        void importByPaths(backend, paths, label, target).then((p) => followImport(before, p, target));
        return;
      }
      const snapshot = snapshotDataTransfer(dt);
      if (snapshot.entries.length === 0 && snapshot.looseFiles.length === 0) return nothing();
      void importByUpload(backend, (onFound) => collectDropped(snapshot, onFound), target, nothing).then((p) => followImport(before, p, target));
    },
    [backend, nothing],
  );

  const importChosen = useCallback(
    (chosen: readonly File[], target: ImportTarget = {}) => {
      const before = currentRoute();
      const picked = collectChosen(chosen);
      if (picked.length === 0) return nothing();
      if (backend.pathsForFiles) {
        const paths = backend.pathsForFiles(picked.map((p) => p.file));
        if (paths.length === 0) return nothing();
        // The engine names a project after a dropped folder; chosen files come one by one, so name it here.
        const folder = commonFolder(picked);
        void importByPaths(backend, paths, folder ?? picked[0]!.relPath, { ...target, ...(folder ? { projectName: folder } : {}) }).then((p) =>
          followImport(before, p, target),
        );
        return;
      }
      void importByUpload(backend, async () => picked, target, nothing).then((p) => followImport(before, p, target));
    },
    [backend, nothing],
  );

  return { importDrop, importChosen };
}
