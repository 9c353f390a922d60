/*
 * Signals for fibers: a caught signal interrupts what fibers wait for as it
 * interrupts a thread's blocking system call.
 *
 * A thread blocked in accept(2) returns EINTR when a handler without
 * SA_RESTART runs; a program that stops on SIGTERM relies on it (the
 * handler sets a flag, the blocked call returns, the loop sees the flag).
 * A fiber blocked in pk_accept is an operation on its core's ring, and the
 * handler runs on whatever thread the kernel picked: nothing would return.
 * So pk_sigaction (the twin of sigaction; port renames it) installs a
 * trampoline that runs the program's handler, then marks the signal in
 * every core's sig_bits and writes the core's eventfd, the one thing a
 * handler may safely do to wake another thread (write(2) is async-signal-
 * safe; io_uring is not). Each core keeps a read armed on its eventfd; when
 * it completes, the core cancels its fibers' parked calls that this signal
 * interrupts (io.c pk_interrupt_parked): every call unless its handler has
 * SA_RESTART and the call is one SA_RESTART restarts (read, write, accept,
 * recv...; never poll, select or a sleep, as signal(7) says). A cancelled
 * call returns EINTR; data that arrived first is kept.
 *
 * POSIX interrupts one thread, the one the signal was delivered to; libpk
 * interrupts every fiber parked in such a call, so a program must expect
 * EINTR where its threads could have had it (they retry, or see the flag).
 * pthread_kill(thread, sig) becomes pk_kill: the handler runs on the
 * caller's core and interrupts as above (a fiber has no thread of its own
 * to deliver to). Threads that are not fibers are untouched: their calls
 * are the kernel's, which the kernel interrupts itself.
 *
 * pthread_sigmask becomes pk_sigmask: a fiber's mask is its own (a new
 * fiber inherits its creator's, as a thread does) and says which signals
 * do not interrupt its calls; the core threads keep every signal
 * unblocked, so the handler runs when the signal comes, where the kernel
 * would keep it pending until some thread unblocked it. A program that
 * blocks signals in its workers and handles them in main (the common
 * pattern) sees main's calls interrupted and the workers' not, as before.
 */
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pk_int.h"

/* The program's own action per signal, while the trampoline stands in for it. */
static struct sigaction user_act[NSIG];

static bool sig_ok(int sig)
{
	return sig > 0 && sig < NSIG && sig <= 64 && sig != SIGKILL && sig != SIGSTOP;
}

static uint64_t bit(int sig)
{
	return UINT64_C(1) << (sig - 1);
}

bool pk_signal_restarts(uint64_t bits)
{
	for (int sig = 1; sig <= 64 && sig < NSIG; sig++)
		if ((bits & bit(sig)) && !(user_act[sig].sa_flags & SA_RESTART))
			return false;
	return true;
}

static void trampoline(int sig, siginfo_t *info, void *uctx)
{
	struct sigaction a = user_act[sig];
	int saved = errno;
	uint64_t one = 1;

	if (a.sa_flags & SA_RESETHAND) {
		/* One-shot, as the kernel does it: the default action from now on. */
		struct sigaction dfl;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigaction(sig, &dfl, NULL);
	}
	if (a.sa_flags & SA_SIGINFO)
		a.sa_sigaction(sig, info, uctx);
	else if (a.sa_handler != SIG_IGN && a.sa_handler != SIG_DFL)
		a.sa_handler(sig);
	for (int i = 0; i < pk_rt.ncores; i++) {
		struct pk_core *c = pk_rt.cores[i];

		if (!c || c->sig_efd < 0)
			continue;
		atomic_fetch_or(&c->sig_bits, bit(sig));
		if (write(c->sig_efd, &one, sizeof(one)) < 0) {
			/* The counter is full: the core has a wake-up pending anyway. */
		}
	}
	errno = saved;
}

static bool catches(const struct sigaction *act)
{
	return (act->sa_flags & SA_SIGINFO) || (act->sa_handler != SIG_IGN && act->sa_handler != SIG_DFL);
}

static bool is_trampoline(const struct sigaction *act)
{
	return (act->sa_flags & SA_SIGINFO) && act->sa_sigaction == trampoline;
}

int pk_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction mine, prev, prev_user = { 0 };
	sigset_t block, was;
	int r;

	if (!sig_ok(sig) || !act) {
		r = sigaction(sig, act, old);
		if (!r && old && sig_ok(sig) && is_trampoline(old))
			*old = user_act[sig];	/* what the program installed */
		return r;
	}
	/* No handler of this signal may run on this thread while its action changes. */
	sigemptyset(&block);
	sigaddset(&block, sig);
	pthread_sigmask(SIG_BLOCK, &block, &was);
	prev_user = user_act[sig];
	if (catches(act)) {
		user_act[sig] = *act;
		mine = *act;
		mine.sa_flags = (act->sa_flags | SA_SIGINFO) & ~SA_RESETHAND;	/* the trampoline resets */
		mine.sa_sigaction = trampoline;
		r = sigaction(sig, &mine, &prev);
	} else {
		r = sigaction(sig, act, &prev);
	}
	pthread_sigmask(SIG_SETMASK, &was, NULL);
	if (r)
		return r;
	if (old)
		*old = is_trampoline(&prev) ? prev_user : prev;
	return 0;
}

pk_sighandler_t pk_signal(int sig, pk_sighandler_t handler)
{
	struct sigaction act, old;

	/* glibc's signal(): BSD semantics, a handler that stays and restarts calls. */
	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	act.sa_flags = SA_RESTART;
	sigemptyset(&act.sa_mask);
	if (pk_sigaction(sig, &act, &old))
		return SIG_ERR;
	/* A SA_SIGINFO handler is no pk_sighandler_t: handed back as one, as glibc's signal() does. */
	return old.sa_flags & SA_SIGINFO ? (pk_sighandler_t)(void (*)(void))old.sa_sigaction : old.sa_handler;
}

static uint64_t mask_bits(const sigset_t *set)
{
	uint64_t bits = 0;

	for (int sig = 1; sig <= 64 && sig < NSIG; sig++)
		if (sig_ok(sig) && sigismember(set, sig) == 1)
			bits |= bit(sig);
	return bits;
}

uint64_t pk_sigmask_now(void)
{
	struct pk_core *c = pk_tls_core;
	sigset_t set;

	if (c && !c->thread && c->cur)
		return c->cur->sigmask;
	if (pthread_sigmask(SIG_SETMASK, NULL, &set))
		return 0;
	return mask_bits(&set);
}

int pk_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	struct pk_core *c = pk_tls_core;
	struct pk_fiber *f = c && !c->thread ? c->cur : NULL;
	uint64_t bits;

	if (!f)
		return pthread_sigmask(how, set, old);
	if (set && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
		return EINVAL;
	if (old) {
		sigemptyset(old);
		for (int sig = 1; sig <= 64 && sig < NSIG; sig++)
			if (f->sigmask & bit(sig))
				sigaddset(old, sig);
	}
	if (!set)
		return 0;
	bits = mask_bits(set);	/* SIGKILL and SIGSTOP are never blocked, as the kernel has it */
	if (how == SIG_BLOCK)
		f->sigmask |= bits;
	else if (how == SIG_UNBLOCK)
		f->sigmask &= ~bits;
	else
		f->sigmask = bits;
	return 0;
}

int pk_kill(pk_fiber_t f, int sig)
{
	if (!f)
		return ESRCH;
	if (sig == 0)
		return 0;
	if (sig < 0 || sig >= NSIG)
		return EINVAL;
	return raise(sig) ? errno : 0;
}

/* --- The cores' side ------------------------------------------------------ */

int pk_signal_core_init(struct pk_core *c)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	c->sig_efd = pk_fd_high(fd);
	return 0;
}

void pk_signal_core_exit(struct pk_core *c)
{
	if (c->sig_efd < 0)
		return;
	pk_fd_own(c->sig_efd, false);
	close(c->sig_efd);
	c->sig_efd = -1;
}

/* Queues the read that completes when a handler writes the core's eventfd. */
void pk_signal_arm(struct pk_core *c)
{
	struct io_uring_sqe *sqe;

	if (c->sig_efd < 0)
		return;
	sqe = pk_sqe(c);
	io_uring_prep_read(sqe, c->sig_efd, &c->sig_buf, sizeof(c->sig_buf), 0);
	sqe->user_data = (uint64_t)(uintptr_t)c | PK_TAG_SIGNAL;
}

void pk_signal_dispatch(struct pk_core *c, int res)
{
	uint64_t bits = atomic_exchange(&c->sig_bits, 0);

	if (bits)
		pk_interrupt_parked(c, bits);
	if (res != -ECANCELED && !c->stop)
		pk_signal_arm(c);
}
