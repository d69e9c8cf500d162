// The dashboard: a sidebar and one page at a time, chosen by the URL hash.
import { useEffect, useState } from 'react';
import type { Api } from '../../app/api/client';
import { ApiContext } from './lib/api-context';
import { EngineProvider, useEngine } from './lib/engine';
import { ContainerDetailPage, type Tab } from './pages/ContainerDetail';
import { ContainersPage } from './pages/Containers';
import { ImagesPage } from './pages/Images';
import { MachinePage } from './pages/Machine';
import { VolumesPage } from './pages/Volumes';

export type Route =
  | { page: 'containers' }
  | { page: 'container'; id: string; tab: Tab }
  | { page: 'images' }
  | { page: 'volumes' }
  | { page: 'machine' };

function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'containers':
      if (parts[1]) {
        const tab = (['logs', 'inspect', 'stats', 'terminal'] as Tab[]).includes(parts[2] as Tab)
          ? (parts[2] as Tab)
          : 'logs';
        return { page: 'container', id: parts[1], tab };
      }
      return { page: 'containers' };
    case 'images':
      return { page: 'images' };
    case 'volumes':
      return { page: 'volumes' };
    case 'machine':
      return { page: 'machine' };
    default:
      return { page: 'containers' };
  }
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

const NAV: { page: Route['page']; href: string; label: string }[] = [
  { page: 'containers', href: '#/containers', label: 'Containers' },
  { page: 'images', href: '#/images', label: 'Images' },
  { page: 'volumes', href: '#/volumes', label: 'Volumes' },
  { page: 'machine', href: '#/machine', label: 'Machine' },
];

function MachineBadge() {
  const { machine, engine } = useEngine();
  const state = machine?.status.state ?? '…';
  return (
    <a className="machine-badge" href="#/machine" title="Machine state" data-testid="sidebar-machine">
      <span className={`dot state-${state.replace(' ', '-')}`} aria-hidden />
      <span>
        {machine?.name ?? 'machine'}: {state}
        {state === 'running' && engine.kind === 'down' ? ' (engine not answering)' : ''}
      </span>
    </a>
  );
}

function Shell({ lost }: { lost?: string }) {
  const route = useRoute();
  const current = route.page === 'container' ? 'containers' : route.page;
  return (
    <div className="app">
      <nav className="sidebar" aria-label="Sections">
        <div className="brand">
          <span className="logo" aria-hidden>
            ⚓
          </span>
          Berth
        </div>
        {NAV.map((n) => (
          <a
            key={n.page}
            href={n.href}
            className={n.page === current ? 'nav active' : 'nav'}
            aria-current={n.page === current ? 'page' : undefined}
          >
            {n.label}
          </a>
        ))}
        <span className="spacer" />
        <MachineBadge />
      </nav>
      <main className="main">
        {lost && (
          <div className="banner" role="alert">
            {lost}
          </div>
        )}
        {route.page === 'containers' && <ContainersPage />}
        {route.page === 'container' && <ContainerDetailPage key={route.id} id={route.id} tab={route.tab} />}
        {route.page === 'images' && <ImagesPage />}
        {route.page === 'volumes' && <VolumesPage />}
        {route.page === 'machine' && <MachinePage />}
      </main>
    </div>
  );
}

export function App({ api, lost }: { api: Api; lost?: string }) {
  return (
    <ApiContext.Provider value={api}>
      <EngineProvider>
        <Shell lost={lost} />
      </EngineProvider>
    </ApiContext.Provider>
  );
}
