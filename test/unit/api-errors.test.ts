import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { isEngineUnreachable, toApiError } from '../../app/api/errors';
import { createImplementation } from '../../app/api/handlers';
import type { Machines } from '../../app/machine/machines';

function errno(code: string, message = `connect ${code} /m/docker.sock`): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

test('the engine is unreachable when its socket is missing, refuses, drops or does not answer', () => {
  for (const code of ['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']) {
    assert.equal(isEngineUnreachable(errno(code)), true, code);
    assert.equal(toApiError(errno(code)).code, 'ENGINE_UNREACHABLE', code);
  }
  assert.equal(isEngineUnreachable(undefined), false);
  assert.equal(isEngineUnreachable('ENOENT'), false);
  assert.equal(isEngineUnreachable({ code: 42 }), false);
});

test('a socket that may not be opened is a permission problem, not a stopped machine', () => {
  const e = errno('EACCES');
  assert.equal(isEngineUnreachable(e), false);
  const api = toApiError(e);
  assert.equal(api.code, 'EUSER');
  assert.match(api.message, /permission denied/);
  assert.match(api.details ?? '', /EACCES \/m\/docker\.sock/);
});

test("the engine's refusals keep its words and map 404 and 409", () => {
  const notFound = Object.assign(new Error('(HTTP code 404) no such container'), {
    statusCode: 404,
    reason: 'no such container',
    json: { message: 'No such container: abc' },
  });
  assert.deepEqual(toApiError(notFound), {
    code: 'ENOTFOUND',
    message: 'The engine refused: No such container: abc',
    details: 'HTTP 404 no such container\nNo such container: abc',
  });
  assert.equal(toApiError({ statusCode: 409, json: 'in use' }).code, 'ECONFLICT');
  assert.equal(toApiError({ statusCode: 500, json: 'in use' }).message, 'The engine refused: In use');
});

function machinesIn(dir: string, state: string): Machines {
  const m = {
    paths: () => ({ dir, disk: path.join(dir, 'data.qcow2'), dockerSock: path.join(dir, 'docker.sock') }),
    status: async (name: string) => ({ name, state }),
  };
  return m as unknown as Machines;
}

test('an engine call with no socket says the machine is stopped, or that there is no machine yet', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-err-'));
  try {
    const stopped = createImplementation({ machines: machinesIn(dir, 'stopped') });
    await assert.rejects(stopped.methods['engine.info']({}), (e: unknown) => {
      const api = toApiError(e);
      assert.equal(api.code, 'ENGINE_UNREACHABLE');
      assert.match(api.details ?? '', /machine state: stopped\nENOENT/);
      return true;
    });
    const none = createImplementation({ machines: machinesIn(dir, 'not created') });
    await assert.rejects(none.methods['containers.list']({}), (e: unknown) => toApiError(e).code === 'ENOMACHINE');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
