# The echo server fixture, shared by tests/port/fibers-echo.sh and
# bench/port.sh (no TAP helpers here).
#
# port_echo_tree DIR: writes a thread-per-connection TCP echo server with
# its Makefile. echod PORT MAX serves MAX connections (0: forever), one
# thread each, then prints how many it served; it prints "listening" once
# it accepts.
# port_echo_client OUT: builds the load generator: echoload PORT CONNS
# ROUNDS SIZE [READY HOLD_MS] opens CONNS connections at once, then ROUNDS
# times writes SIZE bytes on each and reads them back; after the first
# round it creates READY and waits HOLD_MS (the caller looks at the
# server meanwhile). It prints what it checked and the requests per second
# on stderr.

port_echo_tree()
{
	mkdir -p "$1"
	cat > "$1/Makefile" <<'EOF2'
CFLAGS = -O2 -Wall -pthread
LDLIBS = -pthread
echod: echod.c
	$(CC) $(CFLAGS) -o $@ echod.c $(LDLIBS)
EOF2
	cat > "$1/echod.c" <<'EOF2'
/* echod: a thread-per-connection TCP echo server. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;
static long served, active;

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) != n)
			break;
	close(fd);
	pthread_mutex_lock(&lock);
	served++;
	if (--active == 0)
		pthread_cond_signal(&idle);
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	long max;
	int s, one = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: echod PORT MAX\n");
		return 2;
	}
	max = atol(argv[2]);
	sa.sin_port = htons(atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 4096)) {
		perror("echod: cannot listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (long i = 0; max == 0 || i < max; i++) {
		pthread_t t;
		int c = accept(s, NULL, NULL);

		if (c < 0) {
			perror("echod: accept");
			return 1;
		}
		pthread_mutex_lock(&lock);
		active++;
		pthread_mutex_unlock(&lock);
		if (pthread_create(&t, NULL, serve, (void *)(intptr_t)c) != 0) {
			fprintf(stderr, "echod: cannot start a thread\n");
			return 1;
		}
		pthread_detach(t);
	}
	close(s);
	pthread_mutex_lock(&lock);
	while (active > 0)
		pthread_cond_wait(&idle, &lock);
	pthread_mutex_unlock(&lock);
	printf("served %ld\n", served);
	return 0;
}
EOF2
}

port_echo_client()
{
	cat > "$1.c" <<'EOF2'
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int port = atoi(argv[1]), conns = atoi(argv[2]), rounds = atoi(argv[3]), size = atoi(argv[4]);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int *fd = calloc(conns, sizeof(int)), one = 1;
	char *msg = malloc(size), *back = malloc(size);
	long bad = 0;
	double t0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < conns; i++) {
		fd[i] = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* A listener that is just starting may refuse: retry. */
		for (int tries = 0; connect(fd[i], (struct sockaddr *)&sa, sizeof(sa)); tries++) {
			if (tries == 50) {
				perror("echoload: connect");
				return 1;
			}
			usleep(20000);
		}
	}
	t0 = now();
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < conns; i++) {
			for (int k = 0; k < size; k++)
				msg[k] = 'a' + (i + r + k) % 26;
			if (write(fd[i], msg, size) != size) {
				perror("echoload: write");
				return 1;
			}
		}
		for (int i = 0; i < conns; i++) {
			int got = 0;

			while (got < size) {
				ssize_t n = read(fd[i], back + got, size - got);

				if (n <= 0) {
					fprintf(stderr, "echoload: connection %d closed\n", i);
					return 1;
				}
				got += n;
			}
			for (int k = 0; k < size; k++)
				bad += back[k] != 'a' + (i + r + k) % 26;
		}
		if (r == 0 && argc > 6) {
			close(open(argv[5], O_CREAT | O_WRONLY, 0644));
			usleep(atoi(argv[6]) * 1000);
			t0 = now();
		}
	}
	fprintf(stderr, "requests/s %.0f\n", (double)conns * (rounds - (argc > 6)) / (now() - t0));
	for (int i = 0; i < conns; i++)
		close(fd[i]);
	printf("%d connections, %d rounds of %d bytes, %ld bytes wrong\n", conns, rounds, size, bad);
	return bad != 0;
}
EOF2
	cc -O2 -o "$1" "$1.c"
}
