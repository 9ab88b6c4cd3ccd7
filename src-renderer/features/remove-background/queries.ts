import { useMutation, useQueries, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { DerivedResult, RemoveBackgroundOptionsInput } from '../../../src-shared/contract/index.js';
import type { VisiblePage } from '../../app/feature.js';
import { useBackend } from '../../backend/index.js';
import { runStore, type Scope } from './run-store.js';

/** Prefix of every query of a project's derived results. */
export const resultsKey = (projectId: string) => ['results', projectId] as const;
const pageResultsKey = (projectId: string, page: number, ids: string) => ['results', projectId, 'page', page, ids] as const;
const assetResultsKey = (projectId: string, assetId: string) => ['results', projectId, 'asset', assetId] as const;

export type ResultsBySource = ReadonlyMap<string, DerivedResult[]>;

function group(results: DerivedResult[]): Map<string, DerivedResult[]> {
  const map = new Map<string, DerivedResult[]>();
  for (const r of results) {
    const list = map.get(r.sourceAssetId);
    if (list) list.push(r);
    else map.set(r.sourceAssetId, [r]);
  }
  return map;
}

/**
 * Which originals on the grid's visible pages have results: one remove-background.results
 * call per page of originals (at most 200 ids), so a 10,000-image project never asks for all of them.
 */
export function usePageResults(projectId: string, visible: readonly VisiblePage[]): ResultsBySource {
  const backend = useBackend();
  return useQueries({
    queries: visible.map(({ page, assets }) => {
      const ids = assets?.map((a) => a.id) ?? [];
      return {
        queryKey: pageResultsKey(projectId, page, `${ids.length}:${ids[0] ?? ''}`),
        queryFn: () => backend.call('remove-background.results', { projectId, sourceAssetIds: ids }),
        enabled: ids.length > 0,
        staleTime: 60_000,
      };
    }),
    // A stable function: React Query re-runs it only when a page's answer changes, so the
    // grid's memoised rows keep their props while scrolling.
    combine: mergeResults,
  });
}

function mergeResults(results: { data?: DerivedResult[] | undefined }[]): ResultsBySource {
  const merged = new Map<string, DerivedResult[]>();
  for (const r of results) if (r.data) for (const [k, v] of group(r.data)) merged.set(k, v);
  return merged;
}

export function useAssetResults(projectId: string, assetId: string | null) {
  const backend = useBackend();
  return useQuery({
    queryKey: assetResultsKey(projectId, assetId ?? ''),
    queryFn: () => backend.call('remove-background.results', { projectId, sourceAssetIds: [assetId!] }),
    enabled: assetId !== null,
    staleTime: 60_000,
  });
}

export function useStartRun() {
  const backend = useBackend();
  return useMutation({
    mutationFn: async (v: { projectId: string; assetIds: string[] | null; options: RemoveBackgroundOptionsInput; modelId?: string }) => {
      const run = await backend.call('remove-background.run', {
        projectId: v.projectId,
        options: v.options,
        ...(v.assetIds ? { assetIds: v.assetIds } : {}),
        ...(v.modelId ? { modelId: v.modelId } : {}),
      });
      const scope: Scope = v.assetIds ? new Set(v.assetIds) : 'all';
      runStore.trackRun(run, scope);
      return run;
    },
  });
}

export function useCancelRun() {
  const backend = useBackend();
  return useMutation({
    mutationFn: (runId: string) => backend.call('remove-background.cancel', { runId }),
    onSuccess: (run) => runStore.updateRun(run, 'call'),
  });
}

/** Runs of a project still under way in the engine (after a reload, or started by the CLI). */
export function useRestoreRuns(projectId: string): void {
  const backend = useBackend();
  useEffect(() => {
    let stale = false;
    void (async () => {
      const { items } = await backend.call('queue.batches', { projectId, state: ['pending', 'running', 'paused'], limit: 20 });
      for (const b of items) {
        if (b.type !== 'remove-background') continue;
        const run = await backend.call('remove-background.get', { runId: b.id });
        if (!stale) runStore.updateRun(run, 'call');
      }
    })().catch(() => undefined);
    return () => {
      stale = true;
    };
  }, [backend, projectId]);
}
