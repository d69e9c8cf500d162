// `berth env`: the lines that point a shell's docker at a machine, like
// boot2docker's shellinit, for the shells people actually use.
import * as path from 'node:path';
import { UserError } from '../base/errors';
import { nameFlag } from './name-flag';

export type Shell = 'sh' | 'fish' | 'powershell' | 'cmd';
const SHELLS: Shell[] = ['sh', 'fish', 'powershell', 'cmd'];

export function detectShell(env: NodeJS.ProcessEnv = process.env, platform = process.platform): Shell {
  const sh = path.basename(env.SHELL ?? '');
  if (sh === 'fish') return 'fish';
  if (sh) return 'sh';
  return platform === 'win32' ? 'powershell' : 'sh';
}

export function parseShell(value: string | undefined): Shell | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (v === 'bash' || v === 'zsh' || v === 'sh') return 'sh';
  if (v === 'pwsh') return 'powershell';
  if ((SHELLS as string[]).includes(v)) return v as Shell;
  throw new UserError(`--shell "${value}" is not supported: use sh, bash, zsh, fish, powershell or cmd`, {
    code: 'EUSAGE',
  });
}

/** The script to evaluate; `self` is how the user invokes berth, for the usage hint. */
export function envScript(shell: Shell, dockerHost: string, machine: string, unset = false): string {
  const flags = nameFlag(machine);
  switch (shell) {
    case 'sh':
      return unset
        ? `unset DOCKER_HOST\n# Run this command to configure your shell:\n# eval "$(berth env --unset${flags})"\n`
        : `export DOCKER_HOST="${dockerHost}"\n# Run this command to configure your shell:\n# eval "$(berth env${flags})"\n`;
    case 'fish':
      return unset
        ? `set -e DOCKER_HOST;\n# Run this command to configure your shell:\n# berth env --unset${flags} | source\n`
        : `set -gx DOCKER_HOST "${dockerHost}";\n# Run this command to configure your shell:\n# berth env${flags} | source\n`;
    case 'powershell':
      return unset
        ? `Remove-Item Env:\\DOCKER_HOST\n# Run this command to configure your shell:\n# & berth env --unset --shell powershell${flags} | Invoke-Expression\n`
        : `$Env:DOCKER_HOST = "${dockerHost}"\n# Run this command to configure your shell:\n# & berth env --shell powershell${flags} | Invoke-Expression\n`;
    case 'cmd':
      return unset
        ? `SET DOCKER_HOST=\nREM Run this command to configure your shell:\nREM @FOR /f "tokens=*" %i IN ('berth env --unset --shell cmd${flags}') DO @%i\n`
        : `SET DOCKER_HOST=${dockerHost}\nREM Run this command to configure your shell:\nREM @FOR /f "tokens=*" %i IN ('berth env --shell cmd${flags}') DO @%i\n`;
  }
}
