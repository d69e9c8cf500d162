// Picks the transport at start: the Electron preload's `window.berth` when
// present, else the WebSocket of `berth ui` (the token from the URL on the
// first visit, the session cookie afterwards).
import { ApiClient } from '../../../app/api/client';
// eslint-disable-next-line no-restricted-imports -- the server's own socket path and token name, defined once
import {
  UI_SOCKET_PATH,
  UI_TOKEN_PARAM,
  type BerthPort,
  type ClientMessage,
  type ServerMessage,
} from '../../../app/api/contract';

declare global {
  interface Window {
    berth?: BerthPort;
  }
}

/**
 * The token from ?token=..., removed from the address bar (and so from the
 * history) at once. It is not stored: the server answered this first visit
 * with a session cookie, which carries a reload, a second tab and the socket.
 */
function takeToken(): string | undefined {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get(UI_TOKEN_PARAM);
  if (!fromUrl) return undefined;
  url.searchParams.delete(UI_TOKEN_PARAM);
  window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  return fromUrl;
}

function webSocketPort(url: string, onClose: () => void): BerthPort {
  const ws = new WebSocket(url);
  const queue: ClientMessage[] = [];
  const listeners = new Set<(m: ServerMessage) => void>();
  ws.addEventListener('open', () => {
    for (const m of queue.splice(0)) ws.send(JSON.stringify(m));
  });
  ws.addEventListener('message', (ev) => {
    let m: ServerMessage;
    try {
      m = JSON.parse(String(ev.data)) as ServerMessage;
    } catch {
      return;
    }
    for (const l of listeners) l(m);
  });
  ws.addEventListener('close', onClose);
  return {
    post(m) {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
      else if (ws.readyState === WebSocket.CONNECTING) queue.push(m);
    },
    onMessage(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

export function connect(onLost: (why: string) => void): ApiClient {
  if (window.berth) return new ApiClient(window.berth);
  // With the token in the address it goes along (it works even where cookies are off); without it the
  // browser sends the session cookie, which the server checks like the token.
  const token = takeToken();
  const query = token ? `?${UI_TOKEN_PARAM}=${encodeURIComponent(token)}` : '';
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  let client: ApiClient | undefined = undefined;
  const port = webSocketPort(`${proto}//${window.location.host}${UI_SOCKET_PATH}${query}`, () => {
    const why =
      'The connection to "berth ui" was lost (or its session ended). Is it still running? ' +
      'Start it again and open the address it prints.';
    client?.fail({ code: 'EDISCONNECTED', message: why });
    onLost(why);
  });
  client = new ApiClient(port);
  return client;
}
