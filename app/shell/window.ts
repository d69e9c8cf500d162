// The dashboard window: one at a time, locked down (context isolation,
// sandbox, no Node, web security), never navigating away from the dashboard
// and never opening windows; http(s) links go to the system browser.
import * as path from 'node:path';
import { BrowserWindow, nativeTheme, shell } from 'electron';
import { oneLine } from '../base/errors';
import type { Implementation } from '../api/session';
import { setupIpc } from './ipc';
import { APP_ENTRY, externalUrl, isAppUrl } from './policy';

export interface Dashboard {
  /** Shows the window, creating it if it was closed. */
  show(): void;
  readonly window: BrowserWindow | undefined;
}

function openOutside(url: string, log: (m: string) => void): void {
  const safe = externalUrl(url);
  if (safe) void shell.openExternal(safe).catch((e) => log(`could not open ${safe}: ${oneLine(e)}`));
  else log(`refused to open ${url}`);
}

export function setupDashboard(impl: Implementation, log: (m: string) => void): Dashboard {
  let win: BrowserWindow | undefined;
  const create = () => {
    const w = new BrowserWindow({
      width: 1200,
      height: 800,
      minWidth: 720,
      minHeight: 480,
      title: 'Berth',
      show: false,
      backgroundColor: nativeTheme.shouldUseDarkColors ? '#1e1f22' : '#ffffff',
      webPreferences: {
        preload: path.join(__dirname, 'preload.js'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        navigateOnDragDrop: false,
        spellcheck: false,
      },
    });
    const wc = w.webContents;
    setupIpc(w, impl, log);
    wc.on('will-navigate', (e) => {
      const url = e.url;
      if (isAppUrl(url) && url.split('#')[0] === APP_ENTRY) return; // a reload of the dashboard itself
      e.preventDefault();
      openOutside(url, log);
    });
    wc.on('will-redirect', (e) => {
      if (!isAppUrl(e.url)) e.preventDefault();
    });
    wc.on('will-attach-webview', (e) => e.preventDefault());
    wc.setWindowOpenHandler(({ url }) => {
      openOutside(url, log);
      return { action: 'deny' };
    });
    w.once('ready-to-show', () => w.show());
    w.on('closed', () => {
      if (win === w) win = undefined;
    });
    void w.loadURL(APP_ENTRY);
    return w;
  };
  return {
    show() {
      if (!win || win.isDestroyed()) win = create();
      else {
        if (win.isMinimized()) win.restore();
        win.show();
        win.focus();
      }
    },
    get window() {
      return win;
    },
  };
}
