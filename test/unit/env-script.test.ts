import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectShell, envScript, parseShell } from '../../app/cli/env-script';

const host = 'unix:///home/ann/.local/share/berth/machines/default/docker.sock';

test('sh, bash and zsh get export lines and the eval hint', () => {
  assert.equal(
    envScript('sh', host, 'default'),
    `export DOCKER_HOST="${host}"\n# Run this command to configure your shell:\n# eval "$(berth env)"\n`,
  );
  assert.match(envScript('sh', host, 'dev', true), /^unset DOCKER_HOST\n.*berth env --unset --name dev/s);
});

test('fish, PowerShell and cmd get their own syntax', () => {
  assert.match(envScript('fish', host, 'default'), /^set -gx DOCKER_HOST "unix:\/\/\/.*";\n.*berth env \| source/s);
  assert.match(
    envScript('powershell', 'npipe:////./pipe/berth-default-docker', 'default'),
    /^\$Env:DOCKER_HOST = "npipe:\/\/\/\/\.\/pipe\/berth-default-docker"\n.*Invoke-Expression/s,
  );
  assert.match(
    envScript('cmd', 'npipe:////./pipe/berth-default-docker', 'default'),
    /^SET DOCKER_HOST=npipe:.*\nREM .*FOR \/f/s,
  );
});

test('the shell is detected from $SHELL, PowerShell on Windows', () => {
  assert.equal(detectShell({ SHELL: '/usr/bin/fish' }, 'linux'), 'fish');
  assert.equal(detectShell({ SHELL: '/bin/zsh' }, 'darwin'), 'sh');
  assert.equal(detectShell({}, 'win32'), 'powershell');
  assert.equal(parseShell('bash'), 'sh');
  assert.equal(parseShell('pwsh'), 'powershell');
  assert.throws(
    () => parseShell('tcsh'),
    /--shell "tcsh" is not supported: use sh, bash, zsh, fish, powershell or cmd/,
  );
});
