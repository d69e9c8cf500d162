// Where Berth keeps its files: the platform's standard data folder (XDG on
// Linux, Application Support on macOS, AppData on Windows), or BERTH_HOME when
// set (tests, portable installs). Each machine gets a private folder.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import envPaths from 'env-paths';
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
  /** The engine's direct path secret (base/engine-secret). */
  engineSecret: string;
  agentPid: string;
  agentSock: string;
  agentLog: string;
  consoleLog: string;
  dockerSock: string;
}

export function machinesDir(home = berthHome()): string {
  return path.join(home, 'machines');
}

/** The file in the Berth home that keeps the user's pipe id (Windows). */
export const PIPE_ID_FILE = 'pipe-id';

const PIPE_ID_RE = /^[0-9a-f]{32}$/;

/**
 * The user's own part of their named pipes' names on Windows: 128 random bits,
 * made once and kept in the Berth home with mode 0600.
 *
 * Why not the user name or the SID: named pipes live in one namespace for the
 * whole machine, and any local user can create a pipe of any free name. Another
 * user can learn this user's name and SID (they are in the profile folder's
 * ACL and in every account listing), so a pipe named after either can be
 * created first, and `docker` would then send its requests, registry
 * credentials included, to whoever made it. The id is read from the user's
 * profile (AppData), which other users cannot read. It does show in the list
 * of pipes while Berth serves on it, which is why a listen on a pipe that
 * someone else already holds is refused (base/private-socket) rather than
 * used, and why the message then says how to pick a new id.
 */
export function pipeId(home = berthHome()): string {
  const file = path.join(home, PIPE_ID_FILE);
  const read = () => {
    try {
      const id = fs.readFileSync(file, 'utf8').trim();
      return PIPE_ID_RE.test(id) ? id : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  };
  const known = read();
  if (known) return known;
  ensurePrivateDir(home);
  const id = randomBytes(16).toString('hex');
  try {
    // 'wx': two processes making the id at once agree on the first one written.
    fs.writeFileSync(file, id + '\n', { mode: 0o600, flag: 'wx' });
    return id;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const other = read();
  if (other) return other;
  // A file that holds no id (cut short, edited): replaced, as if it were missing.
  fs.writeFileSync(file, id + '\n', { mode: 0o600 });
  return id;
}

export function machinePaths(
  name: string,
  home = berthHome(),
  platform: NodeJS.Platform = process.platform,
): MachinePaths {
  const dir = path.join(machinesDir(home), checkMachineName(name));
  const file = (key: MachineFileKey) => machineFile(dir, key);
  const win = platform === 'win32';
  const id = win ? pipeId(home) : '';
  const pipe = (key: 'agentSock' | 'dockerSock') =>
    // Windows: named pipes, whose names are machine-wide; the user's pipe id makes them
    // the user's alone (and a second Berth home's its own).
    win ? `\\\\.\\pipe\\berth-${id}-${name}-${path.basename(MACHINE_FILES[key], '.sock')}` : file(key);
  return {
    dir,
    settings: file('settings'),
    disk: file('disk'),
    sshKey: file('sshKey'),
    sshPubKey: file('sshPubKey'),
    sshHostKey: file('sshHostKey'),
    sshHostPubKey: file('sshHostPubKey'),
    knownHost: file('knownHost'),
    engineSecret: file('engineSecret'),
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
