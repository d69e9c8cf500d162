import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { registerDockerContext, removeDockerContext } from '../../app/base/docker-context';
import { execFileRunner, notFound, type RunOptions, type RunResult, type Runner } from '../../app/base/run';

/** A runner that answers from a list and records each call. */
function fakeRunner(answers: RunResult[]) {
  const calls: { file: string; args: string[]; options?: RunOptions }[] = [];
  const run: Runner = (file, args, options) => {
    calls.push({ file, args, options });
    const next = answers.shift();
    assert.ok(next, `unexpected call: ${file} ${args.join(' ')}`);
    return Promise.resolve(next);
  };
  return { run, calls };
}

const ok = (stdout = ''): RunResult => ({ stdout, stderr: '', code: 0 });

test('a missing docker CLI skips the context, with a note', async () => {
  const { run, calls } = fakeRunner([{ stdout: '', stderr: 'spawn docker ENOENT', code: -1 }]);
  assert.equal(
    await registerDockerContext('default', 'unix:///s', run),
    'docker CLI not found: no docker context registered',
  );
  assert.equal(calls.length, 1);
  assert.equal(calls[0].options?.timeoutMs, 15_000);
});

test('a new machine gets a context created; an existing one pointing elsewhere is updated', async () => {
  const created = fakeRunner([{ stdout: '', stderr: 'context "berth-dev" does not exist', code: 1 }, ok()]);
  assert.equal(
    await registerDockerContext('dev', 'unix:///dev.sock', created.run),
    'docker context "berth-dev" points at unix:///dev.sock',
  );
  assert.deepEqual(created.calls[1].args, [
    'context',
    'create',
    'berth-dev',
    '--description',
    'Berth machine "dev"',
    '--docker',
    'host=unix:///dev.sock',
  ]);

  const updated = fakeRunner([ok('unix:///old.sock\n'), ok()]);
  await registerDockerContext('default', 'unix:///new.sock', updated.run);
  assert.equal(updated.calls[1].args[1], 'update');
  assert.equal(updated.calls[1].args[2], 'berth');
});

test('a context already pointing at the socket is left alone', async () => {
  const { run, calls } = fakeRunner([ok('unix:///s\n')]);
  assert.match(await registerDockerContext('default', 'unix:///s', run), /already points at/);
  assert.equal(calls.length, 1);
});

test('removing a machine removes its context', async () => {
  const { run, calls } = fakeRunner([ok()]);
  await removeDockerContext('dev', run);
  assert.deepEqual(calls[0].args, ['context', 'rm', '-f', 'berth-dev']);
});

test('the real runner says when a program is missing, and kills one that outlives its timeout', async () => {
  assert.ok(notFound(await execFileRunner('berth-no-such-program', [])));
  const slow = await execFileRunner(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 100 });
  assert.equal(slow.code, -1);
  assert.ok(!notFound(slow));
  assert.deepEqual(await execFileRunner(process.execPath, ['-e', 'process.exit(3)']), {
    stdout: '',
    stderr: '',
    code: 3,
  });
});
