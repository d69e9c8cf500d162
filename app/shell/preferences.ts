// Applies the app settings that Electron carries out: the theme (nativeTheme
// drives prefers-color-scheme in the dashboard) and opening at login.
import { app, nativeTheme } from 'electron';
import type { AppSettings, AppSettingsStore } from './app-settings';

/** app.setLoginItemSettings exists on macOS and Windows only. */
export const LOGIN_ITEM_SUPPORTED = process.platform === 'darwin' || process.platform === 'win32';
/** Started at login: stay in the tray, open no window. */
const HIDDEN_ARG = '--hidden';

export function setupAppearance(store: AppSettingsStore): void {
  const apply = (s: AppSettings) => void (nativeTheme.themeSource = s.theme);
  apply(store.get());
  store.on('change', apply);
}

export function setupLoginItem(store: AppSettingsStore, log: (m: string) => void): void {
  if (!LOGIN_ITEM_SUPPORTED) return;
  let last: boolean | undefined;
  const apply = (s: AppSettings) => {
    if (s.openAtLogin === last) return;
    last = s.openAtLogin;
    try {
      app.setLoginItemSettings({ openAtLogin: s.openAtLogin, args: [HIDDEN_ARG] });
    } catch (e) {
      log(`could not change the login item: ${(e as Error).message}`);
    }
  };
  apply(store.get());
  store.on('change', apply);
}

export function openedHidden(): boolean {
  if (process.argv.includes(HIDDEN_ARG)) return true;
  return process.platform === 'darwin' && !!app.getLoginItemSettings().wasOpenedAtLogin;
}
