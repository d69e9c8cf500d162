// Browser mode: the dashboard served on 127.0.0.1 with the API contract over
// a WebSocket. Only someone holding the random token printed with the URL
// can drive it: the page and the socket are refused without it, and the
// Host and Origin headers must name this very server (no DNS rebinding, no
// other site's page). The first visit with the token sets a session cookie
// so a reload or a second tab works without the token staying in the address
// bar or the history. Any web page can send requests here (an <img> tag is
// enough): no request may take the server down.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import * as path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { UI_SOCKET_PATH, UI_TOKEN_PARAM, type ServerMessage } from '../api/contract';
import { ApiSession, type Implementation } from '../api/session';

export interface UiServerOptions {
  impl: Implementation;
  port?: number;
  /** The built renderer (renderer/dist). */
  staticDir?: string;
  /** Fixed token (tests); random 32 bytes otherwise. */
  token?: string;
  onInternalError?: (e: unknown) => void;
}

export interface UiServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export const DEFAULT_STATIC_DIR = path.resolve(__dirname, '../../../renderer/dist');

export function contentSecurityPolicy(port: number): string {
  const ws = `ws://127.0.0.1:${port} ws://localhost:${port}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    // xterm.js and the chart set styles from script: no inline <style> from markup, no eval.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${ws}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** The value of one cookie in a Cookie header; undefined when absent. Values are not decoded (ours is hex). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The path of a request, percent-decoded; undefined when the address cannot be read. */
function requestPath(raw: string | undefined, port: number): URL | undefined {
  try {
    return new URL(raw ?? '/', `http://127.0.0.1:${port}`);
  } catch {
    return undefined;
  }
}

function decodePath(pathname: string): string | undefined {
  try {
    const p = decodeURIComponent(pathname);
    // A NUL byte makes the file system calls throw: no file has one anyway.
    return p.includes('\0') ? undefined : p;
  } catch {
    return undefined;
  }
}

export function startUiServer(o: UiServerOptions): Promise<UiServer> {
  const token = o.token ?? crypto.randomBytes(32).toString('hex');
  // The cookie carries a second secret, not the printed token: a cookie that
  // leaks (a browser profile, a debug dump) does not give away the address.
  const cookieSecret = crypto.randomBytes(32).toString('hex');
  const staticDir = o.staticDir ?? DEFAULT_STATIC_DIR;
  let port = 0;
  // Cookies ignore the port: the name carries it so two `berth ui` on one host do not overwrite each other.
  const cookieName = () => `berth_ui_${port}`;
  /** The token in ?token=, or this server's cookie: either lets a request in. */
  const authorized = (url: URL, req: http.IncomingMessage) =>
    tokenMatches(url.searchParams.get(UI_TOKEN_PARAM), token) ||
    tokenMatches(cookieValue(req.headers.cookie, cookieName()), cookieSecret);

  const hostOk = (host: string | undefined) => host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  const originOk = (origin: string | undefined) =>
    origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;

  const refuse = (res: http.ServerResponse, code: number, text: string) => {
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text + '\n');
  };

  const serve = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!hostOk(req.headers.host))
      return refuse(res, 421, 'Berth: wrong Host header (this server answers only on 127.0.0.1 and localhost).');
    if (!originOk(req.headers.origin)) return refuse(res, 403, 'Berth: requests from other sites are refused.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Berth: method not allowed.');
    const url = requestPath(req.url, port);
    let rel = url && decodePath(url.pathname);
    if (!url || rel === undefined)
      return refuse(res, 400, 'Berth: malformed address (bad percent-encoding): open the address "berth ui" printed.');
    if (rel === UI_SOCKET_PATH) return refuse(res, 426, 'Berth: this is the WebSocket endpoint.');
    const isPage = rel === '/' || rel === '/index.html';
    // The page itself needs the token or the cookie (the assets are public: they are the same for everyone).
    if (isPage && !authorized(url, req)) {
      return refuse(
        res,
        401,
        'Berth: open the dashboard with the address "berth ui" printed (it carries the access token).',
      );
    }
    if (isPage) rel = '/index.html';
    const file = path.resolve(staticDir, '.' + rel);
    if (!file.startsWith(staticDir + path.sep)) return refuse(res, 404, 'Berth: not found.');
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        if (isPage) return refuse(res, 500, 'Berth: the dashboard is not built: run "npm run build:ui".');
        return refuse(res, 404, 'Berth: not found.');
      }
      const headers: http.OutgoingHttpHeaders = {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-length': st.size,
        'cache-control': isPage ? 'no-store' : 'public, max-age=31536000, immutable',
        'content-security-policy': contentSecurityPolicy(port),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
      };
      // No Expires/Max-Age: it lasts the browser session. Path=/ covers the page and the socket (/api).
      if (isPage) headers['set-cookie'] = `${cookieName()}=${cookieSecret}; Path=/; HttpOnly; SameSite=Strict`;
      res.writeHead(200, headers);
      if (req.method === 'HEAD') return void res.end();
      // The file can vanish between stat and read (a rebuild): end the answer, do not crash.
      fs.createReadStream(file)
        .on('error', () => res.destroy())
        .pipe(res);
    });
  };

  const server = http.createServer((req, res) => {
    try {
      serve(req, res);
    } catch (e) {
      // A bug, not the client's fault: answer it and keep serving everyone else.
      o.onInternalError?.(e);
      if (!res.headersSent) refuse(res, 500, 'Berth: internal error (see the terminal running "berth ui").');
      else res.destroy();
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  const sockets = new Set<WebSocket>();

  const upgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // The HTTP server no longer watches an upgraded socket: a reset must not become an uncaught error.
    socket.on('error', () => undefined);
    const deny = (code: number, text: string) => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = requestPath(req.url, port);
    if (!url) return deny(400, 'Bad Request');
    if (!hostOk(req.headers.host)) return deny(421, 'Misdirected Request');
    if (!originOk(req.headers.origin)) return deny(403, 'Forbidden');
    if (url.pathname !== UI_SOCKET_PATH) return deny(404, 'Not Found');
    if (!authorized(url, req)) return deny(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const session = new ApiSession(
        o.impl,
        (m: ServerMessage) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
        },
        { onInternalError: o.onInternalError },
      );
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        let msg: unknown;
        try {
          const text = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
          msg = JSON.parse(text.toString());
        } catch {
          return;
        }
        try {
          session.handle(msg);
        } catch (e) {
          // handle() promises not to throw; if it ever does, the socket's other calls must go on.
          o.onInternalError?.(e);
        }
      });
      ws.on('close', () => {
        sockets.delete(ws);
        session.close();
      });
      ws.on('error', () => undefined);
    });
  };

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      upgrade(req, socket, head);
    } catch (e) {
      o.onInternalError?.(e);
      socket.destroy();
    }
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => {
      port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${port}/?${UI_TOKEN_PARAM}=${token}`,
        port,
        token,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.terminate();
            wss.close();
            server.close(() => r());
            server.closeAllConnections?.();
          }),
      });
    });
  });
}
