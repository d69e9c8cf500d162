// Faults 1 and 2: kill -9 of QEMU, and of the host agent, in the middle of a 200 MB `docker load`.
import * as fs from 'node:fs';
import { pidAlive } from '../../app/base/proc';
import { bigImageTar } from './big-image';
import { IMAGE } from './data';
import { Verdict, type Fault } from './fault';
import { loadWithFault } from './load';
import { firstLines, waitFor, type Suite } from './suite';

/** A failed docker command whose output is a message, not a Go panic or a hang. */
function cleanError(r: { code: number; stderr: string; timedOut: boolean }): boolean {
  return r.code !== 0 && !r.timedOut && r.stderr.trim() !== '' && !/panic|goroutine/.test(r.stderr);
}

export const qemuKilledDuringLoad: Fault = {
  name: 'kill -9 of QEMU during a 200 MB docker load',
  async tryOnce(s: Suite, n: number) {
    const v = new Verdict();
    const tar = bigImageTar(s.work, `fault-big:qemu${n}`);
    const qemu = s.qemuPid();
    if (!v.check(qemu !== undefined, 'no QEMU process before the fault')) return v.result();
    const r = await loadWithFault(s, tar.file, tar.bytes / 2, () => process.kill(qemu!, 'SIGKILL'));
    fs.rmSync(tar.file, { force: true });
    v.check(r.faulted, `the load ended after ${r.sent} bytes, before the fault`);
    v.check(cleanError(r), `docker load: exit ${r.code}${r.timedOut ? ' (hung)' : ''}: ${firstLines(r.stderr)}`);
    const stopped = await waitFor(async () => (await s.status()).state === 'stopped', 60_000, 1000);
    v.check(stopped === true, `the state did not turn stopped: ${(await s.status()).state}`);
    const up = await s.berth(['up']);
    if (!v.check(up.code === 0, `berth up after the kill: ${firstLines(up.stderr)}`)) return v.result();
    const run = await s.docker(['run', '--rm', IMAGE, '/bin/busybox', 'echo', 'after'], { timeoutMs: 120_000 });
    v.check(run.stdout.trim() === 'after', `a container after the restart: ${firstLines(run.stderr)}`);
    return v.result(`docker load said: ${firstLines(r.stderr, 1)}`);
  },
};

export const agentKilledDuringLoad: Fault = {
  name: 'kill -9 of the host agent during a load',
  async tryOnce(s: Suite, n: number) {
    const v = new Verdict();
    const tar = bigImageTar(s.work, `fault-big:agent${n}`);
    const qemu = s.qemuPid();
    const agent = s.agentPid();
    if (!v.check(qemu !== undefined && agent !== undefined, 'no QEMU or agent before the fault')) return v.result();
    const r = await loadWithFault(s, tar.file, tar.bytes / 2, () => process.kill(agent!, 'SIGKILL'));
    fs.rmSync(tar.file, { force: true });
    v.check(r.faulted, `the load ended after ${r.sent} bytes, before the fault`);
    v.check(cleanError(r), `docker load: exit ${r.code}${r.timedOut ? ' (hung)' : ''}: ${firstLines(r.stderr)}`);
    v.check(pidAlive(qemu!), 'the VM did not keep running');
    const st = await s.status();
    v.check(st.state === 'broken', `berth status said ${st.state}, not broken (the VM runs without its agent)`);
    // The next command works: berth up takes the running VM over (no boot), and docker answers.
    const up = await s.berth(['up']);
    if (!v.check(up.code === 0, `berth up after the kill: ${firstLines(up.stderr)}`)) return v.result();
    v.check(/reattached/.test(up.stderr), 'berth up did not reattach to the running VM');
    v.check(s.qemuPid() === qemu, 'the VM is not the same QEMU process');
    const run = await s.docker(['run', '--rm', IMAGE, '/bin/busybox', 'echo', 'after'], { timeoutMs: 120_000 });
    v.check(run.stdout.trim() === 'after', `a container after the reattach: ${firstLines(run.stderr)}`);
    return v.result(`docker load said: ${firstLines(r.stderr, 1)}`);
  },
};
