/* berth-engine-proxy: the Docker socket's direct path from the host, without SSH's encryption.
 *
 * Usage: berth-engine-proxy ADDRESS PORT SECRET_FILE ENGINE_SOCKET
 *
 * Listens on ADDRESS:PORT (in the VM, QEMU forwards one host loopback port here). Each connection
 * must begin with the machine's secret: 32 bytes, whose hex the host hands the guest privately
 * (fw_cfg, readable by root only) and keeps 0600 in the machine folder. Anything else is closed at
 * once, before the engine is touched. Then one byte, ACK, says the engine's socket was reached, and
 * the bytes go both ways unchanged until both sides are done (either side may half-close first:
 * `docker run -i` ends its input and still reads the output).
 *
 * Why not SSH: sshd encrypts every byte, and under emulation (no hardware acceleration) that made
 * `docker load` of a big image 1.5x slower than a raw TCP forward. Why C: busybox has nothing that
 * can check a secret safely, and this is the whole program (static, no libraries in the image).
 *
 * One process per connection (fork): an idle kept-alive connection costs a sleeping process, and
 * a fault in one cannot take the others down. Within it, one process per direction, each moving
 * bytes with splice(2) (kernel to kernel, no copy through this program) where the kernel can. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SECRET_BYTES 32
#define ACK 0x06
/* A connection that has not sent its secret by then is closed. */
#define SECRET_SECONDS 10
#define PIPE_BYTES (256 * 1024)

static unsigned char secret[SECRET_BYTES];

static int hexval(int c) {
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* The secret file holds the 64 hex digits of the 32 bytes (a trailing newline is allowed). */
static int read_secret(const char *file) {
	char text[2 * SECRET_BYTES + 2];
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	ssize_t n = read(fd, text, sizeof text);
	close(fd);
	if (n < 2 * SECRET_BYTES || (n > 2 * SECRET_BYTES && text[2 * SECRET_BYTES] != '\n') ||
	    n > 2 * SECRET_BYTES + 1)
		return -1;
	for (int i = 0; i < SECRET_BYTES; i++) {
		int hi = hexval(text[2 * i]), lo = hexval(text[2 * i + 1]);
		if (hi < 0 || lo < 0) return -1;
		secret[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static int read_full(int fd, unsigned char *buf, size_t len) {
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) return -1;
		got += (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const char *buf, size_t len) {
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Every byte is looked at whatever the others are, so the time taken says nothing of where a guess went wrong. */
static int secret_matches(const unsigned char *given) {
	unsigned char diff = 0;
	for (int i = 0; i < SECRET_BYTES; i++) diff |= (unsigned char)(given[i] ^ secret[i]);
	return diff == 0;
}

/* Returns 0 at the end of `in`, -1 on an error. */
static int copy_read_write(int in, int out) {
	char buf[64 * 1024];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR) continue;
		if (n == 0) return 0;
		if (n < 0 || write_full(out, buf, (size_t)n) < 0) return -1;
	}
}

/* Moves `in` to `out` through a pipe, in the kernel; falls back to read/write where splice cannot be used. */
static int copy(int in, int out) {
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) return copy_read_write(in, out);
	fcntl(p[1], F_SETPIPE_SZ, PIPE_BYTES); /* a bigger pipe means fewer calls; the default works too */
	for (;;) {
		ssize_t n = splice(in, NULL, p[1], NULL, PIPE_BYTES, SPLICE_F_MOVE);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0 && errno == EINVAL) return copy_read_write(in, out);
		if (n == 0) return 0;
		if (n < 0) return -1;
		while (n > 0) {
			ssize_t m = splice(p[0], NULL, out, NULL, (size_t)n, SPLICE_F_MOVE);
			if (m < 0 && errno == EINTR) continue;
			if (m <= 0) return -1;
			n -= m;
		}
	}
}

static int connect_engine(const char *path) {
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a.sun_path) return -1;
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One connection, in its own process: the secret, the engine, then both directions until both are done. */
static void serve(int client, const char *engine_path) {
	unsigned char given[SECRET_BYTES];
	alarm(SECRET_SECONDS); /* SIGALRM's default action ends this process */
	if (read_full(client, given, sizeof given) < 0 || !secret_matches(given)) _exit(1);
	alarm(0);
	int engine = connect_engine(engine_path);
	if (engine < 0) _exit(1);
	char ack = ACK;
	if (write_full(client, &ack, 1) < 0) _exit(1);
	pid_t pid = fork();
	if (pid < 0) _exit(1);
	int in = pid == 0 ? client : engine;
	int out = pid == 0 ? engine : client;
	if (copy(in, out) == 0) {
		/* This direction is done; the other goes on (half-close). */
		shutdown(out, SHUT_WR);
		_exit(0);
	}
	/* A reset or a failed write ends the connection both ways, waking the other direction's process. */
	shutdown(client, SHUT_RDWR);
	shutdown(engine, SHUT_RDWR);
	_exit(1);
}

int main(int argc, char **argv) {
	if (argc != 5) {
		fprintf(stderr, "usage: berth-engine-proxy ADDRESS PORT SECRET_FILE ENGINE_SOCKET\n");
		return 2;
	}
	if (read_secret(argv[3]) < 0) {
		fprintf(stderr, "berth-engine-proxy: %s does not hold a %d-byte secret in hex\n", argv[3], SECRET_BYTES);
		return 1;
	}
	signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
	signal(SIGPIPE, SIG_IGN); /* a write to a closed peer is an error return, handled */
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "berth-engine-proxy: %s is not an IPv4 address\n", argv[1]);
		return 2;
	}
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 64) < 0) {
		perror("berth-engine-proxy");
		return 1;
	}
	socklen_t len = sizeof a;
	getsockname(s, (struct sockaddr *)&a, &len);
	printf("berth-engine-proxy: listening on %s:%u\n", argv[1], ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno != EINTR) usleep(100 * 1000); /* out of descriptors or memory: let it pass */
			continue;
		}
		/* Docker requests are small writes each waiting for an answer: no Nagle delay. */
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		/* A connection whose host side vanished without a word (the VM was saved and resumed: the
		 * new QEMU knows nothing of it) is found out and its processes end, instead of waiting forever. */
		int idle = 60, interval = 10, count = 3;
		setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
		setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
		setsockopt(c, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
		setsockopt(c, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
		pid_t pid = fork();
		if (pid == 0) {
			close(s);
			serve(c, argv[4]);
		}
		close(c);
	}
}
