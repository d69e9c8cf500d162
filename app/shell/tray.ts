// The tray (menu bar on macOS): its icon and menu follow the machine's state
// as the watcher reports it; each menu item's id maps to one action here.
import { clipboard, dialog, Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import type { MachineService } from '../api/machine-service';
import { toApiError } from '../api/errors';
import type { MachineStatus } from '../base/machine-types';
import { dockerHost } from '../base/paths';
import type { AppSettingsStore } from './app-settings';
import { trayIconFor, trayIconKind } from './tray-icons';
import { trayMenuTemplate, type TrayAction, type TrayItem, type TrayView } from './tray-menu';

export interface TrayDeps {
  /** The machine, and through it the one watcher of it that the dashboard uses too. */
  machine: MachineService;
  settings: AppSettingsStore;
  loginItemSupported: boolean;
  openDashboard(): void;
  quit(): void;
  log(m: string): void;
}

export interface BerthTray {
  view(): TrayView;
  /** Marks an action under way (e.g. stopping on quit) and redraws. */
  setBusy(busy: TrayView['busy']): void;
}

export function setupTray(d: TrayDeps): BerthTray {
  const name = d.machine.name;
  const watcher = d.machine.watcher;
  const host = dockerHost(d.machine.machines.paths(name));
  let status: MachineStatus = watcher.current ?? { name, state: 'stopped' };
  let busy: TrayView['busy'];

  const view = (): TrayView => ({
    name,
    state: status.state,
    problem: status.reason ?? status.lastError?.message,
    busy,
    dockerHost: status.state === 'not created' ? undefined : host,
  });

  const icon = (v: TrayView) => {
    const t = trayIconFor(trayIconKind(v.state, !!v.problem));
    const img = nativeImage.createEmpty();
    for (const r of t.representations)
      img.addRepresentation({ scaleFactor: r.scaleFactor, width: r.width, height: r.height, buffer: r.png });
    if (t.template) img.setTemplateImage(true);
    return { img, tooltip: t.tooltip };
  };

  const first = icon(view());
  const tray = new Tray(first.img);

  const lifecycle = (what: 'start' | 'stop' | 'shutdown' | 'restart') => {
    const shown = what === 'shutdown' ? 'stop' : what;
    busy = shown;
    redraw();
    (what === 'shutdown' ? d.machine.stop(true) : d.machine[what]())
      .catch((e) => {
        const err = toApiError(e);
        d.log(`machine ${what} failed: ${err.message}`);
        void dialog.showMessageBox({
          type: 'error',
          message: err.message,
          detail: err.details?.slice(-4000),
          buttons: ['OK'],
        });
      })
      .finally(() => {
        if (busy === shown) busy = undefined;
        void watcher.refresh();
        redraw();
      });
  };

  const actions: Record<TrayAction, () => void> = {
    start: () => lifecycle('start'),
    stop: () => lifecycle('stop'),
    shutdown: () => lifecycle('shutdown'),
    restart: () => lifecycle('restart'),
    'open-dashboard': () => d.openDashboard(),
    'copy-docker-host': () => clipboard.writeText(host),
    'toggle-start-on-launch': () => d.settings.set({ startMachineOnLaunch: !d.settings.get().startMachineOnLaunch }),
    'toggle-open-at-login': () => d.settings.set({ openAtLogin: !d.settings.get().openAtLogin }),
    'toggle-stop-on-quit': () => d.settings.set({ stopMachineOnQuit: !d.settings.get().stopMachineOnQuit }),
    'theme-system': () => d.settings.set({ theme: 'system' }),
    'theme-light': () => d.settings.set({ theme: 'light' }),
    'theme-dark': () => d.settings.set({ theme: 'dark' }),
    quit: () => d.quit(),
  };

  const toElectron = (items: TrayItem[]): MenuItemConstructorOptions[] =>
    items.map((it) => {
      const { submenu, ...rest } = it;
      const out: MenuItemConstructorOptions = { ...rest };
      if (submenu) out.submenu = toElectron(submenu);
      const act = it.id && (actions as Record<string, (() => void) | undefined>)[it.id];
      if (act) out.click = () => act();
      return out;
    });

  function redraw(): void {
    const v = view();
    const i = icon(v);
    tray.setImage(i.img);
    tray.setToolTip(i.tooltip);
    // Linux needs the menu set again for any change to show.
    tray.setContextMenu(
      Menu.buildFromTemplate(
        toElectron(trayMenuTemplate(v, { settings: d.settings.get(), loginItemSupported: d.loginItemSupported })),
      ),
    );
  }

  watcher.on('status', (s) => {
    status = s;
    redraw();
  });
  // The tray follows the machine for as long as the app runs (quitting stops the watcher).
  watcher.hold();
  d.settings.on('change', () => redraw());
  // Windows and Linux: a click on the icon opens the dashboard (macOS shows the menu).
  if (process.platform !== 'darwin') tray.on('click', () => d.openDashboard());
  redraw();

  return {
    view,
    setBusy(b) {
      busy = b;
      redraw();
    },
  };
}
