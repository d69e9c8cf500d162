// Published container ports follow the engine onto the host's loopback: the watch asks the
// engine what is published, the forwarder opens it (TCP over the link, UDP through the driver).
import type { Driver } from '../driver/driver';
import type { ForwardedPort } from '../base/machine-types';
import type { VmSpec } from '../base/vm-types';
import type { GuestLink } from './guest-link';
import { PortForwarder } from './port-forwarder';
import { PortWatch } from './port-watch';

export interface PortForwardingDeps {
  link: GuestLink;
  driver: Driver;
  spec: VmSpec;
  /** The host's engine socket, which the watch asks. */
  dockerSock: string;
  /** The forwards now; undefined once they are all closed. */
  onChange: (ports: ForwardedPort[] | undefined) => void;
  log: (msg: string) => void;
}

/** Starts forwarding; returns how to stop it (every listener closed, the list emptied). */
export function forwardPublishedPorts(d: PortForwardingDeps): () => Promise<void> {
  const { driver, spec } = d;
  const udp =
    driver.forwardUdp && driver.unforwardUdp
      ? {
          open: (port: number) => driver.forwardUdp!(spec, port, port),
          close: (port: number) => driver.unforwardUdp!(spec, port),
        }
      : undefined;
  const forwarder = new PortForwarder({ dial: (host, port) => d.link.openTcp(host, port), udp, log: d.log });
  const watch = new PortWatch(d.dockerSock, forwarder, () => d.onChange(forwarder.list()), d.log);
  watch.start();
  return async () => {
    watch.stop();
    await forwarder.close();
    d.onChange(undefined);
  };
}
