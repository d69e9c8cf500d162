// Shell commands the tests run in the guest (through `berth ssh`) to make a fault happen.

/**
 * Kills every sshd session process but the listener: the agent's connection goes, and the
 * command's own. OpenSSH 10 (Debian 13) runs sessions as sshd-session, older ones as copies of
 * sshd. Oldest first: the agent's session is older than the command's, and once the command's own
 * session is gone its shell may not live to kill the rest. (berth ssh, like ssh, joins its
 * arguments into one remote command line.)
 */
export const CUT_SSH_SESSIONS =
  'for p in $(pidof sshd sshd-session | tr " " "\\n" | sort -n); do [ "$p" = "$(cat /run/sshd.pid)" ] || kill -9 $p; done';
