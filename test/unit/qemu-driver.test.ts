import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { isUserError } from '../../app/base/errors';
import type { VmSpec } from '../../app/base/vm-types';
import { QemuDriver } from '../../app/driver/qemu/qemu-driver';
import type { ProcessHost } from '../../app/driver/qemu/process-host';
import type { Runner } from '../../app/base/run';
import type { Spawner } from '../../app/driver/qemu/spawner';
import { fixture } from '../fixtures/qemu/load';

const MSR_ABORT = fixture('kvm-cpu-host-msr-abort.stderr.txt');

/** How a fake QEMU behaves once spawned. */
type Behaviour = 'boots' | 'stalls' | { exits: number | null; signal?: NodeJS.Signals; stderr: string };

interface FakeProc {
  alive: boolean;
  cmdline: string;
  signals: NodeJS.Signals[];
  onSignal?: (s: NodeJS.Signals) => void;
}

function world(behaviours: Behaviour[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-drv-'));
  const procs = new Map<number, FakeProc>();
  const launches: string[][] = [];
  let nextPid = 4000;
  const processes: ProcessHost = {
    alive: (pid) => procs.get(pid)?.alive ?? false,
    cmdline: (pid) => procs.get(pid)?.cmdline,
    kill: (pid, sig) => {
      const p = procs.get(pid);
      if (!p) return;
      p.signals.push(sig);
      if (p.onSignal) p.onSignal(sig);
      else if (sig === 'SIGKILL' || sig === 'SIGTERM') p.alive = false;
    },
  };
  const spawner: Spawner = (file, args, logFile) => {
    launches.push([file, ...args]);
    const b = behaviours.shift();
    assert.ok(b, 'unexpected QEMU launch');
    const pid = nextPid++;
    const proc: FakeProc = { alive: true, cmdline: [file, ...args].join(' '), signals: [] };
    procs.set(pid, proc);
    const pidfile = args[args.indexOf('-pidfile') + 1];
    const consoleFile = /path=(.*)$/.exec(args[args.indexOf('-chardev') + 1])![1];
    writeFileSync(logFile, '');
    let exit!: (e: { code: number | null; signal: NodeJS.Signals | null }) => void;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => {
      exit = r;
    });
    proc.onSignal = (sig) => {
      if (sig === 'SIGKILL' || sig === 'SIGTERM') {
        proc.alive = false;
        exit({ code: null, signal: sig });
      }
    };
    setTimeout(() => {
      if (typeof b === 'object') {
        writeFileSync(logFile, b.stderr);
        proc.alive = false;
        exit({ code: b.exits, signal: b.signal ?? null });
        return;
      }
      writeFileSync(pidfile, `${pid}\n`);
      if (b === 'boots') setTimeout(() => writeFileSync(consoleFile, 'SeaBIOS'), 20);
    }, 10);
    return { pid, exited };
  };
  const runner: Runner = async (_file, args) => {
    if (args[0] === 'create') writeFileSync(args[4], 'qcow2');
    if (args[0] === 'info')
      return { stdout: JSON.stringify({ 'virtual-size': 20 * 1024 ** 3, format: 'qcow2' }), stderr: '', code: 0 };
    return { stdout: '', stderr: '', code: 0 };
  };
  const messages: string[] = [];
  const driver = (kvm = true) =>
    new QemuDriver({
      runner,
      spawner,
      processes,
      kvmUsable: () => kvm,
      log: (m) => messages.push(m),
      // x86_64's programs are given; the aarch64 one is found on the PATH.
      host: {
        platform: 'linux',
        arch: 'x64',
        pathEnv: '/usr/bin',
        isFile: (p) => ['/usr/bin/qemu-system-aarch64', '/usr/bin/qemu-img'].includes(p),
      },
      programs: { system: '/usr/bin/qemu-system-x86_64', img: '/usr/bin/qemu-img', arch: 'x86_64' },
      hardwareProgressTimeoutMs: 200,
      bootProgressTimeoutMs: 300,
      pidfileTimeoutMs: 300,
      pollMs: 5,
    });
  const spec = (over: Partial<VmSpec> = {}): VmSpec => ({
    name: 'default',
    dir,
    cpus: 2,
    memoryMiB: 1024,
    diskGiB: 20,
    accel: 'auto',
    arch: 'x86_64',
    sshPort: 52022,
    shares: [],
    image: { kernel: '/img/k', initrd: '/img/i', rootfs: '/img/r', cmdline: 'console=ttyS0' },
    guestConfig: { authorizedKeys: 'ssh-ed25519 AAAA k\n', hostname: 'default', daemonJson: '{"debug":false}' },
    ...over,
  });
  const accelOf = (argv: string[]) => argv[argv.indexOf('-accel') + 1];
  return {
    dir,
    procs,
    launches,
    driver,
    spec,
    messages,
    accelOf,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('auto: KVM aborting at once (captured MSR abort) falls back to TCG and says why', async () => {
  const w = world([{ exits: null, signal: 'SIGABRT', stderr: MSR_ABORT }, 'boots']);
  try {
    const progress: string[] = [];
    const r = await w.driver().start(w.spec(), (m) => progress.push(m));
    const note =
      'kvm failed (qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69); falling back to TCG (software emulation, slower)';
    assert.deepEqual(r, { accel: 'tcg', note });
    assert.deepEqual(w.launches.map(w.accelOf), ['kvm', 'tcg,tb-size=64']);
    assert.ok(progress.includes(note));
    assert.equal(await w.driver().inspect(w.spec()), 'running');
    // The guest config was written privately, and the console of the failed try was kept aside.
    const keys = path.join(w.dir, 'guest', 'authorized_keys');
    assert.equal(readFileSync(keys, 'utf8'), 'ssh-ed25519 AAAA k\n');
    assert.equal(statSync(keys).mode & 0o777, 0o600);
    assert.equal(readFileSync(path.join(w.dir, 'guest', 'daemon.json'), 'utf8'), '{"debug":false}');
    assert.equal(JSON.parse(readFileSync(path.join(w.dir, 'qemu.launch.json'), 'utf8')).accel, 'tcg');
  } finally {
    w.cleanup();
  }
});

test('auto: KVM with no console output within the bound is killed and TCG takes over', async () => {
  const w = world(['stalls', 'boots']);
  try {
    const r = await w.driver().start(w.spec(), () => undefined);
    assert.equal(r.accel, 'tcg');
    assert.equal(r.note, 'kvm made no progress in 0.2 s; falling back to TCG (software emulation, slower)');
    assert.deepEqual(w.procs.get(4000)!.signals, ['SIGKILL']);
  } finally {
    w.cleanup();
  }
});

test('auto without usable /dev/kvm goes straight to TCG and notes it', async () => {
  const w = world(['boots']);
  try {
    const r = await w.driver(false).start(w.spec(), () => undefined);
    assert.equal(r.accel, 'tcg');
    assert.match(r.note ?? '', /no hardware accelerator/);
  } finally {
    w.cleanup();
  }
});

test('an aarch64 machine on an x86_64 host: qemu-system-aarch64 on the virt board, straight to TCG, saying why', async () => {
  const w = world(['boots']);
  try {
    const r = await w.driver(true).start(w.spec({ arch: 'aarch64' }), () => undefined);
    assert.deepEqual(r, {
      accel: 'tcg',
      note: 'an aarch64 machine on this x86_64 host is emulated (TCG, software emulation, slower)',
    });
    const argv = w.launches[0];
    assert.equal(argv[0], '/usr/bin/qemu-system-aarch64');
    assert.deepEqual(argv.slice(3, 9), [
      '-machine',
      'virt,highmem=on,gic-version=max',
      '-accel',
      'tcg,tb-size=64',
      '-cpu',
      'max,pauth-impdef=on',
    ]);
  } finally {
    w.cleanup();
  }
});

test('explicit kvm for an aarch64 machine on an x86_64 host: one line, and nothing started', async () => {
  const w = world([]);
  try {
    await assert.rejects(
      w.driver(true).start(w.spec({ arch: 'aarch64', accel: 'kvm' }), () => undefined),
      {
        message:
          "accel kvm cannot run an aarch64 machine on this x86_64 host (a hypervisor runs only its own architecture): set the machine's accel to auto or tcg",
      },
    );
    assert.equal(w.launches.length, 0);
  } finally {
    w.cleanup();
  }
});

test('explicit kvm never falls back: a UserError with stderr and console tails in its details', async () => {
  const w = world([{ exits: null, signal: 'SIGABRT', stderr: MSR_ABORT }]);
  try {
    await assert.rejects(
      w.driver().start(w.spec({ accel: 'kvm' }), () => undefined),
      (e: unknown) => {
        assert.ok(isUserError(e));
        assert.equal(
          e.message,
          'QEMU failed to start the machine "default" (kvm): qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69.',
        );
        assert.match(e.details ?? '', /kvm_buf_set_msrs: Assertion/);
        assert.match(e.details ?? '', /console\.log \(last lines\):\n\(empty\)/);
        return true;
      },
    );
    assert.equal(w.launches.length, 1);
    assert.equal(await w.driver().inspect(w.spec()), 'stopped');
  } finally {
    w.cleanup();
  }
});

test('explicit tcg that stays silent is stopped and reported', async () => {
  const w = world(['stalls']);
  try {
    await assert.rejects(
      w.driver().start(w.spec({ accel: 'tcg' }), () => undefined),
      /QEMU failed to start the machine "default" \(tcg\): no console output in 0\.3 s, so it was stopped\./,
    );
    assert.equal(w.procs.get(4000)!.alive, false);
  } finally {
    w.cleanup();
  }
});

test('start is idempotent: a running machine is not started twice', async () => {
  const w = world(['boots']);
  try {
    await w.driver().start(w.spec({ accel: 'tcg' }), () => undefined);
    assert.deepEqual(await w.driver().start(w.spec({ accel: 'tcg' }), () => undefined), {
      accel: 'tcg',
      note: 'the machine was already running',
    });
    assert.equal(w.launches.length, 1);
  } finally {
    w.cleanup();
  }
});

test('inspect: absent, stopped, running; a stale or reused pid is removed and reads as stopped', async () => {
  const w = world([]);
  const d = w.driver();
  try {
    assert.equal(await d.inspect(w.spec()), 'absent');
    await d.createDisk(w.spec());
    assert.equal(await d.inspect(w.spec()), 'stopped');
    const pidfile = path.join(w.dir, 'qemu.pid');
    w.procs.set(77, { alive: true, cmdline: `qemu-system-x86_64 -pidfile ${pidfile}`, signals: [] });
    writeFileSync(pidfile, '77\n');
    assert.equal(await d.inspect(w.spec()), 'running');
    assert.equal(await d.pid(w.spec()), 77);
    w.procs.set(77, { alive: true, cmdline: '/usr/bin/some-other-program', signals: [] }); // pid reused
    assert.equal(await d.inspect(w.spec()), 'stopped');
    assert.equal(existsSync(pidfile), false);
    writeFileSync(pidfile, '78\n'); // dead
    assert.equal(await d.inspect(w.spec()), 'stopped');
    assert.equal(existsSync(pidfile), false);
  } finally {
    w.cleanup();
  }
});

test('stop: system_powerdown over QMP, the guest powers off', async () => {
  const w = world(['boots']);
  const d = w.driver();
  try {
    await d.start(w.spec({ accel: 'tcg' }), () => undefined);
    const proc = w.procs.get(4000)!;
    const seen: string[] = [];
    const srv = net.createServer((c) => {
      c.write(
        '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}\r\n',
      );
      c.on('data', (b) => {
        for (const line of b.toString().split('\n').filter(Boolean)) {
          const m = JSON.parse(line) as { execute: string; id: number };
          seen.push(m.execute);
          if (m.execute === 'system_powerdown') {
            c.write('{"timestamp": {"seconds": 1, "microseconds": 0}, "event": "POWERDOWN"}\r\n');
            setTimeout(() => {
              proc.alive = false;
            }, 30); // the guest's acpid powers off
          }
          c.write(JSON.stringify({ return: {}, id: m.id }) + '\r\n');
        }
      });
    });
    await new Promise<void>((r) => srv.listen(path.join(w.dir, 'qmp.sock'), r));
    try {
      assert.equal(await d.shutdown(w.spec(), 2000), 'powered-off');
    } finally {
      srv.close();
    }
    assert.deepEqual(seen, ['qmp_capabilities', 'system_powerdown']);
    assert.deepEqual(proc.signals, []);
    assert.equal(await d.inspect(w.spec()), 'stopped');
    assert.equal(await d.shutdown(w.spec(), 2000), 'not-running');
  } finally {
    w.cleanup();
  }
});

test('stop without a reachable QMP terminates QEMU (SIGTERM), then SIGKILL if ignored', async () => {
  const w = world(['boots', 'boots']);
  const d = w.driver();
  try {
    await d.start(w.spec({ accel: 'tcg' }), () => undefined);
    assert.equal(await d.shutdown(w.spec(), 100), 'terminated');
    assert.deepEqual(w.procs.get(4000)!.signals, ['SIGTERM']);
    await d.start(w.spec({ accel: 'tcg' }), () => undefined);
    const stubborn = w.procs.get(4001)!;
    stubborn.onSignal = (s) => {
      if (s === 'SIGKILL') stubborn.alive = false;
    };
    assert.equal(await d.shutdown(w.spec(), 100), 'killed');
    assert.deepEqual(stubborn.signals, ['SIGTERM', 'SIGKILL']);
  } finally {
    w.cleanup();
  }
});

test("delete kills a running VM and removes only the driver's files, optionally keeping the disk", async () => {
  const w = world(['boots']);
  const d = w.driver();
  try {
    await d.start(w.spec({ accel: 'tcg' }), () => undefined);
    writeFileSync(path.join(w.dir, 'agent-owned.json'), '{}');
    await d.delete(w.spec(), true);
    assert.deepEqual(w.procs.get(4000)!.signals, ['SIGKILL']);
    assert.deepEqual(readdirSync(w.dir).sort(), ['agent-owned.json', 'data.qcow2']);
    await d.delete(w.spec(), false);
    assert.equal(await d.inspect(w.spec()), 'absent');
  } finally {
    w.cleanup();
  }
});

test('createDisk refuses to shrink', async () => {
  const w = world([]);
  try {
    await w.driver().createDisk(w.spec());
    await assert.rejects(w.driver().createDisk(w.spec({ diskGiB: 10 })), /disks can only grow/);
  } finally {
    w.cleanup();
  }
});

test('shared folders: present ones get a 9p server and a line in the guest table; a missing one is left out with a note', async () => {
  const w = world(['boots']);
  try {
    const here = path.join(w.dir, 'projects');
    mkdirSync(here);
    const gone = path.join(w.dir, 'unplugged-drive');
    const progress: string[] = [];
    await w.driver(false).start(
      w.spec({
        shares: [
          { hostPath: gone, guestPath: gone, tag: 'berth0' },
          { hostPath: here, guestPath: here, tag: 'berth1' },
          { hostPath: here, guestPath: '/var/lib/jenkins', tag: 'berth2' },
        ],
      }),
      (m) => progress.push(m),
    );
    assert.ok(progress.includes(`Shared folder ${gone} is not there: not shared this time`));
    assert.ok(progress.includes(`Shared folder ${here} is not shared: it would hide the machine's own /var`));
    const argv = w.launches[0];
    assert.deepEqual(
      argv.filter((a) => a.startsWith('local,')),
      [`local,id=share0,path=${here},security_model=none`],
    );
    assert.ok(argv.includes('virtio-9p-pci,fsdev=share0,mount_tag=berth1'));
    assert.equal(readFileSync(path.join(w.dir, 'guest', 'shares'), 'utf8'), `berth1\t${here}\n`);
  } finally {
    w.cleanup();
  }
});

test('validate: QEMU 10 and 7.2 are accepted; 5.2 (Debian 11) is refused in one line naming both versions', async () => {
  const withVersion = (stdout: string, platform: NodeJS.Platform = 'linux') =>
    new QemuDriver({
      runner: () => Promise.resolve({ stdout, stderr: '', code: 0 }),
      spawner: () => assert.fail('validate starts nothing'),
      processes: { alive: () => false, cmdline: () => undefined, kill: () => undefined },
      kvmUsable: () => false,
      log: () => undefined,
      host: { platform, arch: 'x64', pathEnv: '', isFile: () => false },
      programs: { system: '/usr/bin/qemu-system-x86_64', img: '/usr/bin/qemu-img', arch: 'x86_64' },
    });
  await withVersion(fixture('qemu-system-x86_64-version-10.0-debian.txt')).validate('x86_64');
  await withVersion(fixture('qemu-system-x86_64-version-10.0-debian.txt'), 'win32').validate('x86_64');
  // Windows needs 10.0: its control channel is behind TLS, which 7.2 answers only once.
  await assert.rejects(withVersion(fixture('qemu-system-x86_64-version-7.2-debian.txt'), 'win32').validate('x86_64'), {
    message:
      "QEMU 7.2 is too old; Berth needs 10.0 or newer on Windows, for QEMU's control channel behind TLS: install it with `winget install SoftwareFreedomConservancy.QEMU`.",
  });
  await withVersion(fixture('qemu-system-x86_64-version-7.2-debian.txt')).validate('x86_64');
  await assert.rejects(
    withVersion(fixture('qemu-system-x86_64-version-5.2-debian11.txt')).validate('x86_64'),
    (e: unknown) => {
      assert.ok(isUserError(e));
      assert.equal(e.code, 'EQEMUOLD');
      assert.match(e.message, /^QEMU 5\.2 is too old; Berth needs 7\.2 or newer: install it/);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    },
  );
});

test('validate for aarch64 machines: runs qemu-system-aarch64 and applies the same minimum versions', async () => {
  const ran: string[] = [];
  const withVersion = (stdout: string, platform: NodeJS.Platform = 'linux') =>
    new QemuDriver({
      runner: (file) => (ran.push(file), Promise.resolve({ stdout, stderr: '', code: 0 })),
      spawner: () => assert.fail('validate starts nothing'),
      processes: { alive: () => false, cmdline: () => undefined, kill: () => undefined },
      kvmUsable: () => false,
      log: () => undefined,
      host: {
        platform,
        arch: 'x64',
        pathEnv: platform === 'win32' ? 'C:\\Windows' : '/usr/bin',
        isFile: (p) =>
          [
            '/usr/bin/qemu-system-aarch64',
            '/usr/bin/qemu-img',
            'C:\\Program Files\\qemu\\qemu-system-aarch64.exe',
            'C:\\Program Files\\qemu\\qemu-img.exe',
          ].includes(p),
      },
    });
  const d = withVersion(fixture('qemu-system-aarch64-version-10.0-debian.txt'));
  await d.validate('aarch64');
  assert.deepEqual(d.version('aarch64'), {
    major: 10,
    minor: 0,
    micro: 2,
    package: 'Debian 1:10.0.2+ds-2+deb13u1~bpo12+1',
  });
  assert.equal(d.version('x86_64'), undefined, 'one version per architecture');
  await withVersion(fixture('qemu-system-aarch64-version-7.2-debian.txt')).validate('aarch64');
  await assert.rejects(
    withVersion(fixture('qemu-system-aarch64-version-7.2-debian.txt'), 'win32').validate('aarch64'),
    {
      code: 'EQEMUOLD',
    },
  );
  assert.deepEqual(
    [...new Set(ran)],
    ['/usr/bin/qemu-system-aarch64', 'C:\\Program Files\\qemu\\qemu-system-aarch64.exe'],
  );
});

test('validate for aarch64 machines without qemu-system-aarch64: one line naming it and the package', async () => {
  const d = new QemuDriver({
    runner: () => assert.fail('nothing to run'),
    spawner: () => assert.fail('validate starts nothing'),
    processes: { alive: () => false, cmdline: () => undefined, kill: () => undefined },
    host: { platform: 'linux', arch: 'x64', pathEnv: '/usr/bin', isFile: (p) => p === '/usr/bin/qemu-img' },
  });
  await assert.rejects(d.validate('aarch64'), {
    code: 'EQEMUMISSING',
    message:
      'QEMU is not installed (qemu-system-aarch64 not found): install it, e.g. on Debian/Ubuntu `sudo apt-get install qemu-system-arm qemu-utils`.',
  });
});
