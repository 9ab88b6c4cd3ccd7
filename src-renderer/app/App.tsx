import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { BackendContext, useBackend, type ConnectionState, type RendererBackend } from '../backend/index.js';
import { DropTarget, FileInputs } from '../features/import/DropTarget.js';
import { ImportPanel } from '../features/import/ImportPanel.js';
import { DeleteProjectDialog } from '../features/library/DeleteProjectDialog.js';
import { useLiveUpdates } from '../features/library/live.js';
import { BatchPage, GalleryPage } from '../features/library/pages.js';
import { PlaceholderPage } from '../ui/PlaceholderPage.js';
import { SettingsPage } from '../features/settings/SettingsPage.js';
import { ModelsPage } from '../features/models/ModelsPage.js';
import { useModelsLive } from '../features/models/queries.js';
import { useBatchToasts } from '../features/queue/live.js';
import { QueuePage } from '../features/queue/QueuePage.js';
import { useSegmentLive } from '../features/remove-background/queries.js';
import { modKey, ShortcutHelp, useShortcuts } from './shortcuts.js';
import { icons } from '../ui/icons.js';
import { Toasts } from '../ui/toasts.js';
import { hrefFor, pages, useRoute, type Route } from './router.js';


function useConnection(backend: RendererBackend): ConnectionState {
  return useSyncExternalStore(
    (l) => backend.onConnection(l),
    () => backend.connection,
  );
}

function Nav({ route }: { route: Route }) {
  const { t } = useTranslation();
  return (
    <nav className="nav" aria-label={t('nav.label')}>
      <div className="brand" aria-hidden="true">
        {t('app.name')}
      </div>
      <ul>
        {pages.map((page, i) => (
          <li key={page}>
            <a
              href={hrefFor({ page, projectId: null })}
              className={route.page === page ? 'is-current' : ''}
              aria-current={route.page === page ? 'page' : undefined}
              data-testid={`nav-${page}`}
              title={`${t(`nav.${page}`)} (${modKey}+${i + 1})`}
            >
              <span className="nav-icon" aria-hidden="true">
                {icons[page]}
              </span>
              <span className="nav-label">{t(`nav.${page}`)}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function PageFor({ route }: { route: Route }) {
  switch (route.page) {
    case 'batch':
      return <BatchPage projectId={route.projectId} />;
    case 'gallery':
      return <GalleryPage projectId={route.projectId} />;
    case 'settings':
      return <SettingsPage />;
    case 'models':
      return <ModelsPage />;
    case 'queue':
      return <QueuePage />;
    default:
      return <PlaceholderPage page={route.page} />;
  }
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

function Shell() {
  const { t } = useTranslation();
  const backend = useBackend();
  const route = useRoute();
  const connection = useConnection(backend);
  useLiveUpdates();
  useSegmentLive();
  useModelsLive();
  useBatchToasts();
  useShortcuts();

  if (connection === 'unauthorized') return <Unauthorized />;
  return (
    <div className="shell" data-testid="shell" data-transport={backend.kind}>
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
      <ImportPanel />
      <Toasts />
      <DropTarget />
      <FileInputs />
      <DeleteProjectDialog />
      <ShortcutHelp />
    </div>
  );
}

export function App({ backend }: { backend: RendererBackend }) {
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
      <QueryClientProvider client={queryClient}>
        <Shell />
      </QueryClientProvider>
    </BackendContext>
  );
}
