// Quit: with "Stop Machine When Quitting" the machine is stopped first (the
// tray shows it); otherwise the app leaves and the host agent keeps the
// machine and its Docker socket for the CLI.
import { app } from 'electron';
import type { MachineService } from '../api/machine-service';
import type { AppSettingsStore } from './app-settings';
import type { BerthTray } from './tray';
import { quitPlan } from './tray-menu';

/** A stop that hangs must not keep the app from quitting for ever. */
const STOP_LIMIT_MS = 90_000;

export function setupQuit(d: {
  tray: BerthTray;
  machine: MachineService;
  settings: AppSettingsStore;
  log(m: string): void;
}): void {
  let stopping = false;
  let ready = false;
  app.on('before-quit', (e) => {
    if (ready) return;
    if (quitPlan(d.tray.view(), d.settings.get()) !== 'stop-machine') {
      ready = true;
      d.machine.watcher.stop();
      return;
    }
    e.preventDefault();
    if (stopping) return;
    stopping = true;
    d.tray.setBusy('stop');
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>(
      (r) => (timer = setTimeout(() => (d.log('machine stop took too long: quitting anyway'), r()), STOP_LIMIT_MS)),
    );
    void Promise.race([
      d.machine.stop().then(
        () => undefined,
        (err: unknown) => d.log(`machine stop on quit failed: ${err instanceof Error ? err.message : String(err)}`),
      ),
      limit,
    ]).finally(() => {
      clearTimeout(timer);
      ready = true;
      d.machine.watcher.stop();
      app.quit();
    });
  });
}
