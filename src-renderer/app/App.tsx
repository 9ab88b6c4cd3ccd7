import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { BackendContext, useBackend, type ConnectionState, type RendererBackend } from '../backend/index.js';
import { Toasts } from '../ui/toasts.js';
import type { LiveHook, RendererFeature } from './feature.js';
import { createRegistry, RegistryContext, useRegistry, type Registry } from './registry.js';
import { hrefFor, setRoutes, useRoute, type Route } from './router.js';
import { modKey, ShortcutHelp, useShortcuts } from './shortcuts.js';

function useConnection(backend: RendererBackend): ConnectionState {
  return useSyncExternalStore(
    (l) => backend.onConnection(l),
    () => backend.connection,
  );
}

/** Events sent while the link was down are gone: refetch what is on screen. */
function useRefetchOnReconnect(backend: RendererBackend): void {
  const queryClient = useQueryClient();
  useEffect(
    () =>
      backend.onConnection((state, reconnected) => {
        if (state === 'open' && reconnected) void queryClient.invalidateQueries();
      }),
    [backend, queryClient],
  );
}

function Nav({ route }: { route: Route }) {
  const { t } = useTranslation();
  const { routes } = useRegistry();
  return (
    <nav className="nav" aria-label={t('nav.label')}>
      <div className="brand" aria-hidden="true">
        {t('app.name')}
      </div>
      <ul>
        {routes.map(({ page, label, icon }, i) => (
          <li key={page}>
            <a
              href={hrefFor({ page, projectId: null })}
              className={route.page === page ? 'is-current' : ''}
              aria-current={route.page === page ? 'page' : undefined}
              data-testid={`nav-${page}`}
              title={i < 9 ? `${t(label)} (${modKey}+${i + 1})` : t(label)}
            >
              <span className="nav-icon" aria-hidden="true">
                {icon}
              </span>
              <span className="nav-label">{t(label)}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function PageFor({ route }: { route: Route }) {
  const entry = useRegistry().route(route.page);
  if (!entry) return null;
  const { Page } = entry;
  return <Page projectId={route.projectId} />;
}

/** One component per live hook: each keeps its own hook calls whatever the others do. */
function Live({ hook }: { hook: LiveHook }) {
  hook();
  return null;
}

export function Unauthorized() {
  const { t } = useTranslation();
  return (
    <main className="unauthorized" data-testid="unauthorized">
      <h1>{t('unauthorized.title')}</h1>
      <p>{t('unauthorized.body')}</p>
    </main>
  );
}

function Shell({ registry }: { registry: Registry }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const route = useRoute();
  const connection = useConnection(backend);
  useRefetchOnReconnect(backend);
  useShortcuts(registry);

  const live = registry.live.map(({ key, hook }) => <Live key={key} hook={hook} />);
  if (connection === 'unauthorized') {
    return (
      <>
        {live}
        <Unauthorized />
      </>
    );
  }
  return (
    <div className="shell" data-testid="shell" data-transport={backend.kind}>
      {live}
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <Nav route={route} />
      <main id="main" className="main" tabIndex={-1}>
        {connection === 'reconnecting' ? (
          <div className="banner" role="status" data-testid="connection-status">
            {t('connection.reconnecting')}
          </div>
        ) : null}
        <PageFor route={route} />
      </main>
      {registry.shell.map(({ key, Component }) => (
        <Component key={key} />
      ))}
      <Toasts />
      <ShortcutHelp registry={registry} />
    </div>
  );
}

/**
 * The generic app: the shell around what the features contribute. It names no feature;
 * the composition root (main.tsx) hands it the list.
 */
export function App({ backend, features }: { backend: RendererBackend; features: readonly RendererFeature[] }) {
  const [registry] = useState(() => {
    const r = createRegistry(features);
    setRoutes(r.routes);
    return r;
  });
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            // Engine events say when data changed; no refetch on every focus.
            refetchOnWindowFocus: false,
            retry: (count, err) => {
              const code = (err as { code?: string }).code;
              return code === 'unavailable' && count < 3;
            },
          },
        },
      }),
  );
  return (
    <BackendContext value={backend}>
      <RegistryContext value={registry}>
        <QueryClientProvider client={queryClient}>
          <Shell registry={registry} />
        </QueryClientProvider>
      </RegistryContext>
    </BackendContext>
  );
}
