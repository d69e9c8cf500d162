// Windows named pipes, tested here with the platform as a parameter: their
// names are the user's alone, and a pipe someone else created first is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isUserError } from '../../app/base/errors';
import { dockerHost, machinePaths, PIPE_ID_FILE } from '../../app/base/paths';
import { listenPrivate, type Listener } from '../../app/base/private-socket';

function withHomes(n: number, fn: (...homes: string[]) => void): void {
  const homes = Array.from({ length: n }, () => fs.mkdtempSync(path.join(os.tmpdir(), 'berth-pipes-')));
  try {
    fn(...homes);
  } finally {
    for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
  }
}

test("two users' (or two homes') pipes for a machine of the same name differ; one user's stay the same", () => {
  withHomes(2, (ann, bob) => {
    const a = machinePaths('default', ann, 'win32');
    const b = machinePaths('default', bob, 'win32');
    assert.notEqual(a.dockerSock, b.dockerSock);
    assert.notEqual(a.agentSock, b.agentSock);
    assert.notEqual(a.agentSock, a.dockerSock);
    for (const p of [a.dockerSock, a.agentSock])
      assert.match(p, /^\\\\\.\\pipe\\berth-[0-9a-f]{32}-default-(docker|agent)$/);
    // Stable: the next process (the CLI after the agent, a new session) finds the same names.
    assert.deepEqual(machinePaths('default', ann, 'win32'), a);
    // Not the old name any user could create first.
    assert.notEqual(a.dockerSock, '\\\\.\\pipe\\berth-default-docker');
  });
});

test('the pipe id is kept in the Berth home, private to the user', () => {
  withHomes(1, (home) => {
    const p = machinePaths('dev', home, 'win32');
    const file = path.join(home, PIPE_ID_FILE);
    const id = fs.readFileSync(file, 'utf8').trim();
    assert.ok(p.dockerSock.includes(id));
    assert.equal(fs.statSync(file).mode & 0o077, 0);
    // A file that holds no id is replaced rather than used as a name.
    fs.writeFileSync(file, 'x\n');
    const again = machinePaths('dev', home, 'win32').dockerSock;
    assert.match(again, /berth-[0-9a-f]{32}-dev-docker$/);
    assert.notEqual(again, p.dockerSock);
  });
});

test('DOCKER_HOST and `berth env` name the new pipe', () => {
  withHomes(1, (home) => {
    const p = machinePaths('default', home, 'win32');
    const id = fs.readFileSync(path.join(home, PIPE_ID_FILE), 'utf8').trim();
    assert.equal(dockerHost(p, 'win32'), `npipe:////./pipe/berth-${id}-default-docker`);
  });
});

test('on Linux and macOS the sockets stay in the machine folder, with no pipe id made', () => {
  withHomes(1, (home) => {
    const p = machinePaths('default', home, 'linux');
    assert.equal(p.dockerSock, path.join(home, 'machines', 'default', 'docker.sock'));
    assert.equal(p.agentSock, path.join(home, 'machines', 'default', 'agent.sock'));
    assert.ok(!fs.existsSync(path.join(home, PIPE_ID_FILE)));
  });
});

/** A server whose listen fails as libuv's does on Windows when the pipe's first instance is someone else's. */
class TakenPipe extends EventEmitter implements Listener {
  listened: string[] = [];
  listen(p: string): this {
    // Never listening: onListening is not called.
    this.listened.push(p);
    const err = Object.assign(new Error(`listen EADDRINUSE: address already in use ${p}`), { code: 'EADDRINUSE' });
    setImmediate(() => this.emit('error', err));
    return this;
  }
}

test('a pipe someone else already created is refused with one line that says what to do', async () => {
  const pipe = '\\\\.\\pipe\\berth-0123456789abcdef0123456789abcdef-default-docker';
  const server = new TakenPipe();
  await assert.rejects(
    () => listenPrivate(server, pipe, 'win32'),
    (e: Error) => {
      assert.ok(isUserError(e), 'a UserError, not a crash');
      assert.ok(!e.message.includes('\n'));
      assert.match(e.message, /another program already holds the pipe .*berth-0123.*-default-docker/);
      assert.match(e.message, /pipe-id/);
      return true;
    },
  );
  assert.deepEqual(server.listened, [pipe], 'one try: no second listen and no connect to the pipe');
});

test('on Linux and macOS a stale socket file is still replaced and the new one is private', async () => {
  // The unix socket path is removed before the listen (a socket left by a process that died):
  // behaviour on Linux and macOS is unchanged.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sock-'));
  const net = await import('node:net');
  const sock = path.join(dir, 'docker.sock');
  fs.writeFileSync(sock, 'stale');
  const server = net.createServer();
  try {
    await listenPrivate(server, sock, 'linux');
    assert.equal(fs.statSync(sock).mode & 0o777, 0o600);
    assert.ok(fs.statSync(sock).isSocket());
  } finally {
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
