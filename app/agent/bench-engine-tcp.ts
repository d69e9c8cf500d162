// The benchmark's engine TCP listener: dockerd also listens on TCP in the VM, forwarded to the
// host's 127.0.0.1. It is unauthenticated (any local user, any web page that can reach localhost
// could drive the engine), so it is no machine setting: no API call, CLI flag or settings form
// can reach it. The benchmark alone asks for it, through the environment of the host agent
// process it starts (on its own BERTH_HOME): the agent's entry point reads it once, at start,
// and hands it to the agent as a dependency. Whoever can set an agent's environment already
// runs code as the user, so this gives nobody a way in they did not have.

/** Set to "1" in the environment of `berth up` (and so of the agent it starts) to get the listener. */
export const BENCH_ENGINE_TCP_ENV = 'BERTH_BENCH_ENGINE_TCP';

/** Whether the host agent started with this environment forwards the engine's TCP listener. */
export function engineTcpForBenchmark(env: NodeJS.ProcessEnv): boolean {
  return env[BENCH_ENGINE_TCP_ENV] === '1';
}
