/*
 * listen-fd PORT PROGRAM [ARG...]: listens on TCP PORT (all addresses) and execs PROGRAM with the
 * socket as fd 3 and LISTEN_PID/LISTEN_FDS set, as systemd's socket activation would. The engine
 * floor (engine-floor.ts) starts dockerd with `-H fd://` this way: given `-H tcp://...` without TLS,
 * dockerd sleeps a second at start to show a warning, which Berth's own boot never pays.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: listen-fd PORT PROGRAM [ARG...]\n");
		return 2;
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 128) < 0) {
		perror("listen-fd");
		return 1;
	}
	if (s != 3 && (dup2(s, 3) < 0 || close(s) < 0)) {
		perror("listen-fd: dup2");
		return 1;
	}
	char pid[16];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1); /* exec keeps the pid: the program checks it is the one meant */
	setenv("LISTEN_FDS", "1", 1);
	execvp(argv[2], argv + 2);
	perror("listen-fd: exec");
	return 127;
}
