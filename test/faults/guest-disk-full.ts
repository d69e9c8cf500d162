// Fault 6: the VM's own disk full (a file in a volume taking all the data disk's free space).
// Docker must say so clearly ("no space left on device"), the engine must go on answering, and
// once the file is gone everything works again. The space is taken with fallocate, so the
// host's disk does not grow with it.
import { randomBytes } from 'node:crypto';
import { busyboxRootfsTar } from '../helpers/tiny-image';
import { IMAGE } from './data';
import { Verdict, type Fault } from './fault';
import { firstLines, type Suite } from './suite';

const FILL = '/var/lib/docker/volumes/fault-data/_data/fill';

export const guestDiskFull: Fault = {
  name: "the VM's own disk full",
  async tryOnce(s: Suite, n: number) {
    const v = new Verdict();
    // All the free space, reserved blocks too (the engine runs as root), then the last blocks.
    const fill = await s.berth(
      [
        'ssh',
        '--',
        `fallocate -l $(( $(stat -f -c '%a*%S' /var/lib/docker) )) ${FILL}; ` +
          `dd if=/dev/zero of=${FILL}.tail bs=4k 2>/dev/null; sync; df -k /var/lib/docker | tail -1`,
      ],
      { timeoutMs: 300_000 },
    );
    v.check(/\s0\s+100%/.test(fill.stdout), `the disk did not fill: ${firstLines(fill.stdout + fill.stderr)}`);
    const tries = [
      await s.docker(['run', '--rm', IMAGE, '/bin/sh', '-c', 'echo x > /x']),
      await s.docker(['import', busyboxRootfsTar(), `fault-full:${n}-${randomBytes(3).toString('hex')}`]),
    ];
    const clear = tries.filter((r) => r.code !== 0 && /no space left on device/i.test(r.stderr));
    v.check(
      clear.length > 0,
      `no docker command said "no space left on device": ${tries.map((r) => `exit ${r.code} ${firstLines(r.stderr, 1)}`).join(', ')}`,
    );
    v.check(await s.engineAnswers(), 'the engine stopped answering with its disk full');
    const ps = await s.docker(['ps', '-a', '--format', '{{.Names}}']);
    v.check(ps.code === 0, `docker ps with the disk full: ${firstLines(ps.stderr)}`);
    const freed = await s.berth([
      'ssh',
      '--',
      `rm -f ${FILL} ${FILL}.tail; sync; fstrim /var/lib/docker 2>/dev/null; true`,
    ]);
    v.check(freed.code === 0, `could not free the space: ${firstLines(freed.stderr)}`);
    const run = await s.docker(['run', '--rm', IMAGE, '/bin/sh', '-c', 'echo x > /x && /bin/busybox echo after'], {
      timeoutMs: 120_000,
    });
    v.check(run.stdout.trim() === 'after', `a container once space was freed: ${firstLines(run.stderr)}`);
    const imp = await s.docker(['import', busyboxRootfsTar(), `fault-full:${n}-after`]);
    v.check(imp.code === 0, `an import once space was freed: ${firstLines(imp.stderr)}`);
    await s.docker(['image', 'rm', `fault-full:${n}-after`]);
    return v.result(`docker said: ${firstLines(clear[0]?.stderr ?? '', 1)}`);
  },
};
