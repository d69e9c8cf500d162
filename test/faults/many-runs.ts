// Fault 7: 50 `docker run --rm` at once through the socket. Every one prints what it was asked
// to and exits 0, none is left behind, and the engine goes on.
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
        s.docker(['run', '--rm', '--label', 'berth-fault=many', IMAGE, '/bin/busybox', 'echo', `run-${n}-${i}`], {
          timeoutMs: 900_000,
        }),
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
