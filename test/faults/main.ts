// `npm run faults [-- --quick] [--only=WORD,...]`: boots a real machine and does each fault to
// it several times (once with --quick), checking after every try that Berth came back and that
// no data was lost; prints the table and exits non-zero unless every try recovered with nothing
// lost. The machine folder sits on a small tmpfs of its own so that the host's disk can fill up.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cmdline } from '../../app/base/proc';
import { DataSet } from './data';
import type { Fault } from './fault';
import { clockJump } from './clock-jump';
import { guestDiskFull } from './guest-disk-full';
import { hostDiskFull } from './host-disk-full';
import { agentKilledDuringLoad, qemuKilledDuringLoad } from './load-faults';
import { manyRuns } from './many-runs';
import { saveKilled } from './save-kill';
import { sshCut } from './ssh-cut';
import { firstLines, Suite } from './suite';
import { allWell, formatTable, type FaultRow } from './table';

/** In the issue's order (#15), but the longest (50 containers under TCG) last. */
const FAULTS: Fault[] = [
  qemuKilledDuringLoad,
  agentKilledDuringLoad,
  sshCut,
  saveKilled,
  hostDiskFull,
  guestDiskFull,
  clockJump,
  manyRuns,
];

/** The machine folder's filesystem: room for the data disk, saved memory and a 200 MB load or two. */
const HOME_FS_MB = 3072;

function mountSmallFs(home: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${HOME_FS_MB}m,mode=0700`, 'berth-faults', home], {
      stdio: 'pipe',
    });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const only = onlyArg?.split(',');
  const tries = quick ? 1 : 3;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-'));
  const home = path.join(work, 'h');
  fs.mkdirSync(home, { mode: 0o700 });
  const smallFs = mountSmallFs(home);
  const t0 = Date.now();
  const say = (m: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${m}\n`);
  const s = new Suite(home, work, say, smallFs);
  const rows: FaultRow[] = [];
  const cleanup = () => tearDown(s, work, smallFs);
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    say(`machine home ${home}${smallFs ? ` (a ${HOME_FS_MB} MB tmpfs)` : ' (not a small filesystem: not root?)'}`);
    // The default memory (2 GiB): 50 containers starting at once hold ~900 MB in their shims and
    // runc processes, which a 1 GiB machine does not have (the kernel then ends containers' processes;
    // the engine itself is kept from the OOM killer, see the guest's /etc/berth/boot).
    const init = await s.berth(['init', '--memory', '2048', '--disk', '8', '--no-share']);
    if (init.code !== 0) throw new Error(`berth init: ${init.stderr}`);
    await s.up();
    const data = new DataSet(s);
    await data.setup();
    say('machine up, data written');
    for (const fault of FAULTS) {
      if (only && !only.some((o) => fault.name.includes(o))) continue;
      const row: FaultRow = { fault: fault.name, tries: 0, recovered: 0, lost: 0, notes: [] };
      rows.push(row);
      for (let n = 1; n <= tries; n++) {
        row.tries++;
        const tag = `${fault.name} #${n}`;
        let recovered = false;
        let note: string | undefined;
        try {
          await ensureRunning(s);
          await data.writeSynced(`try-${rows.length}-${n}`);
          say(`${tag}: start`);
          ({ recovered, note } = await fault.tryOnce(s, n));
        } catch (e) {
          note = `the try failed: ${(e as Error).message}`;
        }
        if (recovered) row.recovered++;
        let lost: string[] = [];
        try {
          await ensureRunning(s);
          lost = await data.lost();
        } catch (e) {
          lost = [`data could not be checked: ${firstLines((e as Error).message, 1)}`];
        }
        if (lost.length) row.lost++;
        if (!recovered || lost.length) {
          row.notes.push(
            `#${n}: ${[recovered ? '' : `not recovered: ${note}`, ...lost.map((l) => `lost: ${l}`)].filter(Boolean).join('; ')}`,
          );
          say(`${tag}: machine logs:\n${s.logs()}`);
        }
        say(
          `${tag}: ${recovered ? 'recovered' : 'NOT recovered'}${lost.length ? `, LOST ${lost.join(', ')}` : ''}${note ? ` (${note})` : ''}`,
        );
      }
      say(`so far:\n${formatTable(rows)}`);
    }
  } catch (e) {
    say(`the suite could not go on: ${(e as Error).message}\n${s.logs()}`);
    rows.push({ fault: 'the suite itself', tries: 1, recovered: 0, lost: 0, notes: [(e as Error).message] });
  } finally {
    cleanup();
  }
  say(`done in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
  console.log(formatTable(rows));
  return allWell(rows) ? 0 : 1;
}

/** Before a try: the machine runs (a try that did not recover may have left it stopped or broken). */
async function ensureRunning(s: Suite): Promise<void> {
  const st = await s.status();
  if (st.state === 'running' && (await s.engineAnswers())) return;
  s.say(`machine is ${st.state}${st.reason ? ` (${st.reason})` : ''}: berth up`);
  await s.up();
}

/** Stops the machine and ends every process this suite started (they all name its home), then unmounts. */
function tearDown(s: Suite, work: string, smallFs: boolean): void {
  try {
    execFileSync(process.execPath, [path.join(__dirname, '..', '..', '..', 'bin', 'berth'), 'down', '--shutdown'], {
      env: s.berthEnv,
      timeout: 90_000,
      stdio: 'ignore',
    });
  } catch {
    // killed below
  }
  for (const pid of fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number)) {
    if (pid !== process.pid && cmdline(pid)?.includes(s.home)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
  if (smallFs) {
    try {
      execFileSync('umount', ['-l', s.home], { stdio: 'ignore' });
    } catch {
      // left mounted: say so
      s.say(`could not unmount ${s.home}`);
    }
  }
  if (!process.env.BERTH_KEEP_TEST_HOMES) fs.rmSync(work, { recursive: true, force: true });
  else s.say(`kept ${work}`);
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
