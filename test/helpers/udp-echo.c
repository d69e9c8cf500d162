/* A UDP echo server for the published-UDP-port test: busybox-static has no UDP server.
 * Usage: udp-echo PORT. Answers every datagram with "echo: " and the datagram. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: udp-echo PORT\n");
		return 2;
	}
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0) {
		perror("udp-echo");
		return 1;
	}
	fprintf(stderr, "udp-echo: listening on %s\n", argv[1]);
	for (;;) {
		char buf[2048];
		struct sockaddr_in from;
		socklen_t len = sizeof from;
		ssize_t n = recvfrom(s, buf + 6, sizeof buf - 6, 0, (struct sockaddr *)&from, &len);
		if (n < 0) continue;
		memcpy(buf, "echo: ", 6);
		sendto(s, buf, (size_t)n + 6, 0, (struct sockaddr *)&from, len);
	}
}
