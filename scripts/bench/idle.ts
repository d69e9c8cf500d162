// What a machine costs the host while nothing runs in it: QEMU's and the host agent's CPU (a
// laptop's battery pays for every wake-up) and QEMU's resident memory, against the kernel floor VM
// (same kernel, same QEMU/TCG, its init asleep) idling for the same time.
import * as fs from 'node:fs';
import { agentPidIfAlive } from '../../app/agent/api/lock';
import { machinePaths } from '../../app/base/paths';
import { createDriver } from '../../app/driver/choose';
import { Machines } from '../../app/machine/machines';
import { startFloor } from './core';
import { Figure } from './report';
import type { BenchTarget } from './target';

const MiB = 1024 * 1024;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux the bench runs on). */
const USER_HZ = 100;

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/** Seconds of CPU (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name (which may hold spaces), from field 3 on.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / USER_HZ;
}

/** CPU % of one core each process used over the next `seconds`. */
async function cpuPercent(pids: number[], seconds: number): Promise<number[]> {
  const t0 = process.hrtime.bigint();
  const before = pids.map(cpuSeconds);
  await sleep(seconds);
  const after = pids.map(cpuSeconds);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  return pids.map((_, i) => ((after[i] - before[i]) / wall) * 100);
}

/** The idle kernel floor VM's QEMU CPU % over `seconds`, after `settle` seconds asleep. */
export async function floorIdleCpu(
  t: BenchTarget,
  memoryMiB: number,
  cpus: number,
  settle: number,
  seconds: number,
): Promise<number> {
  const vm = await startFloor(t, memoryMiB, cpus, true);
  try {
    await sleep(settle);
    return (await cpuPercent([vm.pid], seconds))[0];
  } finally {
    vm.kill();
  }
}

/**
 * The running machine left alone: `settle` seconds for what follows a boot (the memory saver's
 * first reclaim and the engine faulting its code back in), then QEMU's and the agent's CPU over
 * `seconds`, then QEMU's RSS.
 */
export async function machineIdle(
  home: string,
  settle: number,
  seconds: number,
): Promise<{ qemuCpu: number; agentCpu: number; rssMiB: number; memoryMiB: number }> {
  const st = await new Machines({ home, driver: createDriver }).status('default');
  const pid = st.agent?.vmPid;
  const p = machinePaths('default', home);
  const agentPid = agentPidIfAlive(p.agentPid, p.dir);
  if (!pid || !agentPid) throw new Error('no VM or agent pid');
  await sleep(settle);
  const [qemuCpu, agentCpu] = await cpuPercent([pid, agentPid], seconds);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
  return { qemuCpu, agentCpu, rssMiB: (kb * 1024) / MiB, memoryMiB: st.memoryMiB ?? 2048 };
}

/**
 * The idle figures: QEMU's CPU against the idle floor and against the 2 % budget, and RSS.
 * With `cpu` false (aarch64: emulated here, where a Mac runs it under HVF) only the RSS, after the
 * same time idle.
 */
export async function idleFigures(t: BenchTarget, home: string, quick: boolean, cpu = true): Promise<Figure[]> {
  const settle = quick ? 10 : 20;
  const seconds = quick ? 20 : 60;
  const m = await machineIdle(home, settle, seconds);
  const rss: Figure = {
    name: `QEMU idle RSS, ${m.memoryMiB} MiB machine after ${settle + seconds} s idle`,
    short: 'idle memory (QEMU RSS)',
    value: m.rssMiB,
    unit: 'MiB',
    reference: 400,
    referenceName: 'budget',
    target: { op: '<=', ratio: 1 },
  };
  if (!cpu) return [rss];
  const floor = await floorIdleCpu(t, m.memoryMiB, 2, 5, seconds);
  const name = `QEMU CPU idle, % of one core over ${seconds} s (host agent: ${m.agentCpu.toFixed(2)} %)`;
  return [
    {
      name,
      short: 'idle CPU / asleep kernel floor',
      value: m.qemuCpu,
      unit: '%',
      reference: floor,
      referenceName: 'kernel floor VM asleep for the same time (same kernel and QEMU/TCG, no devices)',
      // No target of its own: what a laptop pays is the figure against the budget below; this one
      // shows how much of it is Berth's rather than QEMU's and the kernel's.
    },
    {
      name,
      short: 'idle CPU / 2 % budget',
      value: m.qemuCpu,
      unit: '%',
      reference: 2,
      referenceName: 'budget',
      target: { op: '<=', ratio: 1 },
    },
    rss,
  ];
}
