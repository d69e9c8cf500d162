// Boots a real QEMU (a kernel + 1 MB busybox initramfs, see
// test/fixtures/qemu/tiny-vm/build.sh) through the real driver: spawner, pidfile,
// console watch, KVM→TCG fallback, QMP power-off. Skipped where QEMU or the tiny
// VM is missing. On the project's build host /dev/kvm exists but aborts, so this
// exercises the fallback for real; on a host with working KVM it boots under KVM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { VmSpec } from '../../app/base/vm-types';
import { findQemu, realHostFacts } from '../../app/driver/qemu/find-qemu';
import { QemuDriver } from '../../app/driver/qemu/qemu-driver';
import { pollUntil } from '../../app/base/time';

const tiny = process.env.BERTH_TINY_VM ?? '/tmp/berth-tiny-vm';

function skipReason(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'needs Linux x86_64';
  try {
    findQemu(realHostFacts());
  } catch {
    return 'QEMU is not installed';
  }
  if (!existsSync(path.join(tiny, 'vmlinuz'))) return `no tiny VM in ${tiny} (run test/fixtures/qemu/tiny-vm/build.sh)`;
  return undefined;
}

test(
  'real QEMU: auto start (falling back to TCG if KVM fails), graceful power-off, delete',
  { skip: skipReason(), timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-real-'));
    const spec: VmSpec = {
      name: 'realtest',
      dir,
      cpus: 1,
      memoryMiB: 256,
      diskGiB: 1,
      accel: 'auto',
      sshPort: 0,
      shares: [],
      image: {
        kernel: path.join(tiny, 'vmlinuz'),
        initrd: path.join(tiny, 'initrd.gz'),
        rootfs: path.join(tiny, 'root.img'),
        cmdline: 'console=ttyS0 panic=-1',
      },
      guestConfig: { authorizedKeys: 'ssh-ed25519 AAAA test\n', hostname: 'realtest', daemonJson: '{}' },
    };
    const log: string[] = [];
    const driver = new QemuDriver({ log: (m) => log.push(m) });
    const t0 = Date.now();
    try {
      await driver.validate();
      const progress: string[] = [];
      const r = await driver.start(spec, (m) => progress.push(m));
      const startedMs = Date.now() - t0;
      if (r.accel === 'tcg' && existsSync('/dev/kvm')) {
        assert.match(
          r.note ?? '',
          /^kvm (failed|made no progress).*; falling back to TCG \(software emulation, slower\)$/,
        );
      }
      assert.equal(await driver.inspect(spec), 'running');
      const pid = await driver.pid(spec);
      assert.ok(pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir));
      // Wait until init (and its acpid) runs, so the power button has a listener.
      const consoleFile = path.join(dir, 'console.log');
      assert.ok(
        await pollUntil(
          () => readFileSync(consoleFile, 'utf8').includes('berth-tiny-vm: init is running'),
          30_000,
          100,
        ),
        'init did not come up',
      );
      const bootedMs = Date.now() - t0;
      const how = await driver.shutdown(spec, 15_000);
      assert.equal(
        how,
        'powered-off',
        `${log.join('\n')}\n${readFileSync(consoleFile, 'utf8').split('\n').slice(-15).join('\n')}`,
      );
      assert.equal(await driver.inspect(spec), 'stopped');
      await driver.delete(spec, false);
      assert.equal(await driver.inspect(spec), 'absent');
      console.log(
        `# accel=${r.accel} note=${r.note ?? '-'} start=${startedMs}ms init=${bootedMs}ms total=${Date.now() - t0}ms`,
      );
    } finally {
      await driver.kill(spec).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
