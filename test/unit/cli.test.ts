// The CLI's answers to bad input: one line, a non-zero exit, never a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nativeArch } from '../../app/base/arch';
import { berthSync, tempHome } from '../helpers/cli';

function oneLineError(r: { code: number; stderr: string }, re: RegExp, code = 1) {
  assert.equal(r.code, code, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0], re);
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
}

test('unknown command and unknown flag', () => {
  const home = tempHome();
  oneLineError(
    berthSync(home, ['frobnicate']),
    /^berth: unknown command "frobnicate" \(run "berth help" for the list\)$/,
    2,
  );
  oneLineError(
    berthSync(home, ['up', '--turbo']),
    /^berth: berth up: unknown flag --turbo \(see "berth help up"\)$/,
    2,
  );
  oneLineError(berthSync(home, ['ssh', '--name']), /--name needs a value/, 2);
});

test('bad values name the flag, the value and the allowed range', () => {
  const home = tempHome();
  oneLineError(
    berthSync(home, ['init', '--memory', '100']),
    /^berth: --memory must be a whole number from 512 to 65536, got "100"$/,
    2,
  );
  oneLineError(
    berthSync(home, ['init', '--cpus', 'four']),
    /^berth: --cpus must be a whole number from 1 to 32, got "four"$/,
    2,
  );
  oneLineError(
    berthSync(home, ['init', '--accel', 'warp']),
    /accel = "warp" is not allowed: use one of auto, kvm, hvf, whpx, tcg/,
  );
  oneLineError(berthSync(home, ['init', '--name', 'Bad_Name']), /machine name "Bad_Name" is not valid/);
  assert.equal(fs.existsSync(path.join(home, 'machines')), false, 'a refused init leaves nothing behind');
});

test('a machine that does not exist', () => {
  const home = tempHome();
  oneLineError(
    berthSync(home, ['status', '--name', 'ghost']),
    /machine "ghost" does not exist: create it with "berth init --name ghost"/,
  );
  oneLineError(berthSync(home, ['down', '--name', 'ghost']), /machine "ghost" does not exist/);
  oneLineError(berthSync(home, ['env', '--name', 'ghost']), /machine "ghost" does not exist/);
  oneLineError(berthSync(home, ['rm', '--name', 'ghost', '--yes']), /machine "ghost" does not exist/);
  const st = berthSync(home, ['status', '--json', '--name', 'ghost']);
  assert.equal(st.code, 0);
  assert.equal(JSON.parse(st.stdout).state, 'not created');
});

test('init, set, status, ls, env and rm on a stopped machine', () => {
  const home = tempHome();
  const init = berthSync(home, [
    'init',
    '--cpus',
    '1',
    '--memory',
    '1024',
    '--disk',
    '8',
    '--insecure-registry',
    '10.0.2.2:5000',
  ]);
  assert.equal(init.code, 0, init.stderr);
  // No --arch: the host's own.
  assert.match(
    init.stdout,
    new RegExp(`created machine "default": ${nativeArch()}, 1 CPUs, 1024 MiB memory, 8 GiB disk, accel auto`),
  );
  const dir = path.join(home, 'machines', 'default');
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  assert.equal(fs.statSync(path.join(dir, 'ssh', 'id_ed25519')).mode & 0o777, 0o600);
  assert.match(fs.readFileSync(path.join(dir, 'ssh', 'id_ed25519.pub'), 'utf8'), /^ssh-ed25519 /);
  oneLineError(
    berthSync(home, ['init']),
    /machine "default" already exists: change its settings with "berth set --name default"/,
  );

  oneLineError(
    berthSync(home, ['set', '--disk', '4']),
    /diskGiB = 4 is smaller than the current disk \(8 GiB\): a data disk can only grow/,
  );
  const set = berthSync(home, ['set', '--disk', '12', '--memory', '1536']);
  assert.equal(set.code, 0, set.stderr);
  assert.doesNotMatch(set.stdout, /restart/); // stopped: nothing to restart

  const st = JSON.parse(berthSync(home, ['status', '--json']).stdout);
  assert.equal(st.state, 'stopped');
  assert.equal(st.memoryMiB, 1536);
  assert.equal(st.diskGiB, 12);
  assert.match(berthSync(home, ['status']).stdout, /state: {3}stopped/);
  assert.equal(st.arch, nativeArch());
  assert.match(berthSync(home, ['status']).stdout, new RegExp(`^arch: {4}${nativeArch()}$`, 'm'));
  assert.deepEqual(st.shares, [os.homedir()]);

  // Shared folders: a relative folder is taken from where the command runs; system folders are refused.
  assert.equal(berthSync(home, ['set', '--share', 'work', '--share', '~/code']).code, 0);
  assert.deepEqual(JSON.parse(berthSync(home, ['status', '--json']).stdout).shares, [
    path.resolve('work'),
    path.join(os.homedir(), 'code'),
  ]);
  oneLineError(
    berthSync(home, ['set', '--share', '/etc']),
    /shares.0 = "\/etc" would hide the machine's own \/etc: share a folder outside/,
  );
  oneLineError(
    berthSync(home, ['set', '--share', '/x', '--no-share']),
    /use either --share or --no-share, not both/,
    2,
  );
  assert.equal(berthSync(home, ['set', '--no-share']).code, 0);
  assert.match(berthSync(home, ['status']).stdout, /^shared: {2}no folders \(berth set --share FOLDER\)$/m);
  assert.match(
    berthSync(home, ['ls']).stdout,
    new RegExp(
      `^NAME +STATE +ARCH +DRIVER +CPUS +MEMORY +DISK +DOCKER_HOST\ndefault +stopped +${nativeArch()} +qemu +1 +1536 MiB +12 GiB +-$`,
      'm',
    ),
  );

  const env = berthSync(home, ['env', '--shell', 'fish']);
  assert.equal(env.stdout.split('\n')[0], `set -gx DOCKER_HOST "unix://${dir}/docker.sock";`);

  oneLineError(berthSync(home, ['rm']), /berth rm: confirm with --yes/, 2);
  assert.equal(berthSync(home, ['rm', '--yes']).code, 0);
  assert.equal(fs.existsSync(dir), false);
  assert.match(berthSync(home, ['ls']).stdout, /no machines yet/);
});

test('--arch: chosen at init, shown by status and ls, never changed, a wrong one named with the choices', () => {
  const home = tempHome();
  const init = berthSync(home, ['init', '--name', 'arm', '--arch', 'aarch64']);
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /created machine "arm": aarch64, /);
  assert.equal(berthSync(home, ['init', '--name', 'intel', '--arch', 'x86_64']).code, 0);
  assert.equal(JSON.parse(berthSync(home, ['status', '--name', 'arm', '--json']).stdout).arch, 'aarch64');
  assert.match(berthSync(home, ['status', '--name', 'arm']).stdout, /^arch: {4}aarch64$/m);
  assert.match(berthSync(home, ['ls']).stdout, /^arm +stopped +aarch64 +.*\nintel +stopped +x86_64 /m);

  oneLineError(
    berthSync(home, ['set', '--name', 'arm', '--arch', 'x86_64']),
    /^berth: arch cannot change from aarch64 to x86_64: the machine's disk holds aarch64 engine data; make a new machine with another name \(berth init --name NAME --arch x86_64\)$/,
  );
  // The same architecture is no change at all.
  assert.equal(berthSync(home, ['set', '--name', 'arm', '--arch', 'aarch64', '--cpus', '3']).code, 0);
  assert.equal(JSON.parse(berthSync(home, ['status', '--name', 'arm', '--json']).stdout).arch, 'aarch64');

  // Docker's names are taken, and kept in Berth's.
  assert.match(berthSync(home, ['init', '--name', 'd', '--arch', 'arm64']).stdout, /created machine "d": aarch64, /);
  assert.equal(JSON.parse(berthSync(home, ['status', '--name', 'd', '--json']).stdout).arch, 'aarch64');
  oneLineError(
    berthSync(home, ['init', '--name', 'x', '--arch', 'armhf']),
    /^berth: --arch must be one of x86_64, aarch64, got "armhf"$/,
    2,
  );
  oneLineError(berthSync(home, ['init', '--name', 'x', '--arch', 'riscv64']), /got "riscv64"$/, 2);
  assert.equal(fs.existsSync(path.join(home, 'machines', 'x')), false);
});

test('--driver: chosen at init, shown by status and ls, never changed; a VirtualBox machine is x86_64', () => {
  const home = tempHome();
  const init = berthSync(home, ['init', '--name', 'vb', '--driver', 'virtualbox']);
  assert.equal(init.code, 0, init.stderr);
  // x86_64 whatever this computer is: VirtualBox machines are.
  assert.match(init.stdout, /created machine "vb": x86_64, .*, driver virtualbox\n/);
  assert.equal(JSON.parse(berthSync(home, ['status', '--name', 'vb', '--json']).stdout).driver, 'virtualbox');
  assert.match(berthSync(home, ['status', '--name', 'vb']).stdout, /^driver: {2}virtualbox$/m);
  assert.equal(berthSync(home, ['init', '--name', 'q']).code, 0);
  assert.match(berthSync(home, ['ls']).stdout, /^q +stopped +\S+ +qemu +.*\nvb +stopped +x86_64 +virtualbox /m);
  oneLineError(
    berthSync(home, ['set', '--name', 'vb', '--driver', 'qemu']),
    /^berth: driver cannot change from virtualbox to qemu: the machine's disk is in virtualbox's format; make a new machine with another name \(berth init --name NAME --driver qemu\)$/,
  );
  oneLineError(
    berthSync(home, ['init', '--name', 'x', '--driver', 'vmware']),
    /^berth: --driver must be one of qemu, virtualbox, got "vmware"$/,
    2,
  );
  oneLineError(
    berthSync(home, ['init', '--name', 'x', '--driver', 'virtualbox', '--arch', 'aarch64']),
    /a VirtualBox machine is x86_64 only \(arch = "aarch64"\)/,
  );
  assert.equal(fs.existsSync(path.join(home, 'machines', 'x')), false);
  // Removing it needs no VirtualBox when there is none: there is no VM to forget then.
  const rm = berthSync(home, ['rm', '--name', 'vb', '--yes'], { PATH: '/nonexistent' });
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(fs.existsSync(path.join(home, 'machines', 'vb')), false);
});

test('a corrupt settings file is kept aside and the user is told', () => {
  const home = tempHome();
  assert.equal(berthSync(home, ['init']).code, 0);
  const file = path.join(home, 'machines', 'default', 'machine.json');
  fs.writeFileSync(file, '{ oops');
  const r = berthSync(home, ['status']);
  assert.equal(r.code, 0);
  const aside = fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith('machine.json.corrupt-'));
  assert.equal(aside.length, 1);
  assert.equal(fs.readFileSync(path.join(path.dirname(file), aside[0]), 'utf8'), '{ oops');
});

test('names of built-in object members are unknown commands like any other', () => {
  const home = tempHome();
  for (const cmd of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '', '--', '-x', 'ünï'])
    oneLineError(
      berthSync(home, [cmd]),
      new RegExp(`^berth: unknown command ${JSON.stringify(JSON.stringify(cmd)).slice(1, -1)} \\(run "berth help"`),
      2,
    );
});

test('every numeric flag takes plain whole numbers in its range, and names the flag when not', () => {
  const home = tempHome();
  assert.equal(berthSync(home, ['init']).code, 0);
  for (const bad of ['-5', '0', '5abc', '1e3', '0x10', ' 5', '', '99999999999999999999'])
    oneLineError(
      berthSync(home, ['logs', `--lines=${bad}`]),
      new RegExp(`^berth: --lines must be a whole number from 1 to 1000000, got "${bad}"$`),
      2,
    );
  assert.equal(berthSync(home, ['logs', '--lines', '5']).code, 0);
  const ranges: [string, string][] = [
    ['cpus', '1 to 32'],
    ['memory', '512 to 65536'],
    ['disk', '4 to 2048'],
  ];
  for (const [flag, range] of ranges)
    for (const bad of ['-1', '0', '1e3', '0x10', '2.5', '99999999999999999999'])
      oneLineError(
        berthSync(home, ['set', `--${flag}=${bad}`]),
        new RegExp(`^berth: --${flag} must be a whole number from ${range}, got "${bad.replace('.', '\\.')}"$`),
        2,
      );
  for (const bad of ['-1', '65536', '8o'])
    oneLineError(
      berthSync(home, ['ui', `--port=${bad}`]),
      new RegExp(`^berth: --port must be a whole number from 0 to 65535, got "${bad}"$`),
      2,
    );
  // A value that looks like a flag: say how to pass it.
  oneLineError(
    berthSync(home, ['set', '--cpus', '-1']),
    /^berth: berth set: --cpus needs a value \(for one that starts with "-", write --cpus=VALUE\)$/,
    2,
  );
  oneLineError(berthSync(home, ['status', '--json=yes']), /^berth: berth status: --json takes no value$/, 2);
});

test('an empty --share is refused, not taken as the current folder', () => {
  const home = tempHome();
  assert.equal(berthSync(home, ['init', '--share', '/srv/x']).code, 0);
  for (const empty of ['', '  '])
    oneLineError(
      berthSync(home, ['set', '--share', empty]),
      /^berth: --share needs a folder, got an empty value \(use --no-share to share nothing\)$/,
      2,
    );
  oneLineError(berthSync(home, ['init', '--name', 'x', '--share', '']), /--share needs a folder/, 2);
  assert.deepEqual(JSON.parse(berthSync(home, ['status', '--json']).stdout).shares, ['/srv/x']);
});

test('a folder given two ways is shared once, and the home folder stays "~"', () => {
  const home = tempHome();
  const userHome = tempHome('uh');
  const env = { HOME: userHome, USERPROFILE: userHome };
  const r = berthSync(
    home,
    [
      'init',
      '--share',
      '~',
      '--share',
      '~/',
      '--share',
      `${userHome}/`,
      '--share',
      '/srv/a/./b',
      '--share',
      '/srv/a/b/',
    ],
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  const file = path.join(home, 'machines', 'default', 'machine.json');
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')).shares, ['~', '/srv/a/b']);
  assert.equal(berthSync(home, ['set', '--share', '/srv/c/', '--share', '/srv/c'], env).code, 0);
  assert.deepEqual(JSON.parse(berthSync(home, ['status', '--json'], env).stdout).shares, ['/srv/c']);
});

test('odd input anywhere gets one line and a non-zero exit', () => {
  const home = tempHome();
  const cases: [string[], RegExp][] = [
    [['init', '--name', ''], /machine name "" is not valid/],
    [['init', '--name', '../x'], /machine name "..\/x" is not valid/],
    [['init', '--name', 'ünï'], /machine name "ünï" is not valid/],
    [['status', '--name='], /machine name "" is not valid/],
    [['init', '--bogus'], /unknown flag --bogus/],
    [['init', '--accel'], /--accel needs a value/],
    [['init', '--accel', ''], /accel = "" is not allowed/],
    [['init', '--insecure-registry', ''], /insecureRegistries.0 = "" is not a valid registry address/],
    [['init', '--registry-mirror', 'ftp://x'], /registryMirrors.0 = "ftp:\/\/x" is not a valid mirror URL/],
    [['status', '--', 'x'], /unexpected argument "x"/],
    [['ls', '--name', 'x'], /unknown flag --name/],
    [['env', '--shell', ''], /--shell "" is not supported/],
  ];
  for (const [args, re] of cases) {
    const r = berthSync(home, args);
    assert.notEqual(r.code, 0, args.join(' '));
    oneLineError(r, re, r.code);
  }
  assert.equal(fs.existsSync(path.join(home, 'machines')), false, 'nothing was created');
});
