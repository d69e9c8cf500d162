// Where Berth keeps its files: the platform's standard data folder (XDG on
// Linux, Application Support on macOS, AppData on Windows), or BERTH_HOME when
// set (tests, portable installs). Each machine gets a private folder.
import * as path from 'node:path';
import envPaths = require('env-paths');
import { UserError } from './errors';
import { ensurePrivateDir } from './files';
import { MACHINE_FILES, machineFile, type MachineFileKey } from './machine-files';

export function berthHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_HOME) return path.resolve(env.BERTH_HOME);
  return envPaths('berth', { suffix: '' }).data;
}

const NAME_RE = /^[a-z0-9][a-z0-9-]{0,30}$/;

/** Machine names become folder names and guest hostnames: keep them plain. */
export function checkMachineName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new UserError(
      `machine name "${name}" is not valid: use 1-31 lowercase letters, digits or dashes, starting with a letter or digit`,
    );
  }
  return name;
}

export interface MachinePaths {
  dir: string;
  settings: string;
  disk: string;
  sshKey: string;
  sshPubKey: string;
  sshHostKey: string;
  sshHostPubKey: string;
  knownHost: string;
  agentPid: string;
  agentSock: string;
  agentLog: string;
  consoleLog: string;
  dockerSock: string;
}

export function machinesDir(home = berthHome()): string {
  return path.join(home, 'machines');
}

export function machinePaths(name: string, home = berthHome()): MachinePaths {
  const dir = path.join(machinesDir(home), checkMachineName(name));
  const file = (key: MachineFileKey) => machineFile(dir, key);
  const pipe = (key: 'agentSock' | 'dockerSock') =>
    // Windows has no unix sockets for our purposes: named pipes, per user and machine.
    process.platform === 'win32'
      ? `\\\\.\\pipe\\berth-${name}-${path.basename(MACHINE_FILES[key], '.sock')}`
      : file(key);
  return {
    dir,
    settings: file('settings'),
    disk: file('disk'),
    sshKey: file('sshKey'),
    sshPubKey: file('sshPubKey'),
    sshHostKey: file('sshHostKey'),
    sshHostPubKey: file('sshHostPubKey'),
    knownHost: file('knownHost'),
    agentPid: file('agentPid'),
    agentSock: pipe('agentSock'),
    agentLog: file('agentLog'),
    consoleLog: file('console'),
    dockerSock: pipe('dockerSock'),
  };
}

/** DOCKER_HOST value for a machine's forwarded engine socket. */
export function dockerHost(p: MachinePaths, platform: NodeJS.Platform = process.platform): string {
  // \\.\pipe\name is written npipe:////./pipe/name, as Docker's own default.
  return platform === 'win32' ? `npipe://${p.dockerSock.replace(/\\/g, '/')}` : `unix://${p.dockerSock}`;
}

export function ensureMachineDir(p: MachinePaths): void {
  // Private: sockets, keys and logs inside are the user's alone.
  ensurePrivateDir(p.dir);
}
