// Boots a real QEMU (a kernel + 1 MB busybox initramfs, see test/fixtures/qemu/tiny-vm/build.sh)
// through the real driver: spawner, pidfile, console watch, KVM→TCG fallback, QMP power-off.
// Each architecture's test is skipped, saying why, where its QEMU or its tiny VM is missing.
// x86_64: on the project's build host /dev/kvm exists but aborts, so this exercises the fallback
// for real; on a host with working KVM it boots under KVM. aarch64 on an x86_64 host: the driver's
// virt-board argv under TCG, its serial console (ttyAMA0) and its power button (a GPIO key).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nativeArch, type Arch } from '../../app/base/arch';
import type { VmSpec } from '../../app/base/vm-types';
import { findQemu, realHostFacts } from '../../app/driver/qemu/find-qemu';
import { QemuDriver } from '../../app/driver/qemu/qemu-driver';
import { pollUntil } from '../../app/base/time';

const TINY: Record<Arch, string> = {
  x86_64: process.env.BERTH_TINY_VM ?? '/tmp/berth-tiny-vm',
  aarch64: process.env.BERTH_TINY_VM_AARCH64 ?? '/tmp/berth-tiny-vm-aarch64',
};
const CONSOLE: Record<Arch, string> = { x86_64: 'ttyS0', aarch64: 'ttyAMA0' };

function skipReason(arch: Arch): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  // The aarch64 VM is tried under TCG on an x86_64 host; an arm64 host runs its own architecture.
  if (arch === 'x86_64' && nativeArch() !== 'x86_64') return 'needs an x86_64 host';
  try {
    findQemu(realHostFacts(), arch);
  } catch {
    return `qemu-system-${arch} is not installed (${arch === 'aarch64' ? 'qemu-system-arm' : 'qemu-system-x86'})`;
  }
  if (!existsSync(path.join(TINY[arch], 'vmlinuz')))
    return `no tiny VM in ${TINY[arch]} (run test/fixtures/qemu/tiny-vm/build.sh ${TINY[arch]} ${arch})`;
  return undefined;
}

function tinySpec(arch: Arch, dir: string): VmSpec {
  const tiny = TINY[arch];
  return {
    name: 'realtest',
    dir,
    cpus: 1,
    memoryMiB: 256,
    diskGiB: 1,
    accel: 'auto',
    arch,
    sshPort: 0,
    shares: [],
    image: {
      kernel: path.join(tiny, 'vmlinuz'),
      initrd: path.join(tiny, 'initrd.gz'),
      rootfs: path.join(tiny, 'root.img'),
      cmdline: `console=${CONSOLE[arch]} panic=-1`,
    },
    guestConfig: { authorizedKeys: 'ssh-ed25519 AAAA test\n', hostname: 'realtest', daemonJson: '{}' },
  };
}

/**
 * Starts the tiny VM, waits for its init, powers it off with the power button and deletes it.
 * `check` sees what start() said and QEMU's command line, then the console once init runs.
 */
async function bootAndPowerOff(
  arch: Arch,
  check: (r: { accel: string; note?: string }, cmdline: string) => void,
  checkConsole: (text: string) => void = () => undefined,
) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-real-'));
  const spec = tinySpec(arch, dir);
  const log: string[] = [];
  const driver = new QemuDriver({ log: (m) => log.push(m) });
  const t0 = Date.now();
  try {
    await driver.validate(arch);
    const r = await driver.start(spec, () => undefined);
    const startedMs = Date.now() - t0;
    assert.equal(await driver.inspect(spec), 'running');
    const pid = await driver.pid(spec);
    const cmdline = pid ? readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ') : '';
    assert.ok(cmdline.includes(dir));
    check(r, cmdline);
    // Wait until init (and its acpid) runs, so the power button has a listener: read from the
    // console file the driver attached to the guest's serial port.
    const consoleFile = path.join(dir, 'console.log');
    assert.ok(
      await pollUntil(() => readFileSync(consoleFile, 'utf8').includes('berth-tiny-vm: init is running'), 60_000, 100),
      `init did not come up:\n${readFileSync(consoleFile, 'utf8').split('\n').slice(-15).join('\n')}`,
    );
    const bootedMs = Date.now() - t0;
    checkConsole(readFileSync(consoleFile, 'utf8'));
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
      `# ${arch} accel=${r.accel} note=${r.note ?? '-'} start=${startedMs}ms init=${bootedMs}ms total=${Date.now() - t0}ms`,
    );
  } finally {
    await driver.kill(spec).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

test(
  'real QEMU x86_64: auto start (falling back to TCG if KVM fails), graceful power-off, delete',
  { skip: skipReason('x86_64'), timeout: 60_000 },
  () =>
    bootAndPowerOff('x86_64', (r) => {
      if (r.accel === 'tcg' && existsSync('/dev/kvm')) {
        assert.match(
          r.note ?? '',
          /^kvm (failed|made no progress).*; falling back to TCG \(software emulation, slower\)$/,
        );
      }
    }),
);

test(
  'real QEMU aarch64: the virt board under TCG boots, its console is read, the power button powers it off',
  { skip: skipReason('aarch64'), timeout: 90_000 },
  () =>
    bootAndPowerOff(
      'aarch64',
      (r, cmdline) => {
        if (nativeArch() === 'x86_64') {
          assert.deepEqual(r, {
            accel: 'tcg',
            note: 'an aarch64 machine on this x86_64 host is emulated (TCG, software emulation, slower)',
          });
        }
        assert.match(cmdline, /qemu-system-aarch64 .*-machine virt,highmem=on,gic-version=max /);
        if (r.accel === 'tcg') assert.match(cmdline, / -cpu max,pauth-impdef=on /);
      },
      (text) => {
        // The kernel's own words for the board, then the guest's uname -m, both on ttyAMA0.
        assert.match(text, /Machine model: linux,dummy-virt/);
        assert.match(text, /berth-tiny-vm: init is running on aarch64/);
      },
    ),
);

test(
  'real QEMU aarch64: memory saved at stop and resumed by the next start (the virt board migrates whole)',
  { skip: skipReason('aarch64'), timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-real-'));
    const spec = tinySpec('aarch64', dir);
    const log: string[] = [];
    const driver = new QemuDriver({ log: (m) => log.push(m) });
    const consoleFile = path.join(dir, 'console.log');
    const initRuns = () => readFileSync(consoleFile, 'utf8').includes('berth-tiny-vm: init is running');
    try {
      await driver.validate('aarch64');
      await driver.start(spec, () => undefined);
      assert.ok(await pollUntil(initRuns, 60_000, 100), 'init did not come up');
      await driver.suspend(spec);
      assert.equal(await driver.inspect(spec), 'stopped');
      const saved = await driver.saved(spec);
      assert.ok(saved && saved.bytes > 0, 'memory saved');
      const progress: string[] = [];
      const r = await driver.start(spec, (m) => progress.push(m));
      assert.equal(r.resumed, true, `${progress.join('\n')}\n${log.join('\n')}`);
      assert.equal(await driver.inspect(spec), 'running');
      // The resumed guest is the same one, its acpid still listening: the power button ends it.
      assert.equal(await driver.shutdown(spec, 15_000), 'powered-off', log.join('\n'));
      console.log(`# aarch64 saved ${Math.round(saved.bytes / 2 ** 20)} MiB and resumed: ${progress.join('; ')}`);
    } finally {
      await driver.kill(spec).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
