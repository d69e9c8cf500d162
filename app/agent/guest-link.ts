// What the host agent needs from its connection to the guest. SshLink is the real one; tests
// give a stand-in that reaches a fake engine without an sshd.
import type { Duplex } from 'node:stream';
import type { SshLinkOptions } from './ssh-link';

export interface GuestLink {
  /** Resolves at the first completed handshake (retrying while the guest boots). */
  connect(): Promise<void>;
  /** A stream to a unix socket in the guest. */
  openSocket(guestPath: string): Promise<Duplex>;
  /** A TCP connection from the guest to host:port in the guest's network. */
  openTcp(host: string, port: number): Promise<Duplex>;
  /** Runs a command in the guest and collects its output. */
  exec(command: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Gives up for good: everyone waiting is told why. */
  fail(err: Error): void;
  close(): void;
  /** 'up' when the connection comes (back), 'down' when it drops. */
  on(event: 'up' | 'down', listener: () => void): unknown;
}

export type ConnectGuest = (opts: SshLinkOptions) => GuestLink;
