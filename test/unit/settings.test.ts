import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SETTINGS_VERSION, defaultSettings, validateSettings, settingRanges } from '../../app/base/settings/schema';
import { applyChange, loadSettings, mergeSettings, saveSettings } from '../../app/base/settings/store';

const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-settings-'));
  made.push(d);
  return d;
};
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

test('defaults validate and carry the schema ranges', () => {
  const s = defaultSettings();
  assert.deepEqual(validateSettings(s), s);
  assert.equal(s.memoryMiB, 2048);
  assert.deepEqual(settingRanges().memoryMiB, { min: 512, max: 65536, description: 'memory in MiB' });
});

test('an out-of-range value is refused with the field, the value and the range', () => {
  assert.throws(() => validateSettings({ ...defaultSettings(), memoryMiB: 100 }), {
    message: 'settings: memoryMiB = 100 is out of range: allowed 512 to 65536 (memory in MiB)',
  });
  assert.throws(
    () => validateSettings({ ...defaultSettings(), cpus: 64 }),
    /cpus = 64 is out of range: allowed 1 to 32/,
  );
});

test('wrong types, unknown keys, bad enums and bad registries get one clear line', () => {
  assert.throws(() => validateSettings({ ...defaultSettings(), cpus: 1.5 }), /cpus = 1.5 must be a whole number/);
  assert.throws(() => validateSettings({ ...defaultSettings(), colour: 'red' }), /unknown setting "colour"/);
  assert.throws(
    () => validateSettings({ ...defaultSettings(), accel: 'hyperv' }),
    /accel = "hyperv" is not allowed: use one of auto, kvm, hvf, whpx, tcg/,
  );
  const bad = { ...defaultSettings(), engine: { ...defaultSettings().engine, insecureRegistries: ['not a host'] } };
  assert.throws(
    () => validateSettings(bad),
    /engine.insecureRegistries.0 = "not a host" is not a valid registry address/,
  );
});

test('settings round-trip with mode 0600 and atomic write', () => {
  const dir = tmp();
  const file = path.join(dir, 'machine.json');
  saveSettings(file, { ...defaultSettings(), cpus: 4 });
  assert.equal(loadSettings(file)!.settings.cpus, 4);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(fs.readdirSync(dir), ['machine.json']);
});

test('a corrupt file is kept aside and reported, not silently replaced', () => {
  const dir = tmp();
  const file = path.join(dir, 'machine.json');
  fs.writeFileSync(file, '{"cpus": 4,');
  const r = loadSettings(file)!;
  assert.match(r.warning!, /was not valid JSON: kept it as .*machine\.json\.corrupt-/);
  const aside = fs.readdirSync(dir).find((f) => f.includes('.corrupt-'))!;
  assert.equal(fs.readFileSync(path.join(dir, aside), 'utf8'), '{"cpus": 4,');
  assert.deepEqual(r.settings, defaultSettings());
});

test('a hand-edited bad value is refused, and the file is left as it is', () => {
  const dir = tmp();
  const file = path.join(dir, 'machine.json');
  const text = JSON.stringify({ ...defaultSettings(), memoryMiB: 10 });
  fs.writeFileSync(file, text);
  assert.throws(() => loadSettings(file), /memoryMiB = 10 is out of range/);
  assert.equal(fs.readFileSync(file, 'utf8'), text);
});

test('an unversioned file migrates to the current version keeping its values', () => {
  const dir = tmp();
  const file = path.join(dir, 'machine.json');
  fs.writeFileSync(file, JSON.stringify({ cpus: 3, memoryMiB: 1024, diskGiB: 20, accel: 'tcg' }));
  const r = loadSettings(file)!;
  assert.equal(r.settings.version, SETTINGS_VERSION);
  assert.equal(r.settings.cpus, 3);
  assert.deepEqual(r.settings.engine.insecureRegistries, []);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).version, SETTINGS_VERSION);
});

test('a version 1 file keeps its values and gets the home folder shared', () => {
  const dir = tmp();
  const file = path.join(dir, 'machine.json');
  const v1 = {
    version: 1,
    cpus: 4,
    memoryMiB: 3072,
    diskGiB: 80,
    accel: 'tcg',
    engine: { insecureRegistries: ['10.0.2.2:5000'], registryMirrors: [], tcpForBenchmark: false },
  };
  fs.writeFileSync(file, JSON.stringify(v1));
  const r = loadSettings(file)!;
  const { tcpForBenchmark: _dropped, ...engine } = v1.engine;
  assert.deepEqual(r.settings, {
    ...v1,
    engine,
    version: SETTINGS_VERSION,
    shares: ['~'],
    arch: 'x86_64',
    driver: 'qemu',
  });
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), r.settings);
});

test('shared folders: absolute or from home; relative paths and ".." are refused by name', () => {
  const ok = (shares: string[]) => validateSettings({ ...defaultSettings(), shares }).shares;
  assert.deepEqual(ok(['~', '~/code', '/Volumes/work', 'C:\\Users\\me', 'D:/src', '/srv/a..b']), [
    '~',
    '~/code',
    '/Volumes/work',
    'C:\\Users\\me',
    'D:\\src',
    '/srv/a..b',
  ]);
  assert.deepEqual(ok([]), []);
  assert.throws(
    () => ok(['code']),
    /settings: shares.0 = "code" is not a valid folder \(an absolute path, or ~ for your home folder\)$/,
  );
  assert.throws(() => ok(['/home/u/../../etc']), /shares.0 = "\/home\/u\/..\/..\/etc" is not a valid folder/);
  assert.throws(() => ok(['~/a/../../x']), /shares.0 = "~\/a\/..\/..\/x" is not a valid folder/);
  assert.throws(() => ok(['/a\n/b']), /shares.0 .* is not a valid folder/);
  assert.throws(
    () => ok(['~', '/var/www']),
    /shares.1 = "\/var\/www" would hide the machine's own \/var: share a folder outside \//,
  );
  assert.throws(() => ok(['/']), /shares.0 = "\/" would hide the machine's own \//);
});

test('a file from a newer Berth is refused, not downgraded', () => {
  const dir = tmp();
  const file = path.join(dir, 'machine.json');
  fs.writeFileSync(file, JSON.stringify({ ...defaultSettings(), version: 9 }));
  assert.throws(() => loadSettings(file), /written by a newer Berth \(version 9/);
});

describe("a machine's architecture", () => {
  test("a new machine's is the host's own, in Lima's and Colima's words", () => {
    assert.equal(defaultSettings('x64').arch, 'x86_64');
    assert.equal(defaultSettings('arm64').arch, 'aarch64');
    // A host of neither emulates x86_64, as Berth always did.
    assert.equal(defaultSettings('riscv64').arch, 'x86_64');
  });

  test('a machine made before has an x86_64 disk: its file says so, even on an arm64 host, values kept', () => {
    const file = path.join(tmp(), 'machine.json');
    const v3 = { ...defaultSettings('arm64'), version: 3, cpus: 3 } as Record<string, unknown>;
    delete v3.arch;
    fs.writeFileSync(file, JSON.stringify(v3));
    const r = loadSettings(file)!;
    assert.deepEqual(r.settings, { ...v3, version: SETTINGS_VERSION, arch: 'x86_64', driver: 'qemu' });
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).arch, 'x86_64');
    // An unversioned file too, though its first migration fills in the (host's) defaults.
    fs.writeFileSync(file, JSON.stringify({ cpus: 3, memoryMiB: 1024, diskGiB: 20, accel: 'tcg' }));
    assert.equal(loadSettings(file)!.settings.arch, 'x86_64');
  });

  test('a bad value: one line naming it and the choices', () => {
    assert.throws(() => validateSettings({ ...defaultSettings(), arch: 'arm64' }), {
      message: 'settings: arch = "arm64" is not allowed: use one of x86_64, aarch64',
    });
    const file = path.join(tmp(), 'machine.json');
    fs.writeFileSync(file, JSON.stringify({ ...defaultSettings(), arch: 'riscv64' }));
    assert.throws(() => loadSettings(file), /arch = "riscv64" is not allowed: use one of x86_64, aarch64$/);
  });

  test('it never changes: one line saying why and what to do; the same value is no change', () => {
    const s = defaultSettings('x64');
    assert.throws(() => applyChange(s, { arch: 'aarch64' }), {
      message:
        "arch cannot change from x86_64 to aarch64: the machine's disk holds x86_64 engine data; make a new machine with another name (berth init --name NAME --arch aarch64)",
    });
    assert.equal(applyChange(s, { arch: 'x86_64', cpus: 4 }).cpus, 4);
    assert.throws(() => applyChange(s, { arch: 'sparc' as never }), /arch = "sparc" is not allowed/);
  });
});

describe("a machine's driver", () => {
  test('a new machine runs under QEMU unless told otherwise', () => {
    assert.equal(defaultSettings().driver, 'qemu');
    assert.equal(mergeSettings(defaultSettings('x64'), { driver: 'virtualbox' }).driver, 'virtualbox');
  });

  test('a version 4 file becomes a QEMU machine with every other value kept', () => {
    const file = path.join(tmp(), 'machine.json');
    const v4 = {
      ...defaultSettings('arm64'),
      version: 4,
      cpus: 3,
      shares: ['~/code'],
      engine: { insecureRegistries: ['10.0.2.2:5000'], registryMirrors: [] },
    } as Record<string, unknown>;
    delete v4.driver;
    fs.writeFileSync(file, JSON.stringify(v4));
    const r = loadSettings(file)!;
    assert.deepEqual(r.settings, { ...v4, version: SETTINGS_VERSION, driver: 'qemu' });
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).driver, 'qemu');
  });

  test('it never changes, and a VirtualBox machine is x86_64: one line each', () => {
    const s = defaultSettings('x64');
    assert.throws(() => applyChange(s, { driver: 'virtualbox' }), {
      message:
        "driver cannot change from qemu to virtualbox: the machine's disk is in qemu's format; make a new machine with another name (berth init --name NAME --driver virtualbox)",
    });
    assert.throws(() => validateSettings({ ...s, driver: 'vmware' }), {
      message: 'settings: driver = "vmware" is not allowed: use one of qemu, virtualbox',
    });
    assert.throws(() => validateSettings({ ...s, arch: 'aarch64', driver: 'virtualbox' }), {
      message:
        'settings: a VirtualBox machine is x86_64 only (arch = "aarch64"): use --arch x86_64, or the qemu driver for aarch64',
    });
  });
});

test('the disk can grow but never shrink', () => {
  const s = { ...defaultSettings(), diskGiB: 64 };
  assert.equal(applyChange(s, { diskGiB: 100 }).diskGiB, 100);
  assert.throws(() => applyChange(s, { diskGiB: 32 }), /a data disk can only grow/);
  assert.deepEqual(
    applyChange(s, { engine: { insecureRegistries: ['10.0.2.2:5000'] } as never }).engine.registryMirrors,
    [],
  );
});

// The benchmark's engine TCP listener (engine.tcpForBenchmark, up to version 2) is no setting any more.
describe('engine.tcpForBenchmark is gone from the settings', () => {
  const v2 = {
    version: 2,
    cpus: 3,
    memoryMiB: 3072,
    diskGiB: 80,
    accel: 'tcg',
    shares: ['~', '/srv/data'],
    engine: {
      insecureRegistries: ['10.0.2.2:5000'],
      registryMirrors: ['https://mirror.example.com'],
      tcpForBenchmark: true,
    },
  };

  test('the defaults and the schema have no such setting, and a value for it is refused by name', () => {
    assert.equal('tcpForBenchmark' in defaultSettings().engine, false);
    const withTcp = { ...defaultSettings(), engine: { ...defaultSettings().engine, tcpForBenchmark: true } };
    assert.throws(() => validateSettings(withTcp), {
      message: 'settings: unknown setting "engine.tcpForBenchmark"',
    });
    assert.throws(
      () => applyChange(defaultSettings(), { engine: { tcpForBenchmark: true } as never }),
      /unknown setting "engine.tcpForBenchmark"/,
    );
  });

  test('a file written with it loads: only that key goes, every other value is kept and written back', () => {
    const file = path.join(tmp(), 'machine.json');
    fs.writeFileSync(file, JSON.stringify(v2));
    const r = loadSettings(file)!;
    const { tcpForBenchmark: _dropped, ...engine } = v2.engine;
    const expected = { ...v2, engine, version: SETTINGS_VERSION, arch: 'x86_64', driver: 'qemu' };
    assert.deepEqual(r.settings, expected);
    assert.equal(r.warning, undefined);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), expected);
    // With a value this version cannot keep, the file is refused and left exactly as it was.
    const text = JSON.stringify({ ...v2, colour: 'red' });
    fs.writeFileSync(file, text);
    assert.throws(() => loadSettings(file), /unknown setting "colour"/);
    assert.equal(fs.readFileSync(file, 'utf8'), text);
  });
});

test('a folder spelt two ways is one share: normalised and kept once, "~" stays "~"', () => {
  const home = os.homedir();
  const spellings = [
    '~',
    '~/',
    '~//',
    '~/.',
    home,
    `${home}/`,
    '/srv/a/./b',
    '/srv/a/b/',
    '/srv//a/b',
    '~/code/',
    '~/code',
  ];
  const want = ['~', '/srv/a/b', '~/code'];
  // Every way in: the schema check, a new machine's settings and a change to an existing one.
  assert.deepEqual(validateSettings({ ...defaultSettings(), shares: spellings }).shares, want);
  assert.deepEqual(mergeSettings(defaultSettings(), { shares: spellings }).shares, want);
  assert.deepEqual(applyChange({ ...defaultSettings(), shares: ['/srv/x'] }, { shares: spellings }).shares, want);
  // A system folder is still found behind another spelling.
  assert.throws(
    () => applyChange(defaultSettings(), { shares: ['/usr/./local/'] }),
    /shares.0 = "\/usr\/local" would hide the machine's own \/usr/,
  );
});

test('a settings file written with a folder twice loads, each folder once', () => {
  const dir = tmp();
  const file = path.join(dir, 'machine.json');
  fs.writeFileSync(file, JSON.stringify({ ...defaultSettings(), shares: ['~', '~/', '/srv/a', '/srv/a/', '/srv/a'] }));
  assert.deepEqual(loadSettings(file)!.settings.shares, ['~', '/srv/a']);
  saveSettings(file, loadSettings(file)!.settings);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')).shares, ['~', '/srv/a']);
});
