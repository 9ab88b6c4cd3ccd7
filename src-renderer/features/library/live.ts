import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { invalidateFresh } from '../../app/refetch.js';
import { useBackend } from '../../backend/index.js';
import { projectKey, projectsKey } from './queries.js';

/** Engine events → fresh project queries (a rename, a delete, a run's end elsewhere). */
export function useLibraryLive(): void {
  const backend = useBackend();
  const queryClient = useQueryClient();
  useEffect(
    () =>
      backend.subscribe((event) => {
        if (event.type !== 'projects.changed') return;
        void invalidateFresh(queryClient, projectsKey);
        if (event.payload.projectId) void invalidateFresh(queryClient, projectKey(event.payload.projectId));
      }),
    [backend, queryClient],
  );
}
