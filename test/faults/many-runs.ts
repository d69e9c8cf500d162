// Fault 7: 50 `docker run --rm` at once through the socket. Every one prints what it was asked
// to and exits 0, none is left behind, and the engine goes on. What is under test is Berth's
// side: 50 clients at once on the host socket, each with its requests on the kept channels and
// its attach on a channel of its own, over one SSH connection. The containers have no network
// (--network none): under TCG on 2 loaded cores, 50 veth pairs and their iptables work took the
// guest ~10 minutes a round, which is the engine's time, not Berth's.
import { IMAGE } from './data';
import { Verdict, type Fault } from './fault';
import { firstLines, type Suite } from './suite';

const AT_ONCE = 50;

export const manyRuns: Fault = {
  name: `${AT_ONCE} docker run --rm at once`,
  async tryOnce(s: Suite, n: number) {
    const v = new Verdict();
    const runs = await Promise.all(
      Array.from({ length: AT_ONCE }, (_, i) =>
        s.docker(
          [
            'run',
            '--rm',
            '--network',
            'none',
            '--label',
            'berth-fault=many',
            IMAGE,
            '/bin/busybox',
            'echo',
            `run-${n}-${i}`,
          ],
          {
            timeoutMs: 900_000,
          },
        ),
      ),
    );
    const bad = runs
      .map((r, i) => ({ r, i }))
      .filter(({ r, i }) => r.code !== 0 || r.stdout.trim() !== `run-${n}-${i}`);
    v.check(
      bad.length === 0,
      `${bad.length} of ${AT_ONCE} failed, e.g. #${bad[0]?.i}: exit ${bad[0]?.r.code}${bad[0]?.r.timedOut ? ' (hung)' : ''}: ${firstLines(bad[0]?.r.stderr ?? '', 1)}`,
    );
    const left = await s.docker(['ps', '-aq', '--filter', 'label=berth-fault=many']);
    v.check(
      left.code === 0 && left.stdout.trim() === '',
      `containers left behind: ${left.stdout.trim().split('\n').length}`,
    );
    v.check(await s.engineAnswers(), 'the engine does not answer after the runs');
    return v.result();
  },
};
