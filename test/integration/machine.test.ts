// The core, for real: build the image, boot a real VM under QEMU, and use the
// Docker engine through the host socket with the real docker CLI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import { httpPing } from '../../app/agent/waits';
import { freePort } from '../../app/base/net';
import { pidAlive } from '../../app/base/proc';
import { berth, berthSync, tempHome } from '../helpers/cli';
import { busyboxRootfsTar, noBusybox } from '../helpers/tiny-image';
import { udpEchoRootfsTar } from '../helpers/udp-echo-image';
import { CUT_SSH_SESSIONS } from '../helpers/guest-commands';
import { until } from '../helpers/wait';
import { machineLogs } from '../helpers/machine-logs';

const run = promisify(execFile);
const home = tempHome('bi');
const dir = path.join(home, 'machines', 'default');
// A host folder shared with the machine (in place of the default, the user's home).
const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-shared-'));
const sock = path.join(dir, 'docker.sock');
// The docker context berth registers goes to a throwaway docker config, not the user's.
process.env.DOCKER_CONFIG = path.join(home, 'docker-config');
const dockerEnv = { ...process.env, DOCKER_HOST: `unix://${sock}` };

async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args, { env: dockerEnv, timeout: 120000 });
  return r.stdout;
}

/** GET / on the host's 127.0.0.1:port; the body when it answers 200. */
function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function connects(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.on('connect', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

/** Sends one datagram to 127.0.0.1:port; the reply, or undefined after a second without one. */
function udpAsk(port: number, text: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const done = (v: string | undefined) => {
      clearTimeout(t);
      s.close();
      resolve(v);
    };
    const t = setTimeout(() => done(undefined), 1000);
    s.on('message', (m) => done(m.toString()));
    s.on('error', () => done(undefined));
    s.send(text, port, '127.0.0.1');
  });
}

/** Whether this process can bind UDP 127.0.0.1:port (0: any free port); the port bound, else 0. */
function bindUdp(port: number): Promise<number> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.on('error', () => resolve(0));
    s.bind(port, '127.0.0.1', () => {
      const got = s.address().port;
      s.close(() => resolve(got));
    });
  });
}

const status = () => JSON.parse(berthSync(home, ['status', '--json']).stdout);

describe('a real machine', { concurrency: false }, () => {
  before(() => {
    const r = berthSync(home, ['init', '--memory', '1024', '--disk', '8', '--share', shared]);
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    await berth(home, ['down']);
    fs.rmSync(shared, { recursive: true, force: true });
  });

  test('berth up reports each named step and ends with the engine answering', async () => {
    const r = await berth(home, ['up']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const done = [...r.stderr.matchAll(/^done: (.+?) \d+\.\d s/gm)].map((m) => m[1]);
    assert.deepEqual(done, ['image ready', 'disk ready', 'VM booting', 'SSH ready', 'engine ready', 'socket ready']);
    assert.match(r.stdout, new RegExp(`DOCKER_HOST=unix://${sock}`));
    const st = status();
    assert.equal(st.state, 'running');
    assert.equal(st.dockerHost, `unix://${sock}`);
    const ctx = spawnSync('docker', ['context', 'inspect', 'berth', '--format', '{{.Endpoints.docker.Host}}'], {
      encoding: 'utf8',
    });
    assert.equal(ctx.stdout.trim(), `unix://${sock}`, 'a docker context named berth points at the socket');
    // /dev/kvm exists here but cannot run this VM: auto must have fallen back to TCG, and said so.
    assert.equal(st.agent.accel, 'tcg');
    if (fs.existsSync('/dev/kvm')) assert.match(st.agent.note ?? '', /TCG/i);
  });

  test("sockets, keys and the folder are the user's alone", () => {
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(sock).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(dir, 'agent.sock')).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(dir, 'ssh', 'id_ed25519')).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(path.join(dir, 'ssh', 'known_host'), 'utf8'), /^SHA256:/);
    const qemu = spawnSync('ps', ['-o', 'args=', '-p', String(status().agent.vmPid)], { encoding: 'utf8' }).stdout;
    assert.match(qemu, /hostfwd=tcp:127\.0\.0\.1:\d+-:22/, 'SSH is forwarded on 127.0.0.1 only');
  });

  test('the host docker CLI works against the socket: version, import, run, logs, stdin', async () => {
    assert.equal(await httpPing(sock), true);
    const v = JSON.parse(await docker('version', '--format', '{{json .Server}}'));
    // Docker Engine 26.1 from Debian 13: API 1.45, so clients that need 1.44 (Docker 29's) are served.
    assert.match(v.Version, /^26\.1\./);
    assert.equal(v.ApiVersion, '1.45');
    const v144 = await run('docker', ['version', '--format', '{{.Server.APIVersion}}'], {
      env: { ...dockerEnv, DOCKER_API_VERSION: '1.44' },
    });
    assert.equal(v144.stdout.trim(), '1.45');
    // The engine built from Debian's sources (vm-images/build/engine.ts): overlay2 on the data disk,
    // containers confined by seccomp, the local log drivers in and the cloud ones out.
    const info = JSON.parse(await docker('info', '--format', '{{json .}}'));
    assert.equal(info.Driver, 'overlay2');
    assert.ok(
      info.SecurityOptions.some((o: string) => o.includes('seccomp')),
      info.SecurityOptions.join(','),
    );
    assert.deepEqual(
      info.Plugins.Log.filter((d: string) => ['json-file', 'local', 'awslogs', 'gcplogs'].includes(d)).sort(),
      ['json-file', 'local'],
    );
    await docker('import', busyboxRootfsTar(), 'tiny:1');
    assert.equal(
      (await docker('run', '--rm', 'tiny:1', '/bin/busybox', 'echo', 'hello from berth')).trim(),
      'hello from berth',
    );
    await docker(
      'run',
      '-d',
      '--name',
      'logger',
      'tiny:1',
      '/bin/sh',
      '-c',
      'echo line-one; echo line-two >&2; sleep 3600',
    );
    const logs = await until(async () => {
      const r = await run('docker', ['logs', 'logger'], { env: dockerEnv });
      return /line-one/.test(r.stdout) && /line-two/.test(r.stderr) ? r : undefined;
    }, 'container logs');
    assert.match(logs.stdout, /line-one/);
    // Half-open: the client closes stdin and still reads the output.
    const cat = spawnSync('docker', ['run', '-i', '--rm', 'tiny:1', '/bin/cat'], {
      env: dockerEnv,
      input: 'through stdin\n',
      encoding: 'utf8',
      timeout: 120000,
    });
    assert.equal(cat.stdout, 'through stdin\n', cat.stderr);
    // exec is an Upgrade request with a JSON body: it gets a channel of its own.
    const ex = spawnSync('docker', ['exec', '-i', 'logger', '/bin/cat'], {
      env: dockerEnv,
      input: 'into exec\n',
      encoding: 'utf8',
      timeout: 60000,
    });
    assert.equal(ex.stdout, 'into exec\n', ex.stderr);
    // A stream delivers each event as it happens, not when it ends.
    const events = spawn('docker', ['events', '--filter', 'event=start', '--format', '{{.Actor.Attributes.name}}'], {
      env: dockerEnv,
    });
    let seen = '';
    events.stdout.on('data', (d) => (seen += d));
    try {
      await until(async () => {
        await docker('run', '--rm', '--name', `evt-${Date.now()}`, 'tiny:1', '/bin/busybox', 'true');
        return /^evt-\d+$/m.test(seen) || undefined;
      }, 'a start event on `docker events`');
    } finally {
      events.kill();
    }
    assert.equal(
      (await docker('ps', '-q', '--filter', 'name=logger')).trim().length > 0,
      true,
      'the engine answers after a stream was cut',
    );
  });

  test(
    'an arm64 image runs on this x86_64 machine, through qemu-user registered at boot',
    { skip: noBusybox('aarch64') },
    async () => {
      await docker('import', '--platform', 'linux/arm64', busyboxRootfsTar('aarch64'), 'tiny:arm64');
      const run = (...cmd: string[]) => docker('run', '--rm', '--platform', 'linux/arm64', 'tiny:arm64', ...cmd);
      assert.equal((await run('/bin/busybox', 'uname', '-m')).trim(), 'aarch64');
      // A foreign shell starting foreign programs in a pipe: every exec inside the container goes
      // through the handler (its F flag opened the interpreter at boot, outside the container).
      assert.equal((await run('/bin/sh', '-c', 'echo through | cat; ls /bin/busybox')).trim(), 'through\n/bin/busybox');
    },
  );

  test('a shared host folder works in bind mounts both ways, and what a container writes belongs to the user', async () => {
    fs.mkdirSync(path.join(shared, 'src dir'));
    fs.writeFileSync(path.join(shared, 'src dir', 'input.txt'), 'written on the host\n');
    const out = await docker(
      'run',
      '--rm',
      '-v',
      `${shared}:/work`,
      'tiny:1',
      '/bin/sh',
      '-c',
      'cat "/work/src dir/input.txt" && echo made-in-a-container >/work/output.txt && mkdir -p /work/built/deep',
    );
    assert.equal(out, 'written on the host\n');
    assert.equal(fs.readFileSync(path.join(shared, 'output.txt'), 'utf8'), 'made-in-a-container\n');
    assert.equal(fs.statSync(path.join(shared, 'built', 'deep')).isDirectory(), true);
    assert.equal(fs.statSync(path.join(shared, 'output.txt')).uid, process.getuid!());
    // A single file, read-only: the container cannot write through it.
    const ro = spawnSync(
      'docker',
      ['run', '--rm', '-v', `${shared}/output.txt:/o.txt:ro`, 'tiny:1', '/bin/sh', '-c', 'cat /o.txt; echo x >>/o.txt'],
      { env: dockerEnv, encoding: 'utf8', timeout: 120000 },
    );
    assert.equal(ro.stdout, 'made-in-a-container\n');
    assert.match(ro.stderr, /Read-only file system/);
    assert.equal(fs.readFileSync(path.join(shared, 'output.txt'), 'utf8'), 'made-in-a-container\n');
    assert.match(berthSync(home, ['status']).stdout, new RegExp(`^shared: {2}${shared}$`, 'm'));
  });

  test("a published port answers on the host's localhost, and is closed when the container stops", async () => {
    const port = await freePort();
    await docker(
      'run',
      '-d',
      '--name',
      'web',
      '-p',
      `${port}:80`,
      'tiny:1',
      '/bin/sh',
      '-c',
      'mkdir /www && echo served by berth >/www/index.html && exec httpd -f -p 80 -h /www',
    );
    const body = await until(() => httpGet(port).catch(() => undefined), 'the published port to answer on the host');
    assert.equal(body, 'served by berth\n');
    assert.deepEqual(status().agent.ports, [{ hostPort: port, protocol: 'tcp', container: 'web', containerPort: 80 }]);
    assert.match(berthSync(home, ['status']).stdout, new RegExp(`^port: +localhost:${port} -> web:80/tcp$`, 'm'));
    // localhost is ::1 first for Node and browsers: it answers there too, where the host has IPv6.
    if (
      Object.values(os.networkInterfaces())
        .flat()
        .some((a) => a?.internal && a.family === 'IPv6')
    ) {
      assert.equal(await connects(port, '::1'), true, 'answers on [::1]');
    }
    // Only loopback: the forward is not reachable on the host's other addresses.
    const other = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a?.family === 'IPv4' && !a.internal);
    if (other) assert.equal(await connects(port, other.address), false, `not listening on ${other.address}`);
    await docker('rm', '-f', 'web');
    await until(async () => !(await connects(port, '127.0.0.1')), 'the host port to close after the container went');
    await until(() => status().agent.ports?.length === 0, 'the status to list no ports');
  });

  test("a published UDP port answers on the host's 127.0.0.1, and the host port is released when the container stops", async () => {
    await docker('import', udpEchoRootfsTar(), 'udp-echo:1');
    const port = await bindUdp(0);
    await docker('run', '-d', '--name', 'echo', '-p', `${port}:7/udp`, 'udp-echo:1', '/udp-echo', '7');
    const reply = await until(() => udpAsk(port, 'ping'), 'the published UDP port to answer on the host');
    assert.equal(reply, 'echo: ping');
    assert.deepEqual(status().agent.ports, [{ hostPort: port, protocol: 'udp', container: 'echo', containerPort: 7 }]);
    assert.match(berthSync(home, ['status']).stdout, new RegExp(`^port: +localhost:${port} -> echo:7/udp$`, 'm'));
    await docker('rm', '-f', 'echo');
    await until(() => status().agent.ports?.length === 0, 'the status to list no ports');
    // QEMU let go of the host port: it can be bound again.
    await until(() => bindUdp(port), 'the host UDP port to be released');
  });

  test('docker compose works on the socket unchanged', async (t) => {
    const compose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
    if (compose.status !== 0) return t.skip('docker-compose is not installed');
    const proj = path.join(home, 'proj');
    fs.mkdirSync(proj);
    fs.writeFileSync(
      path.join(proj, 'docker-compose.yml'),
      'services:\n  hello:\n    image: tiny:1\n    command: ["/bin/busybox", "echo", "composed"]\n',
    );
    const up = spawnSync('docker-compose', ['up', '--no-color'], {
      cwd: proj,
      env: dockerEnv,
      encoding: 'utf8',
      timeout: 180000,
    });
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout + up.stderr, /composed/);
    const ps = await docker('ps', '-a', '--filter', 'label=com.docker.compose.project=proj', '--format', '{{.Names}}');
    assert.match(ps, /proj[-_]hello[-_]1/);
    spawnSync('docker-compose', ['down'], { cwd: proj, env: dockerEnv });
  });

  test('a second up while running joins; a second client sees the same state', async () => {
    const r = await berth(home, ['up']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /already running/);
    assert.equal(status().state, 'running');
  });

  test('berth ssh runs a command in the VM', async () => {
    const r = await berth(home, ['ssh', '--', 'cat', '/proc/sys/kernel/hostname']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'berth');
    const fail = await berth(home, ['ssh', '--', 'exit', '7']);
    assert.equal(fail.code, 7);
    // The image's own static iptables: dockerd programmed the default bridge's NAT with it.
    const nat = await berth(home, ['ssh', '--', 'iptables', '-t', 'nat', '-S', 'POSTROUTING']);
    assert.match(nat.stdout, /-A POSTROUTING -s 172\.17\.0\.0\/16 ! -o docker0 -j MASQUERADE/, nat.stderr);
    const libs = await berth(home, ['ssh', '--', 'ls', '/usr/lib/x86_64-linux-gnu/']);
    assert.doesNotMatch(libs.stdout, /libxtables/, 'no shared iptables libraries in the image');
  });

  test('the engine comes back when dockerd dies, and the OOM killer is kept off it', async () => {
    const inGuest = async (cmd: string) => {
      const r = await berth(home, ['ssh', '--', cmd]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim();
    };
    // Docker's own unit's score: in a guest short of memory the kernel ends a container's process,
    // not the engine (containerd's config sets its own, -999).
    assert.equal(await inGuest('cat /proc/$(cat /run/docker.pid)/oom_score_adj'), '-500');
    assert.equal(await inGuest('cat /proc/$(cat /run/containerd.pid)/oom_score_adj'), '-999');
    // As the OOM killer or a crash would end it.
    const first = await inGuest('cat /run/docker.pid');
    await inGuest('kill -9 $(cat /run/docker.pid)');
    await until(
      () =>
        fs
          .readFileSync(path.join(dir, 'console.log'), 'utf8')
          .includes('berth: dockerd exited; starting it again in 1 s'),
      'the guest to say it starts dockerd again',
    );
    await until(
      async () => (await httpPing(sock)) && (await inGuest('cat /run/docker.pid')) !== first,
      'the engine to answer again',
      120000,
    );
    assert.equal(await inGuest('cat /proc/$(cat /run/docker.pid)/oom_score_adj'), '-500');
    // The engine's state is on the data disk: the containers made before are still there.
    assert.match(await docker('ps', '-a', '--format', '{{.Names}}'), /logger/);
  });

  test('the socket works again after the SSH connection is cut, and the guest clock is set right', async () => {
    // As after the host slept: the guest's clock an hour behind, and the SSH connection gone.
    const guestNow = async () => Number((await berth(home, ['ssh', '--', 'date +%s'])).stdout.trim());
    const back = await berth(home, ['ssh', '--', `date -u -s @${Math.round(Date.now() / 1000) - 3600} >/dev/null`]);
    assert.equal(back.code, 0, back.stderr);
    assert.ok(Math.abs((await guestNow()) - (Date.now() / 1000 - 3600)) < 5, 'the guest clock went back an hour');
    // Cut the SSH connection (every sshd session in the guest killed; the listener stays).
    await berth(home, ['ssh', '--', CUT_SSH_SESSIONS]);
    await until(
      () => fs.readFileSync(path.join(dir, 'agent.log'), 'utf8').includes('reconnecting'),
      'the agent to notice the cut',
      20000,
    );
    // No retry here: the first command after the cut must wait for the new
    // connection, not hang on a channel of the dead one.
    const r = await run('docker', ['ps', '-a', '--format', '{{.Names}}'], { env: dockerEnv, timeout: 30000 });
    assert.match(r.stdout, /logger/);
    // The agent checks the guest's clock when the connection comes back.
    await until(
      () =>
        /guest clock was 3[56]\d\d s behind the host's, now set \(the SSH connection came back\)/.test(
          fs.readFileSync(path.join(dir, 'agent.log'), 'utf8'),
        ),
      'the agent to set the guest clock',
      30000,
    );
    const skew = (await guestNow()) - Date.now() / 1000;
    assert.ok(Math.abs(skew) < 3, `guest clock ${skew.toFixed(1)} s off the host's`);
  });

  test('space freed in the machine goes back to the host: the disk file shrinks after a volume is removed', async () => {
    const onHost = () => fs.statSync(path.join(dir, 'data.qcow2')).blocks * 512;
    await docker('volume', 'create', 'filler');
    await docker(
      'run',
      '--rm',
      '-v',
      'filler:/d',
      'tiny:1',
      '/bin/sh',
      '-c',
      'dd if=/dev/urandom of=/d/blob bs=1M count=96 && sync',
    );
    const full = onHost();
    await docker('volume', 'rm', 'filler');
    // ext4 sends the discards when its journal commits (every few seconds).
    const freed = await until(
      async () => {
        const now = onHost();
        return full - now > 64 * 1024 * 1024 ? now : undefined;
      },
      "the host disk file to give back the removed volume's space",
      60000,
    );
    assert.ok(full - freed > 64 * 1024 * 1024, `${full} -> ${freed} bytes on the host`);
  });

  test('down saves the memory and up resumes it: containers run on, the clock is right, the shared folder is back', async () => {
    await docker('run', '-d', '--name', 'napper', 'tiny:1', '/bin/busybox', 'sleep', '3600');
    await docker('run', '--rm', '-v', 'keep:/v', 'tiny:1', '/bin/sh', '-c', 'echo kept >/v/f');
    const d = await berth(home, ['down']);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stderr, /memory is saved/, d.stderr + machineLogs(dir));
    const st = status();
    assert.equal(st.state, 'stopped');
    assert.ok(st.saved.bytes > 1e6, JSON.stringify(st.saved));
    assert.equal(fs.statSync(path.join(dir, 'saved-vm.state')).mode & 0o777, 0o600);
    assert.match(berthSync(home, ['status']).stdout, /^saved: {3}memory saved .*"berth up" resumes it/m);
    // The guest's clock stands still while it is saved: after the resume it must be right again.
    await new Promise((r) => setTimeout(r, 5000));
    const r = await berth(home, ['up']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /resumed from saved memory/);
    assert.equal(fs.existsSync(path.join(dir, 'saved-vm.state')), false, 'saved memory is resumed once only');
    assert.equal(status().saved, undefined);
    assert.match(await docker('ps', '--filter', 'name=napper', '--format', '{{.Status}}'), /^Up /);
    assert.equal(
      (await docker('run', '--rm', '-v', 'keep:/v', 'tiny:1', '/bin/busybox', 'cat', '/v/f')).trim(),
      'kept',
    );
    const guest = Number((await berth(home, ['ssh', '--', 'date +%s'])).stdout.trim());
    assert.ok(Math.abs(guest - Date.now() / 1000) < 3, `guest clock ${guest}, host ${Date.now() / 1000}`);
    fs.writeFileSync(path.join(shared, 'after-resume.txt'), 'back');
    assert.equal(
      (
        await docker('run', '--rm', '-v', `${shared}:/s`, 'tiny:1', '/bin/busybox', 'cat', '/s/after-resume.txt')
      ).trim(),
      'back',
    );
    await docker('rm', '-f', 'napper');
  });

  test('saved memory that no longer fits the disk is thrown away: up boots afresh and nothing written is lost', async () => {
    await docker('run', '--rm', '-v', 'keep:/v', 'tiny:1', '/bin/sh', '-c', 'echo second >/v/g');
    assert.equal((await berth(home, ['down'])).code, 0);
    assert.ok(status().saved);
    // Another program wrote the disk meanwhile (here only its time changes: that is enough).
    const later = new Date(Date.now() + 10_000);
    fs.utimesSync(path.join(dir, 'data.qcow2'), later, later);
    const r = await berth(home, ['up']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /saved memory is not resumed \(the data disk changed since it was stopped\): booting afresh/,
    );
    assert.match(r.stderr, /The machine is booting/);
    assert.equal(fs.existsSync(path.join(dir, 'saved-vm.state')), false);
    assert.equal(
      (await docker('run', '--rm', '-v', 'keep:/v', 'tiny:1', '/bin/busybox', 'cat', '/v/f', '/v/g')).trim(),
      'kept\nsecond',
    );
    // down --shutdown on a stopped machine forgets memory saved before.
    assert.equal((await berth(home, ['down'])).code, 0);
    assert.ok(status().saved);
    assert.equal((await berth(home, ['down', '--shutdown'])).code, 0);
    assert.equal(status().saved, undefined);
    assert.equal((await berth(home, ['up'])).code, 0);
  });

  test('a shared folder in use keeps the memory from being saved: down shuts down cleanly instead', async () => {
    await docker('run', '-d', '--name', 'holder', '-v', `${shared}:/s`, 'tiny:1', '/bin/busybox', 'sleep', '3600');
    const d = await berth(home, ['down']);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stderr, /memory could not be saved \(.+\): shutting it down instead/, d.stderr);
    assert.equal(status().saved, undefined);
    assert.match(fs.readFileSync(path.join(dir, 'console.log'), 'utf8'), /berth: stopped/);
    assert.equal((await berth(home, ['up'])).code, 0);
    await docker('rm', '-f', 'holder');
  });

  test('down --shutdown stops cleanly; two concurrent ups start one VM; data survives', async () => {
    const d = await berth(home, ['down', '--shutdown']);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(status().state, 'stopped');
    assert.equal(fs.existsSync(sock), false);
    assert.match(fs.readFileSync(path.join(dir, 'console.log'), 'utf8'), /berth: stopped/);
    // Grow the disk while stopped: the next boot must see the new size.
    const grow = await berth(home, ['set', '--disk', '10']);
    assert.equal(grow.code, 0, grow.stderr);
    const [a, b] = await Promise.all([berth(home, ['up']), berth(home, ['up'])]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const log = fs.readFileSync(path.join(dir, 'agent.log'), 'utf8');
    const starts = log
      .slice(log.lastIndexOf('request: poweroff'))
      .split('\n')
      .filter((l) => l.includes('up: starting'));
    assert.equal(starts.length, 1, 'one start after the shutdown: the two ups joined');
    await docker('image', 'inspect', 'tiny:1');
    assert.match(await docker('ps', '-a', '--format', '{{.Names}}'), /logger/);
    const df = await berth(home, ['ssh', '--', 'df -k /var/lib/docker | tail -n 1']);
    const kib = Number(df.stdout.trim().split(/\s+/)[1]);
    assert.ok(
      kib > 9 * 1024 * 1024,
      `the filesystem grew with the disk: ${df.stdout} (exit ${df.code}: ${df.stderr})\n${machineLogs(dir)}`,
    );
  });

  test('kill -9 of QEMU turns the state to stopped, and up works again with the data intact', async () => {
    const pid = status().agent.vmPid;
    assert.ok(pid > 0);
    process.kill(pid, 'SIGKILL');
    await until(() => status().state === 'stopped', 'the state to turn stopped', 30000);
    const r = await berth(home, ['up']);
    assert.equal(r.code, 0, r.stderr);
    await docker('image', 'inspect', 'tiny:1');
    assert.equal((await docker('run', '--rm', 'tiny:1', '/bin/busybox', 'echo', 'still here')).trim(), 'still here');
    // The default bridge is made anew at each boot (not restored first: see the engine's patches),
    // also after a crash: one network named bridge, a container's route through its gateway, the
    // gateway answering, and the rule that lets containers out.
    assert.equal(
      (await docker('network', 'ls', '--filter', 'name=^bridge$', '--format', '{{.Name}}')).trim(),
      'bridge',
    );
    assert.match(
      await docker('run', '--rm', 'tiny:1', '/bin/busybox', 'ip', 'route'),
      /^default via 172\.17\.0\.1 dev eth0/m,
    );
    await docker('run', '--rm', 'tiny:1', '/bin/busybox', 'ping', '-c', '1', '-W', '5', '172.17.0.1');
    const nat = await berth(home, ['ssh', '--', 'iptables -t nat -S POSTROUTING']);
    assert.match(nat.stdout, /-A POSTROUTING -s 172\.17\.0\.0\/16 ! -o docker0 -j MASQUERADE/, nat.stdout + nat.stderr);
  });

  test('a VM whose agent died is broken, and up reattaches to the same VM', async () => {
    const before = status();
    process.kill(before.agent.agentPid, 'SIGKILL');
    await until(() => status().state === 'broken', 'the state to turn broken', 15000);
    assert.match(status().reason, /host agent is gone/);
    const r = await berth(home, ['up']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /reattached to the running VM/);
    const after = status();
    assert.equal(after.state, 'running');
    assert.equal(after.agent.vmPid, before.agent.vmPid, 'the same QEMU process');
    assert.equal(await httpPing(sock), true);
  });

  test('an up asked for while the machine is stopping starts it again, and an agent stays to own it', async () => {
    const down = berth(home, ['down']);
    await until(() => status().state === 'stopping', 'the machine to be stopping', 15000, 50);
    const up = await berth(home, ['up']);
    assert.equal((await down).code, 0);
    assert.equal(up.code, 0, up.stderr);
    const s = status();
    assert.equal(s.state, 'running', machineLogs(dir));
    assert.equal(await httpPing(sock), true);
  });

  test('an up asked for while the agent is being terminated gets a new agent that owns the new VM', async () => {
    const old = status().agent.agentPid;
    process.kill(old, 'SIGTERM');
    await until(() => status().state === 'stopping', 'the machine to be stopping', 15000, 50);
    const up = await berth(home, ['up']);
    assert.equal(up.code, 0, up.stderr);
    await until(() => !pidAlive(old), 'the terminated agent to exit');
    const s = status();
    assert.equal(s.state, 'running', machineLogs(dir));
    assert.notEqual(s.agent.agentPid, old, 'a new agent');
    assert.equal(await httpPing(sock), true);
  });

  test('a changed VM host key is refused with a clear message', async () => {
    assert.equal((await berth(home, ['down'])).code, 0);
    const kh = path.join(dir, 'ssh', 'known_host');
    const real = fs.readFileSync(kh, 'utf8');
    fs.writeFileSync(kh, 'SHA256:AAAAnotthekeyAAAA\n');
    const r = await berth(home, ['up']);
    fs.writeFileSync(kh, real);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^berth: the VM's SSH host key changed/m);
    assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
    await until(() => status().state === 'stopped', 'the failed start to clean up', 30000);
  });

  test('rm --keep-disk keeps the data disk and the host key', async () => {
    const r = await berth(home, ['rm', '--yes', '--keep-disk']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(dir, 'data.qcow2')));
    assert.ok(fs.existsSync(path.join(dir, 'ssh', 'known_host')));
    assert.ok(!fs.existsSync(path.join(dir, 'machine.json')));
  });
});
