// `npm run bench`: every figure as a ratio against a reference measured in the
// same run. Uses its own BERTH_HOME; leaves nothing running.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  agentGone,
  berthCli,
  berthDown,
  berthUp,
  bulkFigures,
  floorBoot,
  imageSize,
  roundTrips,
  socketRoundTrips,
  stopDirectPath,
} from './core';
import { engineFloorBoot, EngineFloorBoot } from './engine-floor';
import { bootPhases } from './boot-phases';
import { idleFigures } from './idle';
import { Figure, formatComparison, formatFigure, median } from './report';

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  // The engine socket's figures alone (round trips and bulk transfer), without the boots, idle and UI.
  const transferOnly = process.argv.includes('--transfer-only');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-'));
  const figures: Figure[] = [];
  const print = (f: Figure) => {
    figures.push(f);
    console.log(formatFigure(f));
  };
  print(imageSize());

  // x86_64, as the floors the figures are measured against (core.ts, engine-floor.ts).
  const init = berthCli(home, ['init', '--memory', '2048', '--cpus', '2', '--accel', 'tcg', '--arch', 'x86_64']);
  if (init.status !== 0) throw new Error(init.stderr);
  if (!transferOnly) await bootsAndIdle(home, quick, print);
  else berthUp(home, true);
  await engineFigures(home, quick, print);
  if (!transferOnly) {
    try {
      const ui = await import('./ui');
      for (const f of await ui.runUiBench({ quick })) print(f);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  fs.rmSync(home, { recursive: true, force: true });
}

async function bootsAndIdle(home: string, quick: boolean, print: (f: Figure) => void): Promise<void> {
  // The engine's TCP listener is the round-trip reference and is never on outside the
  // benchmark; boot and memory are measured without it, as users run (dockerd 20.10 also
  // sleeps 1 s at start to show its warning about an unauthenticated TCP listener).

  // First boot formats the data disk: measured apart from the warm boots.
  const first = berthUp(home);
  console.log(`first boot (formats the data disk): ${first.toFixed(1)} s`);
  const rounds = quick ? 1 : 3;
  const floors: number[] = [];
  const engineFloors: EngineFloorBoot[] = [];
  const resumes: number[] = [];
  const boots: number[] = [];
  for (let i = 0; i < rounds; i++) {
    floors.push(await floorBoot(2048, 2));
    // `berth down` saves the memory, and the next up resumes it: the everyday stop and start.
    berthDown(home, 'save');
    resumes.push(berthUp(home));
    // `berth down --shutdown` (and a restart, a crash, a new image): the next up boots afresh.
    berthDown(home, 'shutdown');
    engineFloors.push(await engineFloorBoot(2048, 2));
    boots.push(berthUp(home));
  }
  print({
    name: 'boot: berth up to Docker answering on the host socket, resuming (after berth down)',
    value: median(resumes),
    unit: 's',
    reference: median(floors),
    referenceName: 'kernel floor (same kernel, trivial init, same QEMU/TCG)',
    target: { op: '<=', ratio: 1.3 },
  });
  const engineFloor = median(engineFloors.map((b) => b.seconds));
  print({
    name: 'boot: berth up to Docker answering on the host socket, booting afresh (after down --shutdown)',
    value: median(boots),
    unit: 's',
    reference: engineFloor,
    referenceName:
      'engine floor (same kernel and engine from an initramfs, data on tmpfs, /_ping on a raw TCP forward)',
    target: { op: '<=', ratio: 1.3 },
  });
  // Where a fresh boot's time goes next to the floor's: guest uptime at each step of the last boots.
  const last = engineFloors[engineFloors.length - 1].uptime;
  console.log(
    `  engine floor, guest uptime: init ${last.init?.toFixed(2)} s, dockerd started ${last.dockerd?.toFixed(2)} s, ` +
      `/_ping on the host ${engineFloors[engineFloors.length - 1].seconds.toFixed(2)} s after QEMU started`,
  );
  console.log(`  berth up afresh, guest uptime: ${bootPhases(home)}`);

  for (const f of await idleFigures(home, quick)) print(f);
  berthDown(home);

  // No setting turns the listener on: the host agent this `berth up` starts is asked for it
  // through its environment (app/agent/bench-engine-tcp.ts): a new agent, once the last one is gone.
  await agentGone(home);
  berthUp(home, true);
}

/** Round trips and bulk transfer through the Berth socket against the raw TCP forward; stops the machine. */
async function engineFigures(home: string, quick: boolean, print: (f: Figure) => void): Promise<void> {
  // Round trips are a steady-state figure: let the guest finish its one-off post-boot work
  // (the memory saver reclaims 5 s after the engine is ready, then the engine faults back in).
  await new Promise((r) => setTimeout(r, quick ? 5000 : 20000));
  try {
    const n = quick ? 50 : 400;
    for (const f of await roundTrips(home, n)) print(f);
    // `--runs N`: how many loads and saves each way (a 200 MB load takes a minute or two under TCG on a busy host).
    const runsFlag = process.argv.indexOf('--runs');
    const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : quick ? 1 : 3;
    for (const f of bulkFigures(home, runs)) print(f);
    // The same through SSH, the socket's fallback when the direct path cannot be reached, and the
    // way it always went before the direct path: for comparison, in the same run.
    await stopDirectPath(home);
    const fallback = 'through SSH (the fallback; the socket before its direct path)';
    for (const f of await socketRoundTrips(home, n)) console.log(formatComparison(f, fallback));
    for (const f of bulkFigures(home, runs)) console.log(formatComparison(f, fallback));
  } finally {
    berthDown(home);
  }
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
