// Registers the machine's socket as a docker context, as Colima does, so
// `docker --context berth` works without touching DOCKER_HOST. Best effort: a
// missing docker CLI is not an error, only a reason to skip.
import { execFile } from 'node:child_process';

function docker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('docker', args, { timeout: 15000 }, (err, stdout, stderr) =>
      resolve({
        code: err ? ((err as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 1) : 0,
        stdout: String(stdout),
        stderr: String(stderr),
      }),
    );
  });
}

export function contextName(machine: string): string {
  return machine === 'default' ? 'berth' : `berth-${machine}`;
}

/** Creates or updates the context; returns a note for the log. */
export async function registerDockerContext(machine: string, host: string): Promise<string> {
  const name = contextName(machine);
  const exists = await docker(['context', 'inspect', name, '--format', '{{.Endpoints.docker.Host}}']);
  if (exists.code === 127) return 'docker CLI not found: no docker context registered';
  if (exists.code === 0 && exists.stdout.trim() === host) return `docker context "${name}" already points at ${host}`;
  const verb = exists.code === 0 ? 'update' : 'create';
  const r = await docker([
    'context',
    verb,
    name,
    '--description',
    `Berth machine "${machine}"`,
    '--docker',
    `host=${host}`,
  ]);
  return r.code === 0
    ? `docker context "${name}" points at ${host}`
    : `could not register docker context "${name}": ${r.stderr.trim()}`;
}

export async function removeDockerContext(machine: string): Promise<void> {
  await docker(['context', 'rm', '-f', contextName(machine)]);
}
