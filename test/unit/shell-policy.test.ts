import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  APP_ENTRY,
  contentSecurityPolicy,
  contentType,
  externalUrl,
  isAppUrl,
  isTrustedSender,
  resolveAppFile,
} from '../../app/shell/policy';
import { REPO } from '../helpers/cli';

test('the CSP is strict: scripts and connections from the app only, no objects, no framing, no base', () => {
  const csp = Object.fromEntries(
    contentSecurityPolicy()
      .split('; ')
      .map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]),
  );
  assert.equal(csp['default-src'], "'self'");
  assert.equal(csp['script-src'], "'self'");
  assert.equal(csp['connect-src'], "'self'");
  assert.equal(csp['img-src'], "'self' data:");
  assert.equal(csp['object-src'], "'none'");
  assert.equal(csp['base-uri'], "'none'");
  assert.equal(csp['frame-ancestors'], "'none'");
  assert.doesNotMatch(contentSecurityPolicy(), /unsafe-eval|script-src[^;]*unsafe-inline|\*/);
});

test('app URLs: only berth://app', () => {
  assert.ok(isAppUrl(APP_ENTRY));
  assert.ok(isAppUrl('berth://app/assets/index-abc.js'));
  for (const u of [
    'berth://evil/index.html',
    'file:///index.html',
    'https://app/',
    'berth://user:pw@app/',
    'not a url',
    '',
  ])
    assert.ok(!isAppUrl(u), u);
});

test('requests map to files under the renderer folder and nowhere else', () => {
  const root = path.resolve('/srv/renderer/dist');
  assert.equal(resolveAppFile(root, 'berth://app/'), path.join(root, 'index.html'));
  assert.equal(resolveAppFile(root, 'berth://app/index.html?x=1#y'), path.join(root, 'index.html'));
  assert.equal(resolveAppFile(root, 'berth://app/assets/a%20b.js'), path.join(root, 'assets', 'a b.js'));
  for (const u of [
    'berth://app/../../etc/passwd',
    'berth://app/%2e%2e/%2e%2e/etc/passwd',
    'berth://app/assets/..%2f..%2f..%2fetc%2fpasswd',
    'berth://app/a%5c..%5c..%5cx',
    'berth://app/%00.js',
    'berth://app/%E0%A4%A',
    'berth://other/index.html',
    'file:///etc/passwd',
  ]) {
    const f = resolveAppFile(root, u);
    assert.ok(f === undefined || (f.startsWith(root + path.sep) && !f.includes('..')), `${u} -> ${f}`);
  }
  assert.equal(
    resolveAppFile(root, 'berth://app/assets/..%2f..%2fetc%2fpasswd'),
    undefined,
    'encoded .. segments are refused',
  );
});

test('content types for what Vite emits', () => {
  assert.equal(contentType('/x/index.html'), 'text/html; charset=utf-8');
  assert.equal(contentType('/x/a.JS'), 'text/javascript; charset=utf-8');
  assert.equal(contentType('/x/a.css'), 'text/css; charset=utf-8');
  assert.equal(contentType('/x/a.woff2'), 'font/woff2');
  assert.equal(contentType('/x/a.bin'), 'application/octet-stream');
});

test('only http(s) links without credentials go to the system browser', () => {
  assert.equal(externalUrl('http://localhost:8080'), 'http://localhost:8080/');
  assert.equal(externalUrl('https://docs.docker.com/engine/'), 'https://docs.docker.com/engine/');
  for (const u of [
    'file:///etc/passwd',
    'javascript:alert(1)',
    'smb://host/share',
    'berth://app/',
    'http://a:b@host/',
    'ms-settings:',
    'nope',
  ]) {
    assert.equal(externalUrl(u), undefined, u);
  }
});

test('IPC is trusted only from the own window, its main frame, showing the dashboard', () => {
  const webContents = {};
  const mainFrame = { url: APP_ENTRY };
  const own = { webContents, mainFrame };
  assert.ok(isTrustedSender({ sender: webContents, senderFrame: mainFrame }, own));
  assert.ok(!isTrustedSender({ sender: {}, senderFrame: mainFrame }, own), 'another window');
  assert.ok(!isTrustedSender({ sender: webContents, senderFrame: { url: APP_ENTRY } }, own), 'a subframe');
  assert.ok(!isTrustedSender({ sender: webContents, senderFrame: null }, own), 'a gone frame');
  assert.ok(
    !isTrustedSender({ sender: webContents, senderFrame: mainFrame }, { webContents, mainFrame: { url: APP_ENTRY } }),
  );
  const navigated = { url: 'https://example.com/' };
  assert.ok(
    !isTrustedSender({ sender: webContents, senderFrame: navigated }, { webContents, mainFrame: navigated }),
    'a foreign page',
  );
});

test('the emitted preload requires nothing but electron (a sandboxed preload cannot) and exposes one object', () => {
  const js = fs.readFileSync(path.join(REPO, 'out', 'app', 'shell', 'preload.js'), 'utf8');
  const requires = [...js.matchAll(/require\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
  assert.deepEqual(requires, ['electron']);
  assert.doesNotMatch(js, /require\(\s*[^"'`\s]/, 'no computed require');
  const exposed = [...js.matchAll(/exposeInMainWorld\(\s*["'`]([^"'`]+)["'`]/g)].map((m) => m[1]);
  assert.deepEqual(exposed, ['berth']);
  assert.match(js, /["']berth:api["']/);
});

test('window options are locked down in window.ts (it cannot run here, so its source is checked)', () => {
  const src = fs.readFileSync(path.join(REPO, 'app', 'shell', 'window.ts'), 'utf8');
  for (const opt of [
    'contextIsolation: true',
    'sandbox: true',
    'nodeIntegration: false',
    'webSecurity: true',
    'webviewTag: false',
  ]) {
    assert.ok(src.includes(opt), opt);
  }
  assert.match(src, /setWindowOpenHandler\([\s\S]*action: 'deny'/);
  assert.match(src, /'will-navigate'[\s\S]*preventDefault\(\)/);
});
