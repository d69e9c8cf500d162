// The tray menu as plain data, worked out from the machine's state and the app
// settings alone, so every state is unit-tested without Electron. tray.ts
// turns each item into an Electron MenuItem and its id into an action.
import type { MachineState } from '../base/machine-types';
import type { AppSettings, Theme } from './app-settings';

export type TrayAction =
  | 'start'
  | 'stop'
  | 'shutdown'
  | 'restart'
  | 'open-dashboard'
  | 'copy-docker-host'
  | 'toggle-start-on-launch'
  | 'toggle-open-at-login'
  | 'toggle-stop-on-quit'
  | `theme-${Theme}`
  | 'quit';

/** The subset of Electron's MenuItemConstructorOptions the tray uses, minus click. */
export interface TrayItem {
  id?: TrayAction | 'state' | 'reason';
  label?: string;
  type?: 'normal' | 'separator' | 'checkbox' | 'radio' | 'submenu';
  enabled?: boolean;
  checked?: boolean;
  toolTip?: string;
  submenu?: TrayItem[];
}

export interface TrayView {
  /** Machine name, as the CLI's --name. */
  name: string;
  state: MachineState;
  /** Why (broken), or the last failure (stopped after an error). */
  problem?: string;
  /** A lifecycle action this app started and that is under way. */
  busy?: 'start' | 'stop' | 'restart';
  /** DOCKER_HOST of the machine's engine socket. */
  dockerHost?: string;
}

export interface TrayOptions {
  settings: AppSettings;
  /** app.setLoginItemSettings works on macOS and Windows only. */
  loginItemSupported: boolean;
}

const STATE_WORDS: Record<MachineState, string> = {
  'not created': 'not created yet',
  stopped: 'stopped',
  starting: 'starting…',
  running: 'running',
  stopping: 'stopping…',
  broken: 'needs attention',
};

const BUSY_WORDS = { start: 'starting…', stop: 'stopping…', restart: 'restarting…' } as const;

export function stateLine(v: TrayView): string {
  const words = v.busy
    ? BUSY_WORDS[v.busy]
    : v.state === 'stopped' && v.problem
      ? 'stopped after an error'
      : STATE_WORDS[v.state];
  return `Machine "${v.name}": ${words}`;
}

/** Menus do not wrap: one short line, the whole text in the tooltip. */
export function shorten(text: string, max = 60): string {
  const line = text.split('\n')[0].trim();
  return line.length <= max ? line : line.slice(0, max - 1).trimEnd() + '…';
}

/** What Quit does for this state and these settings. */
export function quitPlan(v: TrayView, s: AppSettings): 'stop-machine' | 'leave-running' | 'just-quit' {
  const up =
    v.state === 'running' ||
    v.state === 'starting' ||
    v.state === 'broken' ||
    v.busy === 'start' ||
    v.busy === 'restart';
  if (!up) return 'just-quit';
  return s.stopMachineOnQuit ? 'stop-machine' : 'leave-running';
}

export function trayMenuTemplate(v: TrayView, o: TrayOptions): TrayItem[] {
  const idle = !v.busy && v.state !== 'starting' && v.state !== 'stopping';
  const canStart = idle && (v.state === 'not created' || v.state === 'stopped' || v.state === 'broken');
  const canStop = idle && (v.state === 'running' || v.state === 'broken');
  const s = o.settings;
  const items: TrayItem[] = [{ id: 'state', label: stateLine(v), enabled: false }];
  if (v.problem && (v.state === 'broken' || v.state === 'stopped')) {
    items.push({ id: 'reason', label: shorten(v.problem), toolTip: v.problem, enabled: false });
  }
  items.push(
    { type: 'separator' },
    { id: 'start', label: v.state === 'not created' ? 'Create and Start Machine' : 'Start Machine', enabled: canStart },
    // Stop saves the machine's memory (the next start resumes it); Shut Down stops its engine and VM.
    {
      id: 'stop',
      label: 'Stop Machine',
      enabled: canStop,
      toolTip: 'Saves its memory: Start resumes it where it stopped, in seconds',
    },
    {
      id: 'shutdown',
      label: 'Shut Down Machine',
      enabled: canStop,
      toolTip: 'Stops its engine and VM: the next start boots afresh',
    },
    { id: 'restart', label: 'Restart Machine', enabled: canStop },
    { type: 'separator' },
    { id: 'open-dashboard', label: 'Open Dashboard', enabled: true },
    {
      id: 'copy-docker-host',
      label: 'Copy DOCKER_HOST',
      enabled: !!v.dockerHost && v.state !== 'not created',
      ...(v.dockerHost ? { toolTip: v.dockerHost } : {}),
    },
    { type: 'separator' },
    {
      label: 'Settings',
      type: 'submenu',
      submenu: [
        {
          id: 'toggle-start-on-launch',
          label: 'Start Machine When Berth Starts',
          type: 'checkbox',
          checked: s.startMachineOnLaunch,
          enabled: true,
        },
        {
          id: 'toggle-open-at-login',
          label: 'Open Berth at Login',
          type: 'checkbox',
          checked: o.loginItemSupported && s.openAtLogin,
          enabled: o.loginItemSupported,
        },
        {
          id: 'toggle-stop-on-quit',
          label: 'Stop Machine When Quitting',
          type: 'checkbox',
          checked: s.stopMachineOnQuit,
          enabled: true,
        },
        { type: 'separator' },
        {
          id: 'theme-system',
          label: 'Appearance: Follow System',
          type: 'radio',
          checked: s.theme === 'system',
          enabled: true,
        },
        { id: 'theme-light', label: 'Appearance: Light', type: 'radio', checked: s.theme === 'light', enabled: true },
        { id: 'theme-dark', label: 'Appearance: Dark', type: 'radio', checked: s.theme === 'dark', enabled: true },
      ],
    },
    { type: 'separator' },
    { id: 'quit', label: quitLabel(quitPlan(v, s)), enabled: true },
  );
  return items;
}

function quitLabel(p: ReturnType<typeof quitPlan>): string {
  if (p === 'stop-machine') return 'Quit Berth and Stop Machine';
  if (p === 'leave-running') return 'Quit Berth (Machine Keeps Running)';
  return 'Quit Berth';
}
