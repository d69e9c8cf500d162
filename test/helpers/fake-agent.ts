// A host agent as the agent's own entry point makes it (hostAgentDeps), but on fakes: the fake
// image, a key pair the fake link never uses, and a link to a fake engine on a unix socket.
import * as path from 'node:path';
import type { AgentDeps } from '../../app/agent/machine-agent';
import { MachineAgent } from '../../app/agent/machine-agent';
import { tempHome } from './cli';
import { fakeImage } from './fake-driver';
import { FakeGuestLink } from './fake-guest';

/** The user key the agent hands the guest; the fake link never checks it. */
export const FAKE_PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFake test';

const image = fakeImage(path.join(tempHome('bim'), 'image'));

export function agentOnFakes(deps: AgentDeps, engineSock: string): MachineAgent {
  return new MachineAgent({
    ...deps,
    image: () => image,
    keys: () => ({ privateKey: 'not used by the fake link', publicKey: FAKE_PUBLIC_KEY }),
    timeouts: { ssh: 5000, engine: 5000, stop: 1000 },
    connect: () => new FakeGuestLink(engineSock, []),
  });
}
