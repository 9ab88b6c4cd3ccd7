import { useSyncExternalStore } from 'react';

/** The pages of the shell, in navigation order (Ctrl/Cmd+1…7 follow it). */
export const pages = ['batch', 'gallery', 'matching', 'training', 'models', 'queue', 'settings'] as const;
export type Page = (typeof pages)[number];

export interface Route {
  page: Page;
  /** Batch and Gallery can show one project. */
  projectId: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Hash routes (#/gallery/<projectId>): they survive a reload, need no server fallback and
 * work the same under the Electron app protocol.
 */
export function parseHash(hash: string): Route {
  const [pageName, projectId] = hash.replace(/^#\/?/, '').split('/');
  const page = pages.find((p) => p === pageName) ?? 'batch';
  const withProject = (page === 'batch' || page === 'gallery') && projectId && UUID.test(projectId);
  return { page, projectId: withProject ? projectId : null };
}

export function hrefFor(route: Route): string {
  return route.projectId ? `#/${route.page}/${route.projectId}` : `#/${route.page}`;
}

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const href = hrefFor(route);
  if (window.location.hash === href) return;
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  // pushState fires no event; tell the subscribers ourselves.
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

let current = parseHash(window.location.hash);
let currentHash = window.location.hash;

/** The route for the address bar as it is now; stable identity while the hash is unchanged. */
export function currentRoute(): Route {
  if (window.location.hash !== currentHash) {
    currentHash = window.location.hash;
    current = parseHash(currentHash);
  }
  return current;
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  window.addEventListener('popstate', listener);
  return () => {
    window.removeEventListener('hashchange', listener);
    window.removeEventListener('popstate', listener);
  };
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, currentRoute);
}
