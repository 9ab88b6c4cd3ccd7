import { currentRoute, hrefFor, navigate } from '../../app/router.js';

/** Where a project opens from anywhere else in the app (the Gallery). */
export function projectHref(projectId: string): string {
  return hrefFor({ page: 'gallery', projectId });
}

/** Shows a project on the list page the user is on (Batch or Gallery). */
export function showProject(projectId: string): void {
  navigate({ page: currentRoute().page === 'gallery' ? 'gallery' : 'batch', projectId });
}
