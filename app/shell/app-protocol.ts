// Serves the built dashboard (renderer/dist) on berth://app/ with the strict
// CSP as a response header, and refuses every permission except writing to
// the clipboard ("copy JSON") from the dashboard itself.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { protocol, session } from 'electron';
import { APP_SCHEME, contentSecurityPolicy, contentType, isAppUrl, resolveAppFile } from './policy';

/** out/app/shell -> <app root>/renderer/dist, in a checkout and inside app.asar alike. */
const RENDERER_DIR = path.resolve(__dirname, '..', '..', '..', 'renderer', 'dist');

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Berth</title>
<p>The dashboard has not been built: run <code>npm run build</code> in renderer/, or use <code>berth ui</code>.</p>`;

export function setupAppProtocol(root = RENDERER_DIR): void {
  const headers = (type: string) => ({
    'content-type': type,
    'content-security-policy': contentSecurityPolicy(),
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  });
  protocol.handle(APP_SCHEME, async (req) => {
    const file = resolveAppFile(root, req.url);
    if (!file) return new Response('not found', { status: 404, headers: headers('text/plain; charset=utf-8') });
    try {
      return new Response(await fs.readFile(file), { status: 200, headers: headers(contentType(file)) });
    } catch {
      if (path.basename(file) === 'index.html')
        return new Response(NOT_BUILT, { status: 200, headers: headers('text/html; charset=utf-8') });
      return new Response('not found', { status: 404, headers: headers('text/plain; charset=utf-8') });
    }
  });
}

export function setupPermissions(): void {
  const allowed = (permission: string, url: string) => permission === 'clipboard-sanitized-write' && isAppUrl(url);
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(allowed(permission, details.requestingUrl)),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission, requestingOrigin) =>
    allowed(permission, requestingOrigin + '/'),
  );
}
