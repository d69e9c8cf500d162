// The core's benchmark: boot time against the kernel's floor, engine round
// trips against a raw TCP forward and against dockerode's own ssh transport,
// and image size (the engine floor and the idle figures have their own files).
// The floors boot the architecture of the BenchTarget they are given (target.ts).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import Docker from 'dockerode';
import { machineArgs, memoryArgs } from '../../app/driver/qemu/argv';
import { readRuntime } from '../../app/base/runtime';
import { BENCH_ENGINE_TCP_ENV } from '../../app/agent/bench-engine-tcp';
import { agentPidIfAlive } from '../../app/agent/api/lock';
import { machinePaths } from '../../app/base/paths';
import type { Arch } from '../../app/base/arch';
import { buildImageFloorInitramfs, FLOOR_IDLE_ARG } from '../../vm-images/build/floor';
import { bulkTransfer, makeBulkImage } from './bulk';
import { Figure, median } from './report';
import type { BenchTarget } from './target';

/**
 * QEMU's arguments for a floor VM (the kernel and floor, engine floor): TCG, no devices of its own;
 * the board and CPU of a Berth machine of `arch` under TCG (q35, or virt with its TCG CPU model).
 */
export function floorQemuArgs(
  arch: Arch,
  kernel: string,
  initrd: string,
  cmdline: string,
  vm: { memoryMiB: number; cpus: number },
): string[] {
  return [
    ...machineArgs({ accel: 'tcg', arch }),
    '-smp',
    String(vm.cpus),
    ...memoryArgs(vm.memoryMiB),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-kernel',
    kernel,
    '-initrd',
    initrd,
    '-append',
    cmdline,
  ];
}

/** Seconds from QEMU's start to the floor init's marker on the serial console. */
export async function floorBoot(t: BenchTarget, memoryMiB: number, cpus: number): Promise<number> {
  const vm = await startFloor(t, memoryMiB, cpus);
  vm.kill();
  return vm.seconds;
}

/**
 * Boots the floor VM (the image's kernel, trivial init) and resolves once its init printed its
 * marker, with the seconds that took; with `idle` its init then sleeps instead of powering off.
 */
export async function startFloor(
  t: BenchTarget,
  memoryMiB: number,
  cpus: number,
  idle = false,
): Promise<{ seconds: number; pid: number; kill: () => void }> {
  const { image } = t;
  const initrd = await buildImageFloorInitramfs(image.dir, t.floorDir);
  const args = [
    ...floorQemuArgs(t.arch, image.kernel, initrd, idle ? `${image.cmdline} ${FLOOR_IDLE_ARG}` : image.cmdline, {
      memoryMiB,
      cpus,
    }),
    '-serial',
    'stdio',
  ];
  const t0 = process.hrtime.bigint();
  const q = spawn(t.qemu, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const kill = () => void q.kill('SIGKILL');
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => (kill(), reject(new Error(`${t.arch} floor VM never reached its init`))), 180000);
    q.on('error', (e) => (clearTimeout(timer), reject(new Error(`${t.qemu}: ${e.message}`))));
    q.stdout.on('data', (d) => {
      out += d;
      if (out.includes('berth-floor: init')) {
        clearTimeout(timer);
        q.stdout.removeAllListeners('data');
        q.stdout.resume();
        resolve({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, pid: q.pid!, kill });
      }
    });
  });
}

/**
 * The environment of the berth CLI the bench runs (and so of the host agent `berth up` starts):
 * its own BERTH_HOME, and the engine's TCP listener only when asked for (bench-engine-tcp.ts),
 * never inherited from the shell the bench was started in.
 */
export function benchEnv(home: string, engineTcp = false): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, BERTH_HOME: home };
  delete env[BENCH_ENGINE_TCP_ENV];
  if (engineTcp) env[BENCH_ENGINE_TCP_ENV] = '1';
  return env;
}

/** The berth CLI of this checkout, on the bench's own BERTH_HOME; `input` goes to its stdin. */
export function berthCli(home: string, args: string[], input?: Buffer, engineTcp = false) {
  return spawnSync(process.execPath, [path.resolve(__dirname, '../../../bin/berth'), ...args], {
    env: benchEnv(home, engineTcp),
    encoding: 'utf8',
    input,
  });
}

/**
 * Seconds from `berth up` to /_ping answering on the host socket. With `engineTcp` the host agent
 * it starts also forwards the engine's TCP listener (the machine must be stopped, its agent gone).
 */
export function berthUp(home: string, engineTcp = false): number {
  const t0 = process.hrtime.bigint();
  const r = berthCli(home, ['up'], undefined, engineTcp);
  if (r.status !== 0) throw new Error(`berth up failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/**
 * Waits for the machine's host agent to exit (it does soon after its VM stopped), so that the
 * next `berth up` starts a new one with the environment the bench gives it.
 */
export async function agentGone(home: string): Promise<void> {
  const p = machinePaths('default', home);
  for (let i = 0; i < 100 && agentPidIfAlive(p.agentPid, p.dir); i++) await new Promise((r) => setTimeout(r, 100));
  if (agentPidIfAlive(p.agentPid, p.dir)) throw new Error('the host agent did not exit after berth down');
}

/** Stops the machine: shut down (the next up boots afresh), or with its memory saved (the next up resumes). */
export function berthDown(home: string, how: 'shutdown' | 'save' = 'shutdown'): void {
  const r = berthCli(home, how === 'shutdown' ? ['down', '--shutdown'] : ['down']);
  if (r.status !== 0) throw new Error(`berth down failed: ${r.stderr}`);
  if (how === 'save' && !/memory is saved/.test(r.stderr))
    throw new Error(`berth down did not save the memory: ${r.stderr}`);
}

/** Milliseconds of one request on a new connection (as a CLI invocation would make it). */
function requestMs(opts: http.RequestOptions): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise<number>((resolve, reject) => {
    const req = http.get({ ...opts, agent: false }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(Number(process.hrtime.bigint() - t0) / 1e6)
          : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
  });
}

/** Median milliseconds of `n` requests, each on a new connection. */
async function latency(opts: http.RequestOptions, n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await requestMs(opts));
  return median(times);
}

/**
 * Copies the host's docker CLI into the guest's tmpfs: dockerode's ssh transport runs
 * `docker system dial-stdio` there. Debian's docker CLI is a static program, so it runs in the guest.
 */
function installGuestDockerCli(home: string): void {
  const which = spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' });
  const cli = which.stdout.trim();
  if (which.status !== 0 || !cli)
    throw new Error('the docker CLI is not installed on this machine (apt-get install docker.io)');
  const bin = fs.readFileSync(fs.realpathSync(cli));
  const r = berthCli(
    home,
    [
      'ssh',
      '--',
      'sh',
      '-c',
      '"mkdir -p /usr/local/bin && cat > /usr/local/bin/docker && chmod +x /usr/local/bin/docker"',
    ],
    bin,
  );
  if (r.status !== 0) throw new Error(`could not copy the docker CLI into the guest: ${r.stderr}`);
}

/** The bench machine's Berth socket and the raw TCP forward to the same engine. */
function engineRoutes(home: string) {
  const p = machinePaths('default', home);
  const rt = readRuntime(p);
  if (!rt?.engineTcpPort)
    throw new Error(`the bench machine has no engine TCP forward: start it with berthUp(home, true)`);
  return { p, rt, engineTcpPort: rt.engineTcpPort };
}

/** Round trips through the Berth socket against the raw TCP forward, `n` requests per route on new connections. */
export async function socketRoundTrips(home: string, n: number): Promise<Figure[]> {
  const { p, engineTcpPort } = engineRoutes(home);
  const figures: Figure[] = [];
  // Warm-up, untimed: the first requests through the agent run its HTTP code cold (V8
  // compiles it as it goes); each transport gets the same.
  await latency({ socketPath: p.dockerSock, path: '/_ping' }, 50);
  await latency({ host: '127.0.0.1', port: engineTcpPort, path: '/_ping' }, 50);
  for (const route of ['/_ping', '/containers/json']) {
    // The two transports take turns request by request (each going first half the time), so the
    // host's load, which drifts from second to second on a shared machine, hits both alike.
    const viaBerth: number[] = [];
    const viaTcp: number[] = [];
    const berth = { socketPath: p.dockerSock, path: route };
    const tcp = { host: '127.0.0.1', port: engineTcpPort, path: route };
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) {
        viaBerth.push(await requestMs(berth));
        viaTcp.push(await requestMs(tcp));
      } else {
        viaTcp.push(await requestMs(tcp));
        viaBerth.push(await requestMs(berth));
      }
    }
    figures.push({
      name: `engine round trip ${route} (Berth socket)`,
      short: `round trip ${route}`,
      value: median(viaBerth),
      unit: 'ms',
      reference: median(viaTcp),
      referenceName: 'raw TCP forward to the same dockerd',
      target: { op: '<=', ratio: 1.3 },
    });
  }
  return figures;
}

export async function roundTrips(home: string, n: number): Promise<Figure[]> {
  const { p, rt } = engineRoutes(home);
  const figures = await socketRoundTrips(home, n);
  installGuestDockerCli(home);
  const key = fs.readFileSync(p.sshKey, 'utf8');
  const viaSsh = new Docker({
    protocol: 'ssh',
    host: '127.0.0.1',
    port: rt.sshPort,
    username: 'root',
    sshOptions: { privateKey: key },
  });
  const viaBerth = new Docker({ socketPath: p.dockerSock });
  const time = async (fn: () => Promise<unknown>, k: number) => {
    const ts: number[] = [];
    for (let i = 0; i < k; i++) {
      const t0 = process.hrtime.bigint();
      await fn();
      ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return median(ts);
  };
  const sshMs = await time(() => viaSsh.ping(), 7);
  const berthMs = await time(() => viaBerth.ping(), 50);
  figures.push({
    name: 'engine round trip /_ping, dockerode protocol ssh (reference) vs Berth socket',
    short: 'dockerode over ssh / Berth socket',
    value: sshMs,
    unit: 'ms',
    reference: berthMs,
    referenceName: 'dockerode on the Berth socket',
    target: { op: '>=', ratio: 20 },
  });
  return figures;
}

/**
 * `docker load` and `docker save` of a `mb` MB image (made once in the bench's home) with the real
 * docker CLI, through the Berth socket against the raw TCP forward: medians of `runs` each.
 */
export function bulkFigures(home: string, runs: number, mb = 200): Figure[] {
  const { p, engineTcpPort } = engineRoutes(home);
  const image = path.join(home, 'bulk', 'bulk-image.tar');
  if (!fs.existsSync(image)) makeBulkImage(path.dirname(image), mb * 1e6);
  const t = bulkTransfer({ berth: `unix://${p.dockerSock}`, tcp: `tcp://127.0.0.1:${engineTcpPort}` }, image, runs);
  const reference = { unit: 's', referenceName: 'raw TCP forward to the same dockerd' } as const;
  const target = { op: '<=' as const, ratio: 1.2 };
  return [
    {
      name: `bulk: docker load of a ${mb} MB image (Berth socket)`,
      short: 'bulk docker load',
      value: t.berth.load,
      reference: t.tcp.load,
      target,
      ...reference,
    },
    {
      name: `bulk: docker save of a ${mb} MB image (Berth socket)`,
      short: 'bulk docker save',
      value: t.berth.save,
      reference: t.tcp.save,
      target,
      ...reference,
    },
  ];
}

/**
 * Takes the engine's direct path away from the running bench machine (every engine proxy in the
 * guest ends, connections and listener alike): the host agent's Docker socket then goes through
 * SSH, its fallback, which is also how it went before the direct path existed.
 */
export async function stopDirectPath(home: string): Promise<void> {
  const r = berthCli(home, ['ssh', '--', 'killall berth-engine-proxy']);
  if (r.status !== 0) throw new Error(`could not stop the guest's engine proxy: ${r.stderr}`);
  const log = machinePaths('default', home).agentLog;
  // The agent notices at its next new connection to the engine.
  for (let i = 0; i < 100 && !/direct path failed/.test(fs.readFileSync(log, 'utf8')); i++) {
    await latency({ socketPath: machinePaths('default', home).dockerSock, path: '/_ping' }, 1).catch(() => 0);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!/direct path failed/.test(fs.readFileSync(log, 'utf8')))
    throw new Error('the host agent did not fall back to SSH');
}

export function imageSize(t: BenchTarget): Figure {
  return {
    name: 'image size (kernel + initramfs + root)',
    short: 'image size',
    value: t.image.sizeBytes / 1e6,
    unit: 'MB',
    reference: 45,
    referenceName: 'budget',
    target: { op: '<=', ratio: 1 },
  };
}
