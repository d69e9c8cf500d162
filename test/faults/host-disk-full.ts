// Fault 5: the host's disk filling up while the data disk grows. The machine's folder sits on
// a small filesystem of its own (a tmpfs; main.ts mounts it); a file takes all but ~100 MB of it,
// and a 200 MB `docker load` then needs more than there is. The load must fail with a clear
// error, the data disk must stay sound (`qemu-img check`), and once the space is freed the
// machine goes on without anything lost.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bigImageTar } from './big-image';
import { IMAGE } from './data';
import { Verdict, type Fault } from './fault';
import { loadWithFault } from './load';
import { firstLines, runProgram, waitFor, type Suite } from './suite';

const LEAVE_FREE = 100 * 1024 * 1024;

function freeBytes(dir: string): number {
  const st = fs.statfsSync(dir);
  return st.bavail * st.bsize;
}

export const hostDiskFull: Fault = {
  name: "the host's disk full while the data disk grows",
  async tryOnce(s: Suite, n: number) {
    const v = new Verdict();
    if (!v.check(s.smallFs, 'the machine folder is not on a small filesystem of its own (run as root)'))
      return v.result();
    const tar = bigImageTar(s.work, `fault-big:host${n}`);
    const filler = path.join(s.home, 'filler');
    execFileSync('fallocate', ['-l', String(freeBytes(s.home) - LEAVE_FREE), filler]);
    let r;
    try {
      r = await loadWithFault(s, tar.file, Infinity, () => undefined, 600_000);
    } finally {
      fs.rmSync(tar.file, { force: true });
    }
    v.check(
      r.code !== 0 && !r.timedOut && /host's disk is full/.test(r.stderr),
      `docker load with the host's disk full: exit ${r.code}${r.timedOut ? ' (hung)' : ''}: ${firstLines(r.stderr)}`,
    );
    const st = await s.status();
    v.check(
      /disk is full/.test(st.reason ?? ''),
      `berth status did not say the disk is full: ${st.state} ${st.reason ?? ''}`,
    );
    fs.rmSync(filler, { force: true });
    const back = await waitFor(() => s.engineAnswers(), 180_000, 2000);
    if (!v.check(back === true, 'the engine did not answer again once space was freed')) return v.result();
    const run = await s.docker(['run', '--rm', IMAGE, '/bin/busybox', 'echo', 'after'], { timeoutMs: 120_000 });
    v.check(run.stdout.trim() === 'after', `a container once space was freed: ${firstLines(run.stderr)}`);
    // The data disk's qcow2 is checked with no QEMU holding it: the machine is stopped (its memory
    // saved), checked, and started again.
    const down = await s.berth(['down']);
    v.check(down.code === 0, `berth down: ${firstLines(down.stderr)}`);
    const check = await runProgram('qemu-img', ['check', path.join(s.dir, 'data.qcow2')], { timeoutMs: 300_000 });
    v.check(
      check.code === 0 && /No errors were found/.test(check.stdout),
      `qemu-img check: exit ${check.code}: ${firstLines(check.stdout + check.stderr)}`,
    );
    const up = await s.berth(['up']);
    v.check(up.code === 0, `berth up after the check: ${firstLines(up.stderr)}`);
    return v.result(`docker load said: ${firstLines(r.stderr, 1)}`);
  },
};
