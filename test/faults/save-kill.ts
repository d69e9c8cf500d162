// Fault 4: kill -9 of QEMU in the middle of saving the machine's memory on `berth down`. The
// down must end (the machine stopped), the half-written memory must never be resumed, and the
// next up boots afresh with nothing lost (the guest synced its disk before the save began).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGE } from './data';
import { Verdict, type Fault } from './fault';
import { firstLines, waitFor, type Suite } from './suite';

export const saveKilled: Fault = {
  name: 'kill -9 of QEMU while berth down saves memory',
  async tryOnce(s: Suite) {
    const v = new Verdict();
    const qemu = s.qemuPid();
    if (!v.check(qemu !== undefined, 'no QEMU before the fault')) return v.result();
    const partial = path.join(s.dir, 'saved-vm.state.partial');
    const down = s.berth(['down'], { timeoutMs: 300_000 });
    // In the middle: QEMU has written part of the memory.
    const saving = await waitFor(
      () => {
        try {
          return fs.statSync(partial).size > 8 * 1024 * 1024;
        } catch {
          return false;
        }
      },
      180_000,
      20,
    );
    if (saving) process.kill(qemu!, 'SIGKILL');
    const r = await down;
    if (!v.check(saving === true, `the save never got under way: down exit ${r.code}: ${firstLines(r.stderr)}`))
      return v.result();
    v.check(!r.timedOut, 'berth down hung');
    const st = await waitFor(async () => (await s.status()).state === 'stopped', 60_000, 1000);
    v.check(st === true, `the state did not turn stopped: ${(await s.status()).state}`);
    v.check(!fs.existsSync(path.join(s.dir, 'saved-vm.json')), 'a description of the half-saved memory was left');
    const up = await s.berth(['up']);
    if (!v.check(up.code === 0, `berth up after the kill: ${firstLines(up.stderr)}`)) return v.result();
    v.check(!/resumed from saved memory/.test(up.stderr), 'up resumed memory that was cut off');
    const run = await s.docker(['run', '--rm', IMAGE, '/bin/busybox', 'echo', 'after'], { timeoutMs: 120_000 });
    v.check(run.stdout.trim() === 'after', `a container after the fresh boot: ${firstLines(run.stderr)}`);
    return v.result(`berth down: exit ${r.code}, ${firstLines(r.stderr + r.stdout, 1)}`);
  },
};
