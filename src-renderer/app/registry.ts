import { createContext, useContext, type ComponentType } from 'react';
import type { MessageBundle, MessageTree } from '../i18n/types.js';
import type {
  BatchPresenter,
  GridOverlay,
  LiveHook,
  ProjectAction,
  ProjectListAction,
  ProjectPanel,
  RendererFeature,
  RouteContribution,
  ShortcutContribution,
  ViewerPanel,
} from './feature.js';

/** Everything the features contribute, merged, sorted and checked once at start. */
export interface Registry {
  readonly features: readonly RendererFeature[];
  /** In nav order. */
  readonly routes: readonly RouteContribution[];
  route(page: string): RouteContribution | undefined;
  presenter(batchType: string): BatchPresenter | undefined;
  readonly live: readonly { key: string; hook: LiveHook }[];
  readonly shell: readonly { key: string; Component: ComponentType }[];
  readonly shortcuts: readonly ShortcutContribution[];
  readonly projectActions: readonly ProjectAction[];
  readonly projectPanels: readonly ProjectPanel[];
  readonly projectListActions: readonly ProjectListAction[];
  readonly gridOverlays: readonly GridOverlay[];
  readonly viewerPanels: readonly ViewerPanel[];
}

function unique<T>(items: readonly T[], keyOf: (item: T) => string, what: string): void {
  const seen = new Set<string>();
  for (const item of items) {
    const key = keyOf(item);
    if (seen.has(key)) throw new Error(`renderer features: ${what} "${key}" is contributed twice`);
    seen.add(key);
  }
}

function ordered<T extends { order: number }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.order - b.order);
}

/** The contribution points that are lists. */
type ListKey = 'routes' | 'shortcuts' | 'projectActions' | 'projectPanels' | 'projectListActions' | 'gridOverlays' | 'viewerPanels';
type ItemOf<K extends ListKey> = NonNullable<RendererFeature[K]>[number];

export function createRegistry(features: readonly RendererFeature[]): Registry {
  unique(features, (f) => f.name, 'feature');
  const all = <K extends ListKey>(key: K): ItemOf<K>[] => features.flatMap((f) => (f[key] ?? []) as readonly ItemOf<K>[]);

  const routes = ordered(all('routes'));
  unique(routes, (r) => r.page, 'route');
  const byPage = new Map(routes.map((r) => [r.page, r]));

  const presenters = new Map<string, BatchPresenter>();
  for (const f of features) {
    for (const [type, presenter] of Object.entries(f.batchPresenters ?? {})) {
      if (!presenter) continue;
      if (presenters.has(type)) throw new Error(`renderer features: batch presenter "${type}" is contributed twice`);
      presenters.set(type, presenter);
    }
  }

  const withIds = <T extends { id: string; order: number }>(items: T[], what: string) => {
    unique(items, (i) => i.id, what);
    return ordered(items);
  };
  const projectActions = withIds(all('projectActions'), 'project action');
  unique(
    projectActions.filter((a) => a.key),
    (a) => a.key!.toLowerCase(),
    'project action key',
  );

  return {
    features,
    routes,
    route: (page) => byPage.get(page),
    presenter: (type) => presenters.get(type),
    live: features.flatMap((f) => (f.live ?? []).map((hook, i) => ({ key: `${f.name}:${i}`, hook }))),
    shell: features.flatMap((f) => (f.shell ?? []).map((Component, i) => ({ key: `${f.name}:${i}`, Component }))),
    shortcuts: withIds(all('shortcuts'), 'shortcut'),
    projectActions,
    projectPanels: withIds(all('projectPanels'), 'project panel'),
    projectListActions: withIds(all('projectListActions'), 'project list action'),
    gridOverlays: withIds(all('gridOverlays'), 'grid overlay'),
    viewerPanels: withIds(all('viewerPanels'), 'viewer panel'),
  };
}

function mergeTree(into: MessageTree, from: MessageTree, path: string, owner: string, owners: Map<string, string>): void {
  for (const [key, value] of Object.entries(from)) {
    const at = path ? `${path}.${key}` : key;
    const existing = into[key];
    if (typeof value === 'string') {
      if (existing !== undefined) throw new Error(`renderer messages: "${at}" is defined by ${owners.get(at) ?? 'another bundle'} and ${owner}`);
      into[key] = value;
      owners.set(at, owner);
    } else {
      if (typeof existing === 'string') throw new Error(`renderer messages: "${at}" is a string in ${owners.get(at)} and a group in ${owner}`);
      const group: MessageTree = existing ?? {};
      into[key] = group;
      mergeTree(group, value, at, owner, owners);
    }
  }
}

/**
 * The shell's own strings and every feature's, as one resource per language. Features
 * may add to a shared group (`errors`, `jobTypes`, `stages`) but never redefine a string.
 */
export function mergeMessages(base: MessageBundle, features: readonly RendererFeature[]): MessageBundle {
  const out: MessageBundle = { en: {}, tr: {} };
  for (const lang of ['en', 'tr'] as const) {
    const owners = new Map<string, string>();
    mergeTree(out[lang], base[lang], '', 'the shell', owners);
    for (const f of features) mergeTree(out[lang], f.messages[lang], '', `feature ${f.name}`, owners);
  }
  return out;
}

export const RegistryContext = createContext<Registry | null>(null);

export function useRegistry(): Registry {
  const registry = useContext(RegistryContext);
  if (!registry) throw new Error('useRegistry outside <RegistryContext>');
  return registry;
}
