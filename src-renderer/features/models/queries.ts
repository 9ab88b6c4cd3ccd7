import type { TFunction } from 'i18next';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { ModelInfo } from '../../../src-shared/contract/index.js';
import { invalidateFresh } from '../../app/refetch.js';
import { useBackend } from '../../backend/index.js';

export const modelsKey = ['models'] as const;
export const inferenceStatusKey = ['inference-status'] as const;

export function useModels() {
  const backend = useBackend();
  return useQuery({ queryKey: modelsKey, queryFn: () => backend.call('models.list', {}) });
}

export function useInferenceStatus() {
  const backend = useBackend();
  return useQuery({ queryKey: inferenceStatusKey, queryFn: () => backend.call('inference.status', {}) });
}

/** A model that can run now or installs itself on first use (package models assemble offline). */
export function isUsable(m: ModelInfo): boolean {
  return m.status === 'ready' || (m.source === 'package' && m.status !== 'downloading');
}

/** Installed once, its file now gone or damaged, or the last install failed. */
export function isBroken(m: ModelInfo): boolean {
  return m.status === 'missing' || m.status === 'corrupt' || m.status === 'failed';
}

/**
 * models.download answers when a package model is assembled, or at once for a download
 * (progress comes as events). A damaged file is deleted first: the library is
 * content-addressed, and the engine keeps a file already at the model's address, so a
 * new copy would otherwise be thrown away and the damaged one kept. Deleting also drops
 * the model as its task's default, so that choice is put back.
 */
export function useInstallModel() {
  const backend = useBackend();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      const known = queryClient.getQueryData<ModelInfo[]>(modelsKey)?.find((m) => m.id === id) ?? (await backend.call('models.list', {})).find((m) => m.id === id);
      if (known?.status === 'corrupt' && known.source !== 'user') {
        await backend.call('models.delete', { id });
        const installed = await backend.call('models.download', { id });
        return known.isDefault ? backend.call('models.setDefault', { id }) : installed;
      }
      return backend.call('models.download', { id });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: modelsKey }),
  });
}

export function useModelAction() {
  const backend = useBackend();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (v: { method: 'models.cancel' | 'models.delete' | 'models.setDefault'; id: string }) => backend.call(v.method, { id: v.id }) as Promise<unknown>,
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: modelsKey });
      void queryClient.invalidateQueries({ queryKey: inferenceStatusKey });
    },
  });
}

/** The models list and the loaded sessions, fetched again (a run loaded its model, a download ended). */
export function refreshModels(queryClient: QueryClient): void {
  void invalidateFresh(queryClient, modelsKey);
  void invalidateFresh(queryClient, inferenceStatusKey);
}

/** A model as a choice in another feature's form: its name, whether it is the default, and why it cannot be chosen. */
export function modelChoiceLabel(t: TFunction, m: ModelInfo): string {
  return `${m.name}${m.isDefault ? ` (${t('models.default')})` : ''}${!isUsable(m) ? ` (${t(`models.status.${m.status}`)})` : ''}`;
}
