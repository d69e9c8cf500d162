// The monitor commands for published UDP ports, and QEMU 7.2's replies to them, as
// captured from qemu-system-x86_64 (Debian 1:7.2+dfsg-7+deb12u18) over QMP
// human-monitor-command.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAddReply, checkRemoveReply, hostfwdAdd, hostfwdRemove } from '../../app/driver/qemu/hostfwd';

test('commands: the user netdev, UDP, the host loopback only', () => {
  assert.equal(hostfwdAdd(45353, 5353), 'hostfwd_add net0 udp:127.0.0.1:45353-:5353');
  assert.equal(hostfwdRemove(45353), 'hostfwd_remove net0 udp:127.0.0.1:45353');
});

test('hostfwd_add: an empty reply is success; a taken port and anything else are errors that say so', () => {
  checkAddReply(45353, '');
  assert.throws(() => checkAddReply(45353, "Could not set up host forwarding rule 'udp:127.0.0.1:45353-:5353'\r\n"), {
    message: 'UDP port 45353 is already in use on this computer: stop what uses it, or publish another port',
  });
  assert.throws(
    () => checkAddReply(53, "Could not set up host forwarding rule 'udp:127.0.0.1:53-:53'\r\n"),
    /UDP port 53 could not be opened.*above 1023/,
  );
  assert.throws(() => checkAddReply(45354, "unrecognized netdev id 'nope'\r\n"), {
    message: `UDP port 45354 could not be forwarded: QEMU said "unrecognized netdev id 'nope'"`,
  });
});

test('hostfwd_remove: removed and already gone are both fine', () => {
  checkRemoveReply(45353, 'host forwarding rule for udp:127.0.0.1:45353 removed\r\n');
  checkRemoveReply(45353, 'host forwarding rule for udp:127.0.0.1:45353 not found\r\n');
  assert.throws(() => checkRemoveReply(45353, "unrecognized netdev id 'nope'\r\n"), /could not be closed/);
});
