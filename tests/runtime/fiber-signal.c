/*
 * Description: a caught signal interrupts fibers' blocked calls as it
 * interrupts a thread's (issue 14): with a handler installed by
 * pk_sigaction without SA_RESTART, a fiber parked in pk_accept returns
 * EINTR after the handler ran (it used to wait for ever: a program that
 * stops on SIGTERM never stopped); with SA_RESTART a pk_read goes on
 * waiting and gets its data, while pk_nanosleep and pk_poll return EINTR
 * whatever SA_RESTART says, as signal(7) has it; the old action handed
 * back is the program's, not libpk's trampoline; pk_kill(f, 0) checks a
 * fiber.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pk.h"
#include "t_pk.h"

static volatile sig_atomic_t caught;

static void on_usr1(int sig)
{
	(void)sig;
	caught++;
}

/* Sends SIGUSR1 to the process after @arg milliseconds, from a thread of its own. */
static void *kill_late(void *arg)
{
	usleep((useconds_t)(long)arg * 1000);
	kill(getpid(), SIGUSR1);
	return NULL;
}

static void *write_late(void *arg)
{
	usleep(300 * 1000);
	if (write((int)(long)arg, "z", 1) != 1)
		return NULL;
	return NULL;
}

static void handler(int flags)
{
	t_pk_handler(SIGUSR1, on_usr1, flags);
}

static void accept_interrupted(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM, 0), r;
	pthread_t t;

	bind(s, (struct sockaddr *)&a, sizeof(a));
	listen(s, 8);
	handler(0);
	caught = 0;
	pthread_create(&t, NULL, kill_late, (void *)100L);
	errno = 0;
	r = pk_accept(s, NULL, NULL);
	t_ok(r == -1 && errno == EINTR && caught == 1,
	     "no SA_RESTART: a fiber blocked in pk_accept returns EINTR after the handler ran (%d, %s, caught %d)",
	     r, strerror(errno), (int)caught);
	pthread_join(t, NULL);
	close(s);
}

static void read_restarted(void)
{
	pthread_t t, w;
	int p[2];
	char c = 0;
	ssize_t r;

	if (pipe(p))
		return;
	handler(SA_RESTART);
	caught = 0;
	pthread_create(&t, NULL, kill_late, (void *)100L);
	pthread_create(&w, NULL, write_late, (void *)(long)p[1]);
	r = pk_read(p[0], &c, 1);
	t_ok(r == 1 && c == 'z' && caught == 1,
	     "SA_RESTART: pk_read goes on waiting through the handler and gets its data (%zd, caught %d)",
	     r, (int)caught);
	pthread_join(t, NULL);
	pthread_join(w, NULL);
	pk_close(p[0]);
	pk_close(p[1]);
}

static void sleep_and_poll_interrupted(void)
{
	struct timespec ts = { 5, 0 }, rem = { 0, 0 };
	struct pollfd pf;
	pthread_t t;
	int p[2], r;

	handler(SA_RESTART);
	pthread_create(&t, NULL, kill_late, (void *)100L);
	errno = 0;
	r = pk_nanosleep(&ts, &rem);
	t_ok(r == -1 && errno == EINTR && rem.tv_sec >= 3,
	     "pk_nanosleep returns EINTR even under SA_RESTART, with the time left (%d, %s, %lds left)",
	     r, strerror(errno), (long)rem.tv_sec);
	pthread_join(t, NULL);

	if (pipe(p))
		return;
	pf.fd = p[0];
	pf.events = POLLIN;
	pthread_create(&t, NULL, kill_late, (void *)100L);
	errno = 0;
	r = pk_poll(&pf, 1, -1);
	t_ok(r == -1 && errno == EINTR, "pk_poll returns EINTR even under SA_RESTART (%d, %s)", r, strerror(errno));
	pthread_join(t, NULL);
	pk_close(p[0]);
	pk_close(p[1]);
}

static void *main_fiber(void *arg)
{
	struct sigaction old;

	(void)arg;
	accept_interrupted();
	read_restarted();
	sleep_and_poll_interrupted();
	pk_sigaction(SIGUSR1, NULL, &old);
	t_ok(!(old.sa_flags & SA_SIGINFO) && old.sa_handler == on_usr1,
	     "the old action handed back is the program's handler, not libpk's");
	t_ok(pk_signal(SIGUSR1, SIG_DFL) == on_usr1, "pk_signal hands back the program's handler");
	t_ok(pk_kill(pk_self(), 0) == 0, "pk_kill(self, 0) finds the fiber");
	return NULL;
}

int main(void)
{
	return t_run_fiber_on(1, main_fiber, 7);
}
