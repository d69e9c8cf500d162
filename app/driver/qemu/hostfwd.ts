// Published UDP ports, the one thing the SSH connection cannot carry (SSH forwards TCP
// streams, not datagrams). QEMU's user networking forwards UDP itself: rules added to the
// running VM through the monitor (HMP hostfwd_add / hostfwd_remove over QMP's
// human-monitor-command), always on the host's 127.0.0.1, to the guest's own address,
// where the engine's rules take the datagrams on to the container. Pure: the monitor's
// replies are checked against those QEMU 7.2 gives (test/unit/qemu-hostfwd.test.ts).

/** The user-networking netdev (buildQemuArgv names it so; the monitor commands refer to it). */
export const NETDEV_ID = 'net0';

export function hostfwdAdd(hostPort: number, guestPort: number): string {
  return `hostfwd_add ${NETDEV_ID} udp:127.0.0.1:${hostPort}-:${guestPort}`;
}

export function hostfwdRemove(hostPort: number): string {
  return `hostfwd_remove ${NETDEV_ID} udp:127.0.0.1:${hostPort}`;
}

/**
 * hostfwd_add answers nothing when the rule is in place and a line of text when not: QEMU
 * could not bind the port (in use, or below 1024 without the rights) or the netdev is unknown.
 */
export function checkAddReply(hostPort: number, reply: unknown): void {
  const text = typeof reply === 'string' ? reply.trim() : '';
  if (text === '') return;
  if (/^Could not set up host forwarding rule/.test(text)) {
    throw new Error(
      hostPort < 1024
        ? `UDP port ${hostPort} could not be opened on this computer (in use, or it needs administrator rights: publish a port above 1023)`
        : `UDP port ${hostPort} is already in use on this computer: stop what uses it, or publish another port`,
    );
  }
  throw new Error(`UDP port ${hostPort} could not be forwarded: QEMU said "${text}"`);
}

/** hostfwd_remove answers "... removed", or "... not found" for a rule that is already gone (fine). */
export function checkRemoveReply(hostPort: number, reply: unknown): void {
  const text = typeof reply === 'string' ? reply.trim() : '';
  if (/ removed$/.test(text) || / not found$/.test(text)) return;
  throw new Error(`UDP port ${hostPort} could not be closed: QEMU said "${text}"`);
}
