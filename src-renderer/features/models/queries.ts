import type { TFunction } from 'i18next';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { ModelInfo } from '../../../src-shared/contract/index.js';
import { invalidateFresh } from '../../app/refetch.js';
import { useBackend, type RendererBackend } from '../../backend/index.js';

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

/** How often an install is asked after when its events stop coming (a dropped event link). */
const INSTALL_POLL_MS = 3_000;

/**
 * Resolves with the model once its install has ended (ready, failed, damaged): by its
 * models.progress events, or by asking when they stop coming.
 */
function installEnded(backend: RendererBackend, started: ModelInfo): Promise<ModelInfo> {
  if (started.status !== 'downloading') return Promise.resolve(started);
  return new Promise((resolve) => {
    let ended = false;
    const ask = async () => {
      const m = await backend.call('models.list', {}).then((list) => list.find((x) => x.id === started.id), () => undefined);
      if (!m || m.status === 'downloading' || ended) return;
      ended = true;
      off();
      clearInterval(timer);
      resolve(m);
    };
    const off = backend.subscribe((event) => {
      if (event.type === 'models.progress' && event.payload.id === started.id && event.payload.status !== 'downloading') void ask();
    });
    const timer = setInterval(() => void ask(), INSTALL_POLL_MS);
    void ask();
  });
}

/**
 * Installs a model and resolves when the install has ended (models.download answers at
 * once: the install is a queue job). A damaged file is deleted first: the library is
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
      const damaged = known?.status === 'corrupt' && known.source !== 'user';
      if (damaged) await backend.call('models.delete', { id });
      const installed = await installEnded(backend, await backend.call('models.download', { id }));
      return damaged && known.isDefault && installed.status === 'ready' ? backend.call('models.setDefault', { id }) : installed;
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
