// Registers the machine's socket as a docker context, as Colima does, so
// `docker --context berth` works without touching DOCKER_HOST. Best effort: a
// missing docker CLI is not an error, only a reason to skip.
import { execFileRunner, notFound, type Runner } from './run';

/** The docker CLI answers at once or is stuck (a hung daemon plugin): give up after 15 s. */
const TIMEOUT_MS = 15_000;

function docker(args: string[], run: Runner) {
  return run('docker', args, { timeoutMs: TIMEOUT_MS });
}

export function contextName(machine: string): string {
  return machine === 'default' ? 'berth' : `berth-${machine}`;
}

/** Creates or updates the context; returns a note for the log. */
export async function registerDockerContext(
  machine: string,
  host: string,
  run: Runner = execFileRunner,
): Promise<string> {
  const name = contextName(machine);
  const exists = await docker(['context', 'inspect', name, '--format', '{{.Endpoints.docker.Host}}'], run);
  if (notFound(exists)) return 'docker CLI not found: no docker context registered';
  if (exists.code === 0 && exists.stdout.trim() === host) return `docker context "${name}" already points at ${host}`;
  const verb = exists.code === 0 ? 'update' : 'create';
  const r = await docker(
    ['context', verb, name, '--description', `Berth machine "${machine}"`, '--docker', `host=${host}`],
    run,
  );
  return r.code === 0
    ? `docker context "${name}" points at ${host}`
    : `could not register docker context "${name}": ${r.stderr.trim()}`;
}

export async function removeDockerContext(machine: string, run: Runner = execFileRunner): Promise<void> {
  await docker(['context', 'rm', '-f', contextName(machine)], run);
}
