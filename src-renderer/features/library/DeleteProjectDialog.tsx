import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Project } from '../../../src-shared/contract/index.js';
import { currentRoute, navigate } from '../../app/router.js';
import { ConfirmDialog } from '../../ui/Dialog.js';
import { showToast } from '../../ui/toasts.js';
import { endDelete, useIntents } from './intents.js';
import { projectKey, projectsKey, useDeleteProject } from './queries.js';
import { callErrorText } from '../../app/labels.js';

/** The one confirmation for deleting a project, whichever button or key asked for it. */
export function DeleteProjectDialog() {
  const { t } = useTranslation();
  const { deletingId } = useIntents();
  const queryClient = useQueryClient();
  const remove = useDeleteProject();
  if (!deletingId) return null;
  const project =
    queryClient.getQueryData<Project[]>(projectsKey)?.find((p) => p.id === deletingId) ?? queryClient.getQueryData<Project>(projectKey(deletingId));
  if (!project) return null;

  const confirm = () => {
    remove.mutate(project.id, {
      onSuccess: () => {
        endDelete();
        showToast({ kind: 'success', title: t('projects.deletedToast', { name: project.name }) });
        const route = currentRoute();
        if (route.projectId === project.id) navigate({ page: route.page, projectId: null }, { replace: true });
      },
      onError: (err) => {
        endDelete();
        showToast({ kind: 'error', title: t('toast.error', { message: callErrorText(t, err) }) });
      },
    });
  };

  return (
    <ConfirmDialog
      title={t('projects.deleteTitle', { name: project.name })}
      body={t('projects.deleteBody', { count: project.assetCount })}
      confirmLabel={t('common.delete')}
      cancelLabel={t('common.cancel')}
      danger
      busy={remove.isPending}
      onConfirm={confirm}
      onCancel={endDelete}
    />
  );
}
