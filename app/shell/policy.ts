// The security rules of the desktop window, as pure functions: where the
// dashboard is loaded from, its Content-Security-Policy, which files it may
// read, which links leave for the system browser and which IPC senders are
// trusted. No electron here: the rules are unit-tested in plain Node.
import * as path from 'node:path';

/** The dashboard is served from a privileged custom scheme, not file://, so the CSP is a real header. */
export const APP_SCHEME = 'berth';
const APP_HOST = 'app';
const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/**
 * As a response header (frame-ancestors is ignored in a <meta>). No network
 * at all: the API goes over IPC. style-src allows inline styles because
 * xterm.js and the stats chart set styles from script (the same reason as in
 * `berth ui`); scripts stay 'self' only, no eval.
 */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

export function isAppUrl(url: string): boolean {
  const u = parse(url);
  return !!u && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && !u.username && !u.password;
}

/** The file under `root` a berth://app/... request names, or undefined (other host, escape attempt). */
export function resolveAppFile(root: string, url: string): string | undefined {
  const u = parse(url);
  if (!u || !isAppUrl(url)) return undefined;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return undefined;
  }
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').includes('..')) return undefined;
  if (rel === '/' || rel === '') rel = '/index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + rel);
  const inside = path.relative(base, file);
  if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) return undefined;
  return file;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

export function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** A link the system browser may open (e.g. a published port): http(s) only, no credentials. */
export function externalUrl(url: string): string | undefined {
  const u = parse(url);
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) return undefined;
  if (u.username || u.password || !u.hostname) return undefined;
  return u.href;
}

/** What the IPC guard looks at: Electron's IpcMainEvent, structurally. */
export interface SenderInfo {
  sender: unknown;
  senderFrame: { url: string } | null;
}

/**
 * A message is trusted only when it comes from this window's own web
 * contents, from its main frame (no iframe), showing the dashboard's origin.
 */
export function isTrustedSender(e: SenderInfo, own: { webContents: unknown; mainFrame: unknown }): boolean {
  if (e.sender !== own.webContents) return false;
  const f = e.senderFrame;
  if (!f || f !== own.mainFrame) return false;
  return isAppUrl(f.url);
}
