// Fault 3: the SSH connection to the VM cut (every sshd session in the guest killed, as a
// network drop or a host sleep does) while `docker logs -f` and `docker run -i` are streaming.
// Neither client may hang: a stream that rode the connection ends, one on the engine's direct
// path (the default, app/agent/engine-direct.ts) streams on; the agent reconnects, and both work.
import { CUT_SSH_SESSIONS } from '../helpers/guest-commands';
import { IMAGE } from './data';
import { Verdict, type Fault } from './fault';
import { firstLines, waitFor, type Suite } from './suite';

function watch(child: ReturnType<Suite['spawnDocker']>) {
  const w = { out: '', err: '', exited: undefined as number | undefined };
  child.stdout.on('data', (d) => (w.out += d));
  child.stderr.on('data', (d) => (w.err += d));
  child.on('close', (code) => (w.exited = code ?? -1));
  return w;
}

export const sshCut: Fault = {
  name: 'SSH connection cut during docker logs -f and docker run -i',
  async tryOnce(s: Suite, n: number) {
    const v = new Verdict();
    const name = `fault-talker-${n}`;
    await s.dockerOk([
      'run',
      '-d',
      '--name',
      name,
      IMAGE,
      '/bin/sh',
      '-c',
      'i=0; while true; do echo tick $i; i=$((i+1)); /bin/busybox sleep 1; done',
    ]);
    const logsProc = s.spawnDocker(['logs', '-f', name]);
    const logs = watch(logsProc);
    const catProc = s.spawnDocker(['run', '-i', '--rm', IMAGE, '/bin/cat']);
    const cat = watch(catProc);
    catProc.stdin.on('error', () => undefined);
    catProc.stdin.write('before the cut\n');
    const streaming = await waitFor(() => /tick/.test(logs.out) && /before the cut/.test(cat.out), 120_000);
    if (
      !v.check(
        streaming === true,
        `the streams did not start: logs ${firstLines(logs.err)}, cat ${firstLines(cat.err)}`,
      )
    ) {
      return v.result();
    }
    const reconnects = (s.agentLog().match(/reconnecting/g) ?? []).length;
    await s.berth(['ssh', '--', CUT_SSH_SESSIONS], { timeoutMs: 60_000 });
    const noticed = await waitFor(() => (s.agentLog().match(/reconnecting/g) ?? []).length > reconnects, 60_000);
    v.check(noticed === true, 'the agent did not notice the cut');
    // A client whose stream rode the connection that is gone ends; one on the direct path goes on
    // streaming: a new tick, and a line written after the cut comes back. Neither may hang.
    const ticksAtCut = logs.out.length;
    if (cat.exited === undefined) catProc.stdin.write('after the cut, same client\n');
    const settled = await waitFor(
      () =>
        (logs.exited !== undefined || /tick/.test(logs.out.slice(ticksAtCut))) &&
        (cat.exited !== undefined || /after the cut, same client/.test(cat.out)),
      90_000,
      500,
    );
    const how = (w: { exited?: number }, live: boolean) =>
      w.exited !== undefined ? `ended (exit ${w.exited})` : live ? 'streams on' : 'hung';
    const logsHow = how(logs, /tick/.test(logs.out.slice(ticksAtCut)));
    const catHow = how(cat, /after the cut, same client/.test(cat.out));
    v.check(settled === true, `a client hung after the cut: logs -f ${logsHow}, run -i ${catHow}`);
    // Clients still running are ended so that the next try starts clean: cat at the end of its input.
    catProc.stdin.end();
    if (!(await waitFor(() => cat.exited !== undefined, 30_000))) catProc.kill('SIGKILL');
    if (logs.exited === undefined) logsProc.kill('SIGKILL');
    // Both work again over the new connection; the container streamed on.
    const again = await s.docker(['run', '-i', '--rm', IMAGE, '/bin/cat'], {
      input: 'after the cut\n',
      timeoutMs: 120_000,
    });
    v.check(again.stdout === 'after the cut\n', `docker run -i after the cut: ${firstLines(again.stderr)}`);
    const before = Number(/tick (\d+)\s*$/.exec(logs.out)?.[1] ?? -1);
    const follow = watch(s.spawnDocker(['logs', '-f', '--tail', '1', name]));
    const later = await waitFor(() => {
      const m = [...follow.out.matchAll(/tick (\d+)/g)].map((x) => Number(x[1]));
      return m.some((t) => t > before + 1);
    }, 60_000);
    v.check(later === true, `docker logs -f after the cut showed no new lines: ${firstLines(follow.out + follow.err)}`);
    await s.docker(['rm', '-f', name]);
    await waitFor(() => follow.exited !== undefined, 30_000);
    return v.result(`after the cut: logs -f ${logsHow}, run -i ${catHow}`);
  },
};
