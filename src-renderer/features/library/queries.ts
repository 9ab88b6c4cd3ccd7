import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { Asset, Project } from '../../../src-shared/contract/index.js';
import { useBackend, type RendererBackend } from '../../backend/index.js';

/** Assets are fetched in pages of this many as the grid scrolls. */
export const PAGE_SIZE = 200;

export const projectsKey = ['projects'] as const;
export const projectKey = (id: string) => ['project', id] as const;
/** Prefix of every page of a project's assets. */
export const assetsKey = (projectId: string) => ['assets', projectId] as const;
export const assetPageKey = (projectId: string, page: number) => ['assets', projectId, page] as const;
export const skippedKey = (projectId: string) => ['skipped', projectId] as const;

export interface AssetPage {
  items: Asset[];
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

function fetchPage(backend: RendererBackend, projectId: string, page: number): Promise<AssetPage> {
  return backend.call('assets.list', { projectId, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
}

/** The pages the grid needs right now; a page stays cached when scrolled away from. */
export function useAssetPages(projectId: string, pages: readonly number[]) {
  const backend = useBackend();
  return useQueries({
    queries: pages.map((page) => ({
      queryKey: assetPageKey(projectId, page),
      queryFn: () => fetchPage(backend, projectId, page),
      // Imported images never change; only new ones arrive (and invalidation brings them).
      staleTime: 60_000,
    })),
  });
}

/** The asset at a position in the project's import order (the lightbox walks with it). */
export function useAssetAt(projectId: string, index: number) {
  const backend = useBackend();
  const page = Math.floor(index / PAGE_SIZE);
  const query = useQuery({
    queryKey: assetPageKey(projectId, page),
    queryFn: () => fetchPage(backend, projectId, page),
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
