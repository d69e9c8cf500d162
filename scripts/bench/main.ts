// `npm run bench`: every figure as a ratio against a reference measured in the
// same run, for each architecture whose image is present. Uses its own BERTH_HOME per
// architecture; leaves nothing running.
//   --arch x86_64,aarch64   the architectures to measure (default: both; a missing image is skipped
//                           in one line that says how to build it)
//   --quick                 one round, shorter idle and fewer round trips
//   --transfer-only         the engine socket's figures alone (round trips, and bulk on x86_64)
//   --runs N                loads and saves each way for the bulk figures (x86_64)
//   --json FILE             where the results go as JSON (default out/bench/results.json)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isUserError } from '../../app/base/errors';
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
import { ArchResult, Figure, formatComparison, formatFigure, formatTable, median, resultsJson } from './report';
import { benchTarget, BenchTarget, parseArchList } from './target';

interface Options {
  quick: boolean;
  /** The engine socket's figures alone (round trips and bulk transfer), without the boots, idle and UI. */
  transferOnly: boolean;
  runs?: number;
  arches: ReturnType<typeof parseArchList>;
  json: string;
}

/** What only the x86_64 run measures (each needs x86_64 programs in the guest, or is about the host). */
const X86_ONLY =
  'x86_64 only: bulk docker load/save, dockerode over ssh, the SSH fallback, idle CPU and the dashboard figures';

/** One architecture's output: each line says which architecture it is about. */
interface Out {
  print: (f: Figure) => void;
  note: (line: string) => void;
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  };
  const runs = value('--runs');
  return {
    quick: argv.includes('--quick'),
    transferOnly: argv.includes('--transfer-only'),
    runs: runs === undefined ? undefined : Number(runs),
    arches: parseArchList(argv),
    json: path.resolve(value('--json') ?? path.join(__dirname, '..', '..', 'bench', 'results.json')),
  };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const results: ArchResult[] = [];
  for (const arch of opts.arches) {
    let t: BenchTarget;
    try {
      t = benchTarget(arch);
    } catch (e) {
      if (!isUserError(e)) throw e;
      // Never a failure: the other architecture's figures still come.
      console.log(`[${arch}] figures skipped: ${e.message}`);
      results.push({ arch, figures: [], notes: [], skipped: e.message });
      continue;
    }
    console.log(`[${arch}] image ${t.image.dir}, QEMU/TCG (${t.qemu}), ${opts.quick ? 'quick' : 'full'} run`);
    results.push(await benchArch(t, opts));
  }
  console.log(`\n${formatTable(results)}`);
  fs.mkdirSync(path.dirname(opts.json), { recursive: true });
  fs.writeFileSync(
    opts.json,
    resultsJson(results, { quick: opts.quick, transferOnly: opts.transferOnly, arches: opts.arches }),
  );
  console.log(`results: ${opts.json}`);
  if (results.some((r) => r.failed)) process.exit(1);
}

/** Every figure of one architecture, on a machine of its own (its own BERTH_HOME). */
async function benchArch(t: BenchTarget, opts: Options): Promise<ArchResult> {
  const result: ArchResult = { arch: t.arch, image: t.image.dir, figures: [], notes: [] };
  const out: Out = {
    print: (f) => {
      result.figures.push(f);
      console.log(`[${t.arch}] ${formatFigure(f)}`);
    },
    note: (line) => {
      result.notes.push(line);
      console.log(`[${t.arch}]   ${line}`);
    },
  };
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `bb-${t.arch}-`));
  try {
    out.print(imageSize(t));
    // The floors the figures are measured against run under TCG too (core.ts, engine-floor.ts).
    const init = berthCli(home, ['init', '--memory', '2048', '--cpus', '2', '--accel', 'tcg', '--arch', t.arch]);
    if (init.status !== 0) throw new Error(init.stderr);
    if (!opts.transferOnly) await bootsAndIdle(t, home, opts.quick, out);
    else berthUp(home, true);
    await engineFigures(t, home, opts, out);
    if (t.arch !== 'x86_64') out.note(X86_ONLY);
    else if (!opts.transferOnly) {
      try {
        const ui = await import('./ui');
        for (const f of await ui.runUiBench({ quick: opts.quick })) out.print(f);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
      }
    }
  } catch (e) {
    // The other architectures still run and the figures so far are kept; the bench exits non-zero.
    result.failed = e instanceof Error ? e.message : String(e);
    console.log(`[${t.arch}] failed: ${result.failed}`);
    // Nothing left running: a machine still up is shut down before its folder goes.
    berthCli(home, ['down', '--shutdown']);
    const state = /"state": "([^"]+)"/.exec(berthCli(home, ['status', '--json']).stdout)?.[1];
    if (state !== 'stopped' && state !== 'not created') {
      console.log(`[${t.arch}] its machine could not be stopped: BERTH_HOME=${home} berth down --shutdown`);
      return result;
    }
  }
  fs.rmSync(home, { recursive: true, force: true });
  return result;
}

async function bootsAndIdle(t: BenchTarget, home: string, quick: boolean, out: Out): Promise<void> {
  // The engine's TCP listener is the round-trip reference and is never on outside the
  // benchmark; boot and memory are measured without it, as users run (dockerd 20.10 also
  // sleeps 1 s at start to show its warning about an unauthenticated TCP listener).

  // First boot formats the data disk: measured apart from the warm boots.
  const first = berthUp(home);
  out.note(`first boot (formats the data disk): ${first.toFixed(1)} s`);
  const rounds = quick ? 1 : 3;
  const floors: number[] = [];
  const engineFloors: EngineFloorBoot[] = [];
  const resumes: number[] = [];
  const boots: number[] = [];
  for (let i = 0; i < rounds; i++) {
    floors.push(await floorBoot(t, 2048, 2));
    // `berth down` saves the memory, and the next up resumes it: the everyday stop and start.
    berthDown(home, 'save');
    resumes.push(berthUp(home));
    // `berth down --shutdown` (and a restart, a crash, a new image): the next up boots afresh.
    berthDown(home, 'shutdown');
    engineFloors.push(await engineFloorBoot(t, 2048, 2));
    boots.push(berthUp(home));
  }
  out.print({
    name: 'boot: berth up to Docker answering on the host socket, resuming (after berth down)',
    short: 'resume / kernel floor',
    value: median(resumes),
    unit: 's',
    reference: median(floors),
    referenceName: 'kernel floor (same kernel, trivial init, same QEMU/TCG)',
    target: { op: '<=', ratio: 1.3 },
  });
  const engineFloor = median(engineFloors.map((b) => b.seconds));
  out.print({
    name: 'boot: berth up to Docker answering on the host socket, booting afresh (after down --shutdown)',
    short: 'fresh boot / engine floor',
    value: median(boots),
    unit: 's',
    reference: engineFloor,
    referenceName:
      'engine floor (same kernel and engine from an initramfs, data on tmpfs, /_ping on a raw TCP forward)',
    target: { op: '<=', ratio: 1.3 },
  });
  // Where a fresh boot's time goes next to the floor's: guest uptime at each step of the last boots.
  const last = engineFloors[engineFloors.length - 1].uptime;
  out.note(
    `engine floor, guest uptime: init ${last.init?.toFixed(2)} s, dockerd started ${last.dockerd?.toFixed(2)} s, ` +
      `/_ping on the host ${engineFloors[engineFloors.length - 1].seconds.toFixed(2)} s after QEMU started`,
  );
  out.note(`berth up afresh, guest uptime: ${bootPhases(home)}`);

  // Idle CPU on x86_64 only: the aarch64 machine is emulated here, where a Mac runs it under HVF.
  for (const f of await idleFigures(t, home, quick, t.arch === 'x86_64')) out.print(f);
  berthDown(home);

  // No setting turns the listener on: the host agent this `berth up` starts is asked for it
  // through its environment (app/agent/bench-engine-tcp.ts): a new agent, once the last one is gone.
  await agentGone(home);
  berthUp(home, true);
}

/**
 * Round trips through the Berth socket against the raw TCP forward (and on x86_64 bulk transfer,
 * dockerode's ssh transport and the SSH fallback); stops the machine.
 */
async function engineFigures(t: BenchTarget, home: string, opts: Options, out: Out): Promise<void> {
  const { quick } = opts;
  // Round trips are a steady-state figure: let the guest finish its one-off post-boot work
  // (the memory saver reclaims 5 s after the engine is ready, then the engine faults back in).
  await new Promise((r) => setTimeout(r, quick ? 5000 : 20000));
  try {
    const n = quick ? 50 : 400;
    if (t.arch !== 'x86_64') {
      // dockerode's ssh transport runs the host's (x86_64) docker CLI in the guest: not on aarch64.
      for (const f of await socketRoundTrips(home, n)) out.print(f);
      return;
    }
    for (const f of await roundTrips(home, n)) out.print(f);
    // `--runs N`: how many loads and saves each way (a 200 MB load takes a minute or two under TCG on a busy host).
    const runs = opts.runs ?? (quick ? 1 : 3);
    for (const f of bulkFigures(home, runs)) out.print(f);
    // The same through SSH, the socket's fallback when the direct path cannot be reached, and the
    // way it always went before the direct path: for comparison, in the same run.
    await stopDirectPath(home);
    const fallback = 'through SSH (the fallback; the socket before its direct path)';
    for (const f of await socketRoundTrips(home, n)) out.note(formatComparison(f, fallback));
    for (const f of bulkFigures(home, runs)) out.note(formatComparison(f, fallback));
  } finally {
    berthDown(home);
  }
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
