import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { AssetsDeleted, ListedAsset, Project } from '../../../src-shared/contract/index.js';
import { useBackend, type RendererBackend } from '../../backend/index.js';
import { viewKey, type ListView } from './view-store.js';

/** Assets are fetched in pages of this many as the grid scrolls. */
export const PAGE_SIZE = 200;

export const projectsKey = ['projects'] as const;
export const projectKey = (id: string) => ['project', id] as const;
/** Prefix of every page of a project's assets. */
export const assetsKey = (projectId: string) => ['assets', projectId] as const;
export const assetPageKey = (projectId: string, view: ListView, page: number) => ['assets', projectId, viewKey(view), page] as const;
export const skippedKey = (projectId: string) => ['skipped', projectId] as const;

export interface AssetPage {
  items: ListedAsset[];
  total: number;
}

export function useProjects() {
  const backend = useBackend();
  return useQuery({ queryKey: projectsKey, queryFn: () => backend.call('projects.list', {}) });
}

export function useProject(id: string | null) {
  const backend = useBackend();
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: projectKey(id ?? ''),
    queryFn: () => backend.call('projects.get', { id: id! }),
    enabled: id !== null,
    // The list usually has it already: show that while the fresh one loads.
    placeholderData: () => queryClient.getQueryData<Project[]>(projectsKey)?.find((p) => p.id === id),
    retry: (count, err) => (err as { code?: string }).code !== 'not_found' && count < 2,
  });
}

/** One page of the grid's listing: sorted, filtered and searched by the engine, so 10,000 images cost one page. */
export function fetchPage(backend: RendererBackend, projectId: string, view: ListView, page: number): Promise<AssetPage> {
  return backend.call('assets.list', { projectId, offset: page * PAGE_SIZE, limit: PAGE_SIZE, ...view, ...(view.query ? {} : { query: undefined }) });
}

/** The pages the grid needs right now; a page stays cached when scrolled away from. */
export function useAssetPages(projectId: string, view: ListView, pages: readonly number[]) {
  const backend = useBackend();
  return useQueries({
    queries: pages.map((page) => ({
      queryKey: assetPageKey(projectId, view, page),
      queryFn: () => fetchPage(backend, projectId, view, page),
      // Imported images never change; new ones, results and deletes come with invalidation.
      staleTime: 60_000,
      // A new order or filter keeps the old cells on screen until its page arrives.
      placeholderData: keepPreviousData,
    })),
  });
}

/** The asset at a position in the grid's order (the lightbox walks with it). */
export function useAssetAt(projectId: string, view: ListView, index: number) {
  const backend = useBackend();
  const page = Math.floor(index / PAGE_SIZE);
  const query = useQuery({
    queryKey: assetPageKey(projectId, view, page),
    queryFn: () => fetchPage(backend, projectId, view, page),
    staleTime: 60_000,
    placeholderData: keepPreviousData,
  });
  const samePage = !query.isPlaceholderData;
  return {
    asset: samePage ? (query.data?.items[index - page * PAGE_SIZE] ?? null) : null,
    total: query.data?.total ?? 0,
    isLoading: query.isLoading || query.isPlaceholderData,
  };
}

export function useSkipped(projectId: string, enabled: boolean) {
  const backend = useBackend();
  return useQuery({ queryKey: skippedKey(projectId), queryFn: () => backend.call('import.skipped', { projectId }), enabled });
}

function replaceInList(queryClient: QueryClient, project: Project): void {
  queryClient.setQueryData<Project[]>(projectsKey, (list) => list?.map((p) => (p.id === project.id ? project : p)));
  queryClient.setQueryData(projectKey(project.id), project);
}

export function useRenameProject() {
  const backend = useBackend();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: string; name: string }) => backend.call('projects.rename', v),
    // Show the new name at once; the answer (or a refetch after an error) settles it.
    onMutate: async ({ id, name }) => {
      await queryClient.cancelQueries({ queryKey: projectsKey });
      const before = queryClient.getQueryData<Project[]>(projectsKey);
      const project = before?.find((p) => p.id === id);
      if (project) replaceInList(queryClient, { ...project, name });
      return { before };
    },
    onError: (_err, _v, context) => {
      if (context?.before) queryClient.setQueryData(projectsKey, context.before);
    },
    onSuccess: (project) => replaceInList(queryClient, project),
    onSettled: () => queryClient.invalidateQueries({ queryKey: projectsKey }),
  });
}

export function useDeleteProject() {
  const backend = useBackend();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => backend.call('projects.delete', { id }),
    onSuccess: (_r, id) => {
      queryClient.setQueryData<Project[]>(projectsKey, (list) => list?.filter((p) => p.id !== id));
      queryClient.removeQueries({ queryKey: projectKey(id) });
      queryClient.removeQueries({ queryKey: assetsKey(id) });
      queryClient.removeQueries({ queryKey: skippedKey(id) });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: projectsKey }),
  });
}

/** Everything a change of a project's images makes stale: the project, its pages, the list. */
function refreshProject(queryClient: QueryClient, projectId: string): void {
  void queryClient.invalidateQueries({ queryKey: projectsKey });
  void queryClient.invalidateQueries({ queryKey: projectKey(projectId) });
  void queryClient.invalidateQueries({ queryKey: assetsKey(projectId) });
  // Other features' per-image queries (results) are keyed by project too.
  void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[1] === projectId });
}

/** Deletes images (with their results); the answer's token undoes it for a while. */
export function useDeleteAssets(projectId: string) {
  const backend = useBackend();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (ids: string[]): Promise<AssetsDeleted> => backend.call('assets.delete', { ids }),
    onSettled: () => refreshProject(queryClient, projectId),
  });
}

export function useRestoreAssets(projectId: string) {
  const backend = useBackend();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (undoToken: string) => backend.call('assets.restore', { undoToken }),
    onSettled: () => refreshProject(queryClient, projectId),
  });
}

export function useMoveAssets(projectId: string) {
  const backend = useBackend();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (v: { ids: string[]; to: string }) => backend.call('assets.move', { ids: v.ids, projectId: v.to }),
    onSettled: (_r, _e, v) => {
      refreshProject(queryClient, projectId);
      refreshProject(queryClient, v.to);
    },
  });
}
