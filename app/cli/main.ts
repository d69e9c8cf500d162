// The `berth` command. Every failure a person can cause ends in one line and a
// non-zero exit; a stack trace only ever appears with BERTH_DEBUG=1.
import { isUserError, oneLine } from '../base/errors';
import { createDriver } from '../driver/choose';
import { Machines } from '../machine/machines';
import { settingRanges } from '../base/settings/schema';
import { env, logs, ls, status } from './commands/info';
import { down, init, restart, rm, set, up } from './commands/lifecycle';
import { ssh } from './commands/ssh';

type Command = (m: Machines, argv: string[]) => number | Promise<number>;

const COMMANDS: Record<string, Command> = {
  init,
  up,
  start: (m, a) => up(m, a, 'start'),
  down,
  stop: (m, a) => down(m, a, 'stop'),
  restart,
  status,
  ls,
  ssh,
  env,
  logs,
  rm,
  set,
  // Loaded when asked for: the dashboard's server and dockerode take ~170 ms to load, which every
  // other command (berth up among them) would pay.
  ui: async (m, a) => (await import('./commands/ui')).ui(m, a),
};

const USAGE = (() => {
  const r = settingRanges();
  return `berth: a working docker, in a tiny VM

usage: berth <command> [--name MACHINE] [flags]

  init      create a machine (does not start it)
              --cpus N (${r.cpus.min}-${r.cpus.max})  --memory MiB (${r.memoryMiB.min}-${r.memoryMiB.max})  --disk GiB (${r.diskGiB.min}-${r.diskGiB.max})
              --arch x86_64|aarch64 (default: this computer's; fixed once made)  --accel auto|kvm|hvf|whpx|tcg
              --driver qemu|virtualbox (default: qemu; fixed once made; VirtualBox machines are x86_64)
              --insecure-registry HOST:PORT  --registry-mirror URL
              --share FOLDER (repeat for more; default: your home folder)  --no-share
  up        start a machine (creating it with defaults if needed); alias: start
  down      stop a machine, saving its memory so the next up resumes it in seconds;
            alias: stop  (--shutdown shuts the engine and the VM down instead)
  restart   shut down then boot afresh
  status    show a machine's state (--json for scripts)
  ls        list machines (--json)
  set       change settings (same flags as init); the disk can only grow
  ssh       open a shell in the VM, or run: berth ssh -- COMMAND
  env       print DOCKER_HOST for your shell: eval "$(berth env)"  (--shell sh|fish|powershell|cmd, --unset)
  logs      show the VM console and the host agent log (--lines N, --console, --agent)
  ui        open the dashboard in your browser: prints a private 127.0.0.1 address (--port N)
  rm        delete a machine (asks first; --yes, --keep-disk keeps images and volumes)

MACHINE defaults to "default". Files live in ${'$'}BERTH_HOME or the platform's data folder.
`;
})();

export async function run(argv: string[], machines = new Machines({ driver: createDriver })): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cmd === '--version' || cmd === 'version') {
    // Read at run time: an import would make tsc copy package.json into out/.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { version } = require('../../../package.json') as { version: string };
    process.stdout.write(`berth ${version}\n`);
    return 0;
  }
  // An own property only: "constructor" or "__proto__" must not find Object's members.
  const fn = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (!fn) {
    process.stderr.write(`berth: unknown command ${JSON.stringify(cmd)} (run "berth help" for the list)\n`);
    return 2;
  }
  return fn(machines, rest);
}

export function main(argv: string[]): void {
  run(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      if (isUserError(e)) {
        process.stderr.write(`berth: ${e.message}\n`);
        if (e.details && process.env.BERTH_DEBUG) process.stderr.write(e.details + '\n');
        process.exitCode = e.code === 'EUSAGE' ? 2 : 1;
      } else {
        process.stderr.write(
          `berth: unexpected error: ${oneLine(e)} (set BERTH_DEBUG=1 for details, and please report it)\n`,
        );
        if (process.env.BERTH_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
        process.exitCode = 1;
      }
    },
  );
}
