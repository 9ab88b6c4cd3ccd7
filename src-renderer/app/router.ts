import { useSyncExternalStore } from 'react';
import { mayLeave } from './leave-guard.js';

export interface Route {
  /** A registered page (src-renderer/app/feature.ts, `routes`). */
  page: string;
  /** Pages that show one project have its id here. */
  projectId: string | null;
}

interface RouteTable {
  /** In nav order; the first is where an unknown address lands. */
  pages: readonly string[];
  withProject: ReadonlySet<string>;
}

let table: RouteTable = { pages: [], withProject: new Set() };

/** The pages the features registered; the shell sets them once, before the first render. */
export function setRoutes(routes: readonly { page: string; withProject?: boolean }[]): void {
  table = { pages: routes.map((r) => r.page), withProject: new Set(routes.filter((r) => r.withProject).map((r) => r.page)) };
  currentHash = null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Hash routes (#/gallery/<projectId>): they survive a reload, need no server fallback and
 * work the same under the Electron app protocol.
 */
export function parseHash(hash: string, routes: RouteTable = table): Route {
  // A query (#/embeddings?scope=dataset:<id>) is the page's own business: routeQuery().
  const [pageName, projectId] = hash.replace(/^#\/?/, '').split('?')[0]!.split('/');
  const page = routes.pages.find((p) => p === pageName) ?? routes.pages[0] ?? '';
  const withProject = routes.withProject.has(page) && projectId && UUID.test(projectId);
  return { page, projectId: withProject ? projectId : null };
}

export function hrefFor(route: Route): string {
  return route.projectId ? `#/${route.page}/${route.projectId}` : `#/${route.page}`;
}

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const href = hrefFor(route);
  if (window.location.hash === href) return;
  // Asked here, before the history entry is made (leave-guard.ts).
  if (!mayLeave(href)) return;
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  // pushState fires no event; tell the subscribers ourselves.
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/** The query part of the address (#/page?key=value), which a page may read for a preselection. */
export function routeQuery(hash: string = window.location.hash): URLSearchParams {
  const at = hash.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
}

let current: Route = { page: '', projectId: null };
let currentHash: string | null = null;

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
