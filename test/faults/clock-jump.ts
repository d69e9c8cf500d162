// Fault 8: the host's clock jumping (set by hand, or by NTP after a long sleep), forward two hours
// and back again. What it exercises is Berth's own code: the host agent runs under libfaketime
// (LD_PRELOAD, its wall clock read from a file the suite rewrites; the monotonic clock left
// alone, as a real clock change leaves it), so its clock keeper sees the wall clock jump and
// sets the guest's clock to match, while the SSH link's timers and the engine go on. The host's
// real clock is not touched (other work runs on this machine), and neither is QEMU's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pidAlive } from '../../app/base/proc';
import { IMAGE } from './data';
import { Verdict, type Fault } from './fault';
import { firstLines, waitFor, type Suite } from './suite';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const JUMP_S = 2 * 3600;

async function guestOffset(s: Suite): Promise<number | undefined> {
  const r = await s.berth(['ssh', '--', 'date +%s'], { timeoutMs: 60_000 });
  const t = Number(r.stdout.trim());
  return r.code === 0 && Number.isFinite(t) && t > 0 ? t - Date.now() / 1000 : undefined;
}

/** Replaces the running agent (the VM runs on) with one started with `env`: kill -9, then up reattaches. */
async function newAgent(s: Suite, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const old = s.agentPid();
  if (old) process.kill(old, 'SIGKILL');
  await waitFor(() => !old || !pidAlive(old), 10_000);
  const up = await s.berth(['up'], { env });
  return up.code === 0 ? undefined : firstLines(up.stderr);
}

export const clockJump: Fault = {
  name: "the host's clock jumping 2 h forward and back",
  async tryOnce(s: Suite, n: number) {
    const v = new Verdict();
    if (!v.check(fs.existsSync(LIBFAKETIME), `${LIBFAKETIME} is missing (apt-get install faketime)`)) return v.result();
    const rc = path.join(s.work, `faketime-${n}`);
    fs.writeFileSync(rc, '+0\n');
    const fake = {
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: rc,
      FAKETIME_NO_CACHE: '1',
      DONT_FAKE_MONOTONIC: '1',
      // Only Node (the CLI and the agent it starts): QEMU is running already, ssh-keygen and
      // the like see the real time.
      FAKETIME_ONLY_CMDS: 'node',
    };
    const e1 = await newAgent(s, fake);
    if (!v.check(e1 === undefined, `up under faketime: ${e1}`)) return v.result();
    for (const [label, offset, expect] of [
      ['forward', `+${JUMP_S}`, JUMP_S],
      ['back', '+0', 0],
    ] as const) {
      const logLen = s.agentLog().length;
      fs.writeFileSync(rc, `${offset}\n`);
      // The agent compares its clocks every 5 s and sets the guest's at once when they jumped.
      const set = await waitFor(
        () =>
          /guest clock was \d+ s (behind|ahead of) the host's, now set \(the host's clock jumped/.test(
            s.agentLog().slice(logLen),
          ),
        60_000,
        500,
      );
      v.check(set === true, `the agent did not set the guest's clock after the jump ${label}`);
      const off = await guestOffset(s);
      v.check(
        off !== undefined && Math.abs(off - expect) < 10,
        `after the jump ${label} the guest's clock is ${off?.toFixed(0)} s off the real time (want ${expect})`,
      );
      const run = await s.docker(['run', '--rm', IMAGE, '/bin/busybox', 'echo', label], { timeoutMs: 120_000 });
      v.check(run.stdout.trim() === label, `a container after the jump ${label}: ${firstLines(run.stderr)}`);
    }
    const e2 = await newAgent(s, {});
    v.check(e2 === undefined, `up without faketime: ${e2}`);
    return v.result();
  },
};
