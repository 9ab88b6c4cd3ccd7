import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ModelInfo } from '../../../src-shared/contract/index.js';
import { invalidateFresh } from '../../app/refetch.js';
import { throttle } from '../../app/throttle.js';
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

/**
 * Engine events → the models list: download progress is written into the cached list
 * (no refetch per chunk); other changes refetch it, at most twice a second.
 */
export function useModelsLive(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  useEffect(() => {
    const refresh = throttle(() => {
      void invalidateFresh(queryClient, modelsKey);
      void invalidateFresh(queryClient, inferenceStatusKey);
    }, 500);
    const off = backend.subscribe((event) => {
      if (event.type === 'models.progress') {
        const p = event.payload;
        queryClient.setQueryData<ModelInfo[]>(modelsKey, (list) =>
          list?.map((m) =>
            m.id === p.id ? { ...m, status: p.status, error: p.error, progress: p.status === 'downloading' ? { received: p.received, total: p.total } : m.progress } : m,
          ),
        );
        if (p.status !== 'downloading') refresh();
      } else if (event.type === 'models.changed') {
        refresh();
      } else if (event.type === 'remove-background.progress' && event.payload.state !== 'queued' && event.payload.state !== 'running') {
        // A run loads its model: the provider in use and the loaded sessions change.
        refresh();
      }
    });
    return () => {
      off();
      refresh.cancel();
    };
  }, [backend, queryClient]);
}
