// What the host agent process gives its MachineAgent: the driver its entry point chose, the
// machine's settings file, the image and the user's key, and what its environment says.
import type { Driver } from '../driver/driver';
import { locateImage } from '../base/image';
import type { MachinePaths } from '../base/paths';
import { loadSettings } from '../base/settings/store';
import { ensureUserKey } from '../base/ssh-keys';
import { ensureEngineSecret } from '../base/engine-secret';
import { engineTcpForBenchmark } from './bench-engine-tcp';
import type { AgentDeps } from './machine-agent';

export function hostAgentDeps(
  name: string,
  paths: MachinePaths,
  driver: Driver,
  log: (m: string) => void,
  env: NodeJS.ProcessEnv,
): AgentDeps {
  const engineTcp = engineTcpForBenchmark(env);
  if (engineTcp) log('the engine also listens on TCP (host loopback, unauthenticated): started by the benchmark');
  return {
    name,
    paths,
    driver,
    settings: () => {
      const r = loadSettings(paths.settings);
      if (!r) throw new Error(`machine "${name}" has no settings file`);
      return r.settings;
    },
    image: (arch) => locateImage({ arch, iso: driver.bootsIso }),
    keys: () => ensureUserKey(paths),
    engineSecret: () => ensureEngineSecret(paths),
    log,
    engineTcpForBenchmark: engineTcp,
  };
}
