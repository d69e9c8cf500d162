// scripts/setup.sh, the newcomer's one set-up command, and .ci/run, which must use it. Run for
// real with bash, against stand-ins for apt, dpkg, sudo, node and npm put first on PATH: each
// stand-in records its call, so the tests see what would be installed, how and in which order,
// without touching this machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from '../helpers/cli';

const SETUP = path.join(REPO, 'scripts', 'setup.sh');
// The script reads the real /etc/os-release and apt sources: it sets up Debian and Ubuntu only.
const osRelease = fs.existsSync('/etc/os-release') ? fs.readFileSync('/etc/os-release', 'utf8') : '';
const skip = /^ID(_LIKE)?=.*\b(debian|ubuntu)\b/m.test(osRelease) ? false : 'not a Debian or Ubuntu host';
// A machine's own policy-rc.d is left alone, so the script only writes one where there is none.
const ownPolicy = fs.existsSync('/usr/sbin/policy-rc.d');

interface World {
  /** Packages dpkg reports as installed. */
  installed: string[];
  nodeVersion?: string;
  aptNodeCandidate?: string;
  /** dpkg's version of qemu-system-x86, when installed. */
  qemuVersion?: string;
  /** dpkg's version of qemu-system-arm (qemu-system-aarch64), when installed. */
  qemuArmVersion?: string;
  /** A bookworm-backports entry already in apt's sources. */
  backportsSource?: boolean;
  root?: boolean;
  dockerCli?: boolean;
}

function stubs(w: World): { bin: string; log: string; aptEtc: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-setup-'));
  const aptEtc = path.join(dir, 'apt');
  fs.mkdirSync(path.join(aptEtc, 'sources.list.d'), { recursive: true });
  fs.writeFileSync(
    path.join(aptEtc, 'sources.list.d', 'debian.sources'),
    'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n' +
      (w.backportsSource ? '\nTypes: deb\nURIs: http://mirror.example/debian\nSuites: bookworm-backports\n' : ''),
  );
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const log = path.join(dir, 'calls.log');
  const write = (name: string, body: string) =>
    fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  const record = `echo "$(basename "$0") $*" >>'${log}'`;
  write(
    'dpkg-query',
    `if [[ "$*" == *Version* ]]; then case "\${@: -1}" in qemu-system-x86) v='${w.qemuVersion ?? ''}' ;; qemu-system-arm) v='${w.qemuArmVersion ?? ''}' ;; *) v='' ;; esac; [ -n "$v" ] && { printf '%s' "$v"; exit 0; }; exit 1; fi\n` +
      `for p in ${w.installed.join(' ')}; do [ "\${@: -1}" = "$p" ] && { printf 'install ok installed'; exit 0; }; done; exit 1`,
  );
  write('id', `if [ "$1" = -u ]; then echo ${w.root ? 0 : 1000}; else echo tester; fi`);
  write('node', `echo v${w.nodeVersion ?? '20.20.2'}`);
  write(
    'apt-cache',
    `echo "nodejs:"; echo "  Installed: (none)"; echo "  Candidate: ${w.aptNodeCandidate ?? '18.19.0+dfsg-6~deb12u2'}"`,
  );
  write('apt-get', record);
  // sudo records the command it was given and swallows what tee would write.
  write('sudo', `${record}\n[ "$1" = tee ] && cat >/dev/null; exit 0`);
  write('npm', `echo "npm $* ELECTRON_SKIP_BINARY_DOWNLOAD=\${ELECTRON_SKIP_BINARY_DOWNLOAD:-}" >>'${log}'`);
  // As root the script writes /usr/sbin/policy-rc.d and apt's sources itself: recorded, not done.
  write('tee', `${record}\ncat >/dev/null`);
  write('chmod', record);
  write('rm', record);
  if (w.dockerCli) write('docker', 'exit 0');
  return { bin, log, aptEtc };
}

function run(w: World, args: string[], script = SETUP) {
  const { bin, log, aptEtc } = stubs(w);
  const r = spawnSync('bash', [script, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'], // no terminal: as in CI, or piped
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: os.tmpdir(), BERTH_SETUP_APT_ETC: aptEtc },
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
  return { status: r.status, out: r.stdout, err: r.stderr, calls, aptEtc };
}

const BASE = [
  'qemu-system-x86',
  'qemu-utils',
  'squashfs-tools',
  'cpio',
  'xz-utils',
  'ca-certificates',
  'build-essential',
  'flex',
  'bison',
  'bc',
  'libelf-dev',
  'libssl-dev',
  'gcc-aarch64-linux-gnu',
  'binutils-aarch64-linux-gnu',
  'shellcheck',
];

test('names what is missing, installs exactly that through sudo, then npm ci and the image', { skip }, () => {
  const r = run({ installed: BASE.filter((p) => p !== 'qemu-utils' && p !== 'flex') }, ['--yes']);
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /already there: qemu-system-x86 squashfs-tools .* Node\.js 20\.20\.2/);
  assert.match(r.out, /missing, to install with apt-get: qemu-utils flex\n/);
  assert.match(r.out, /sudo, which may ask for your password/);
  // The image is built from Debian 13 through the build's own apt lists: no deb-src, no build-dep.
  assert.ok(!r.calls.some((c) => /build-dep|deb-src|sources/.test(c)), r.calls.join('\n'));
  const installs = r.calls.filter((c) => / install /.test(c));
  assert.deepEqual(installs, ['sudo apt-get install -y -qq --no-install-recommends qemu-utils flex']);
  // No service starts from package scripts while installing, and the guard is removed afterwards.
  const i = r.calls.indexOf(installs[0]);
  if (!ownPolicy) {
    assert.ok(r.calls.slice(0, i).includes('sudo tee /usr/sbin/policy-rc.d'));
    assert.ok(r.calls.slice(i).includes('sudo rm -f /usr/sbin/policy-rc.d'));
  }
  assert.ok(r.calls.indexOf('sudo apt-get update -qq') < i, 'package lists are fresh before installing');
  assert.deepEqual(r.calls.slice(-2), [
    'npm ci --no-audit --no-fund ELECTRON_SKIP_BINARY_DOWNLOAD=1',
    'npm run build:vm --silent ELECTRON_SKIP_BINARY_DOWNLOAD=',
  ]);
  assert.match(r.out, /done\. Start Berth: node bin\/berth up/);
});

test('without a terminal and without --yes, it names the packages and installs nothing', { skip }, () => {
  const r = run({ installed: BASE.filter((p) => p !== 'cpio') }, []);
  assert.equal(r.status, 1);
  assert.match(r.out, /missing, to install with apt-get: cpio\n/);
  assert.equal(r.err, 'setup: no terminal to ask on: run it again with --yes to install without asking\n');
  assert.deepEqual(r.calls, [], 'nothing ran: no apt-get, no sudo, no npm');
});

test('nothing missing: no question, nothing installed, as root without sudo', { skip }, () => {
  const r = run({ installed: BASE, root: true }, []);
  assert.equal(r.status, 0, r.err);
  assert.doesNotMatch(r.out, /missing/);
  assert.ok(!r.calls.some((c) => c.startsWith('sudo ')), r.calls.join('\n'));
  assert.ok(!r.calls.some((c) => / install /.test(c)));
  assert.ok(r.calls.includes('apt-get update -qq'));
});

const QEMU_10 = '1:10.0.2+ds-2+deb13u1~bpo12+1';
/** Both QEMU programs the tests use, at 10: nothing to take from bookworm-backports. */
const QEMU_10_BOTH = { installed: [...BASE, 'qemu-system-arm'], qemuVersion: QEMU_10, qemuArmVersion: QEMU_10 };

test('--with-tests adds what npm test needs, and docker.io only when there is no docker CLI', { skip }, () => {
  const withCli = run({ ...QEMU_10_BOTH, dockerCli: true, root: true }, ['--with-tests', '--yes']);
  assert.equal(withCli.status, 0, withCli.err);
  assert.ok(
    withCli.calls.includes(
      'apt-get install -y -qq --no-install-recommends chromium docker-registry docker-compose xvfb faketime openssh-client',
    ),
    withCli.calls.join('\n'),
  );
  const noCli = run({ ...QEMU_10_BOTH, root: true }, ['--ci']);
  assert.equal(noCli.status, 0, noCli.err);
  assert.ok(
    noCli.calls.includes(
      'apt-get install -y -qq --no-install-recommends chromium docker-registry docker-compose xvfb faketime openssh-client docker.io',
    ),
  );
  const plain = run({ installed: BASE, root: true }, ['--yes']);
  assert.ok(!plain.calls.some((c) => /chromium|qemu-system-arm/.test(c)), 'the plain set-up installs no test tools');
});

const bookworm = /^VERSION_CODENAME=bookworm$/m.test(osRelease) ? false : 'not a Debian 12 host';

test(
  '--with-tests on Debian 12 with its QEMU 7.2: QEMU 10 from bookworm-backports, adding the archive once',
  { skip: skip || bookworm },
  () => {
    const r = run({ installed: BASE, root: true, dockerCli: true, qemuVersion: '1:7.2+dfsg-7+deb12u18+b3' }, ['--ci']);
    assert.equal(r.status, 0, r.err);
    assert.match(
      r.out,
      /QEMU for the tests: 10\.0 or later \(found qemu-system-x86 7\.2, qemu-system-arm none\), to install from bookworm-backports: qemu-system-x86 qemu-system-arm qemu-utils\n/,
    );
    const add = r.calls.indexOf(`tee ${r.aptEtc}/sources.list.d/berth-bookworm-backports.sources`);
    const update = r.calls.indexOf('apt-get update -qq');
    const install = r.calls.indexOf(
      'apt-get install -y -qq --no-install-recommends -t bookworm-backports qemu-system-x86 qemu-system-arm qemu-utils',
    );
    assert.ok(add >= 0 && add < update && update < install, r.calls.join('\n'));
    // An archive already there is not added twice; a QEMU not installed at all comes from it too.
    const again = run(
      { installed: BASE.filter((p) => !p.startsWith('qemu')), root: true, dockerCli: true, backportsSource: true },
      ['--ci'],
    );
    assert.equal(again.status, 0, again.err);
    assert.ok(!again.calls.some((c) => c.startsWith('tee ') && c.includes('backports')), again.calls.join('\n'));
    assert.ok(
      again.calls.includes(
        'apt-get install -y -qq --no-install-recommends -t bookworm-backports qemu-system-x86 qemu-system-arm qemu-utils',
      ),
    );
    assert.ok(
      !again.calls.some((c) => / install .*--no-install-recommends [^-].*qemu-system-(x86|arm)/.test(c)),
      'not from bookworm itself',
    );
    // QEMU 10 for x86_64 already there, the arm64 one missing: only that one (with qemu-utils), from
    // bookworm-backports, never Debian 12's 7.2 beside a QEMU 10.
    const arm = run({ installed: BASE, root: true, dockerCli: true, qemuVersion: QEMU_10, backportsSource: true }, [
      '--ci',
    ]);
    assert.equal(arm.status, 0, arm.err);
    assert.match(
      arm.out,
      /\(found qemu-system-arm none\), to install from bookworm-backports: qemu-system-arm qemu-utils\n/,
    );
    assert.ok(
      arm.calls.includes(
        'apt-get install -y -qq --no-install-recommends -t bookworm-backports qemu-system-arm qemu-utils',
      ),
      arm.calls.join('\n'),
    );
    assert.ok(!arm.calls.some((c) => / install .*--no-install-recommends [^-].*qemu-system-arm/.test(c)));
    // The plain set-up (no tests) keeps the distribution's QEMU.
    const plain = run({ installed: BASE, root: true, qemuVersion: '1:7.2+dfsg-7+deb12u18+b3' }, ['--yes']);
    assert.ok(!plain.calls.some((c) => /backports/.test(c)), plain.calls.join('\n'));
  },
);

test('Node.js too old: a one-line error saying what to do, nothing installed', { skip }, () => {
  const r = run({ installed: BASE, nodeVersion: '18.19.0' }, ['--yes']);
  assert.equal(r.status, 1);
  assert.match(
    r.err,
    /^setup: Node\.js 20\.19 or later is needed \(found 18\.19\.0; apt offers 18\.19\.0\): install it from https:\/\/nodejs\.org\S* .*then run this again\n$/,
  );
  assert.deepEqual(r.calls, []);
  // A release whose own nodejs is new enough gets it from apt with the rest (npm is there here).
  const newer = run({ installed: BASE, nodeVersion: '18.19.0', aptNodeCandidate: '20.19.2+dfsg-1' }, ['--yes']);
  assert.equal(newer.status, 0, newer.err);
  assert.ok(newer.calls.includes('sudo apt-get install -y -qq --no-install-recommends nodejs'), newer.calls.join('\n'));
});

test('an unknown option is named in a one-line error', { skip }, () => {
  const r = run({ installed: BASE }, ['--with-test']);
  assert.equal(r.status, 2);
  assert.equal(r.err, "setup: unknown option '--with-test': use --with-tests, --yes or --ci (see --help)\n");
});

test(
  ".ci/run is the README set-up (setup.sh --ci) followed by npm test and the fault suite's short form",
  { skip },
  () => {
    const r = run({ installed: BASE, root: true, dockerCli: true }, [], path.join(REPO, '.ci', 'run'));
    assert.equal(r.status, 0, r.err);
    assert.ok(
      r.calls.some((c) => / install .*chromium/.test(c)),
      'CI installs the test tools',
    );
    assert.deepEqual(r.calls.slice(-4), [
      'npm ci --no-audit --no-fund ELECTRON_SKIP_BINARY_DOWNLOAD=1',
      'npm run build:vm --silent ELECTRON_SKIP_BINARY_DOWNLOAD=',
      'npm test ELECTRON_SKIP_BINARY_DOWNLOAD=',
      'npm run faults --silent -- --quick ELECTRON_SKIP_BINARY_DOWNLOAD=',
    ]);
    // README.md gives the same commands.
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    assert.ok(readme.includes('\nbash scripts/setup.sh\n'));
    assert.ok(readme.includes('\nbash scripts/setup.sh --with-tests '));
    assert.ok(readme.includes('\nnode bin/berth up '));
    assert.ok(readme.includes('\nnpm test\n'));
    assert.ok(readme.includes('npm run faults -- --quick'));
  },
);
