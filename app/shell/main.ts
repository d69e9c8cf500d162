// The Electron main process: the composition root of the desktop app. It owns
// no machine: the machine's host agent does (started on demand by the core),
// so closing or crashing any window never cuts the Docker socket. One
// setupX() per module, wired here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { app, dialog } from 'electron';
import { createImplementation } from '../api/handlers';
import { toApiError } from '../api/errors';
import { berthHome } from '../base/paths';
import { createDriver } from '../driver/choose';
import { Machines } from '../machine/machines';
import { appSettingsFile, AppSettingsStore } from './app-settings';
import { registerAppScheme, setupAppProtocol, setupPermissions } from './app-protocol';
import { LOGIN_ITEM_SUPPORTED, openedHidden, setupAppearance, setupLoginItem } from './preferences';
import { packagedImageDir } from './packaged-image';
import { setupQuit } from './quit';
import { setupTray } from './tray';
import { setupDashboard, type Dashboard } from './window';

const MACHINE = 'default';

function log(m: string): void {
  const line = `${new Date().toISOString()} ${m}\n`;
  process.stderr.write(line);
  try {
    fs.appendFileSync(path.join(berthHome(), 'desktop.log'), line, { mode: 0o600 });
  } catch {
    /* the home may not exist yet */
  }
}

let dashboard: Dashboard | undefined;

async function start(): Promise<void> {
  const settings = new AppSettingsStore(appSettingsFile());
  setupAppearance(settings);
  setupLoginItem(settings, log);
  setupAppProtocol();
  setupPermissions();

  // The packaged app carries its VM image as a resource; the host agents it starts inherit this.
  if (app.isPackaged && !process.env.BERTH_IMAGE_DIR)
    process.env.BERTH_IMAGE_DIR = packagedImageDir(process.resourcesPath);
  // The host agent runs on the app's own runtime, told to behave as plain Node.
  const machines = new Machines({ driver: createDriver, launcher: { env: { ELECTRON_RUN_AS_NODE: '1' } } });
  const impl = createImplementation({ machines, name: MACHINE, log });
  dashboard = setupDashboard(impl, log);
  // The tray follows the machine through the same watcher as the dashboard (impl.machine.watcher).
  const tray = setupTray({
    machine: impl.machine,
    settings,
    loginItemSupported: LOGIN_ITEM_SUPPORTED,
    openDashboard: () => dashboard?.show(),
    quit: () => app.quit(),
    log,
  });
  setupQuit({ tray, machine: impl.machine, settings, log });

  // The app lives in the tray: closing the last window does not quit it.
  app.on('window-all-closed', () => undefined);
  app.on('activate', () => dashboard?.show());

  if (settings.warning)
    void dialog.showMessageBox({ type: 'warning', message: 'Berth settings were reset', detail: settings.warning });
  const exists = impl.machine.machines.exists(MACHINE);
  // First run: the dashboard's machine page creates the machine with real progress.
  if (!openedHidden() || !exists) dashboard.show();
  if (settings.get().startMachineOnLaunch && exists) {
    const st = await impl.machine.info().catch(() => undefined);
    if (st?.status.state === 'stopped') {
      impl.machine.start().catch((e) => log(`starting the machine at launch failed: ${toApiError(e).message}`));
    }
  }
}

registerAppScheme();
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => dashboard?.show());
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      const err = e instanceof Error ? e : undefined;
      log(`Berth could not start: ${err?.stack ?? String(e)}`);
      dialog.showErrorBox('Berth could not start', err ? err.message : String(e));
      app.exit(1);
    });
}
