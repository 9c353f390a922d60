/*
 * Fibers: stacks, switching, the per-core run queue, join. Their locks are
 * sync.c's, their attributes fiber_attr.c's, their keys fiber_key.c's.
 *
 * A fiber is a stack with a PROT_NONE guard page below it and a saved stack
 * pointer. Switching is pk_ctx_switch() (switch_<arch>.S), a handful of
 * pushes and pops: hand-written switches cost ~10 ns where swapcontext()
 * costs ~1 us because it makes an rt_sigprocmask system call per switch.
 *
 * A fiber that parks or yields switches straight to the next ready fiber of
 * its core; only when the run queue is empty (or every 32nd yield, so that
 * fibers yielding to each other cannot starve I/O submission and completion)
 * does it go back to the scheduler loop in sched.c. A fiber never migrates,
 * so errno and thread-locals stay valid; errno is kept per fiber by saving
 * it in the switching frame.
 *
 * ASan: when the process carries the ASan runtime (a weak reference to its
 * fiber API resolves), every switch is annotated with
 * __sanitizer_start_switch_fiber/__sanitizer_finish_switch_fiber. libpk
 * itself is built without ASan because it is preloaded into uninstrumented
 * programs; the annotations cost one predictable branch when absent.
 *
 * Waits (join, locks, channels, I/O) go through struct pk_waiter: a fiber
 * parks until woken, a plain thread sleeps on a futex.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "pk_int.h"

#define PK_STACK_CACHE_MAX 64

extern void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom,
					   size_t size) __attribute__((weak, visibility("default")));
extern void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
					    size_t *size_old) __attribute__((weak, visibility("default")));

static size_t page_size(void)
{
	static size_t pg;

	if (!pg)
		pg = (size_t)sysconf(_SC_PAGESIZE);
	return pg;
}

static inline const void *fiber_bottom(const struct pk_fiber *f)
{
	return f->stack + page_size();
}

static inline size_t fiber_size(const struct pk_fiber *f)
{
	return f->map_size - page_size();
}

/*
 * Saves the running context in *save_sp (its ASan fake stack in *save_fake,
 * NULL when the context will never resume) and resumes to_sp. Returns when
 * someone switches back.
 */
static inline void ctx_switch(void **save_sp, void **save_fake, void *to_sp,
			      const void *to_bottom, size_t to_size)
{
	int saved_errno = errno;

	if (__sanitizer_start_switch_fiber)
		__sanitizer_start_switch_fiber(save_fake, to_bottom, to_size);
	pk_ctx_switch(save_sp, to_sp);
	if (__sanitizer_finish_switch_fiber)
		__sanitizer_finish_switch_fiber(save_fake ? *save_fake : NULL, NULL, NULL);
	errno = saved_errno;
}

static inline struct pk_fiber *runq_pop(struct pk_core *c)
{
	struct pk_fiber *f = c->runq;

	if (f) {
		c->runq = f->next;
		if (!c->runq)
			c->runq_tail = NULL;
		f->next = NULL;
	}
	return f;
}

static inline void runq_push(struct pk_core *c, struct pk_fiber *f)
{
	f->next = NULL;
	if (c->runq_tail)
		c->runq_tail->next = f;
	else
		c->runq = f;
	c->runq_tail = f;
}

/* Precondition: @f belongs to the calling core. Wakes only a parked fiber. */
void pk_fiber_ready(struct pk_fiber *f)
{
	if (f->state != PK_F_WAITING)
		return;
	f->state = PK_F_READY;
	runq_push(f->core, f);
}

/* Switches from the running fiber @f to the next ready one, or to the scheduler. */
static void fiber_leave(struct pk_core *c, struct pk_fiber *f, bool to_sched)
{
	struct pk_fiber *n = to_sched ? NULL : runq_pop(c);

	c->nswitch++;
	if (n == f) {
		f->state = PK_F_RUNNING;
		return;
	}
	if (n) {
		n->state = PK_F_RUNNING;
		c->cur = n;
		ctx_switch(&f->sp, &f->asan_fake, n->sp, fiber_bottom(n), fiber_size(n));
	} else {
		c->cur = NULL;
		ctx_switch(&f->sp, &f->asan_fake, c->sched_sp, c->sched_stack_bottom,
			   c->sched_stack_size);
	}
}

void pk_fiber_park(void)
{
	struct pk_core *c = pk_tls_core;
	struct pk_fiber *f = c->cur;

	f->state = PK_F_WAITING;
	fiber_leave(c, f, false);
}

void pk_yield(void)
{
	struct pk_core *c = pk_tls_core;
	struct pk_fiber *f;

	if (!c || !(f = c->cur))
		return;
	f->state = PK_F_READY;
	runq_push(c, f);
	fiber_leave(c, f, c->unsubmitted || (++c->ticks & 31) == 0);
}

pk_fiber_t pk_self(void)
{
	return pk_tls_core ? pk_tls_core->cur : NULL;
}

/*
 * Runs ready fibers from the scheduler context. They hand the CPU to each
 * other; it comes back here when the run queue drains, when a fiber exits,
 * or when a yield gives it back so that the loop submits and reaps. Only
 * an exit goes on to the next fiber: a fiber that yields while it waits for
 * another core would otherwise be resumed here forever, and the message
 * it waits for never reaped.
 */
void pk_sched_run_ready(struct pk_core *c)
{
	struct pk_fiber *f;
	void *fake = NULL;

	while ((f = runq_pop(c))) {
		f->state = PK_F_RUNNING;
		c->cur = f;
		ctx_switch(&c->sched_sp, &fake, f->sp, fiber_bottom(f), fiber_size(f));
		c->cur = NULL;
		if (!c->dead_stack)
			return;
		pk_stack_release(c, c->dead_stack, c->dead_size);
		c->dead_stack = NULL;
	}
}

static char *stack_get(struct pk_core *c, size_t map_size)
{
	char *p;

	if (c && !c->thread && c->stack_cache && map_size == pk_rt.cfg.stack_size + page_size()) {
		struct pk_stack *s = c->stack_cache;

		c->stack_cache = s->next;
		c->nstack_cache--;
		/* The cache link lives at the top of the stack: the base is below. */
		return (char *)s + sizeof(*s) - map_size;
	}
	p = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p, page_size(), PROT_NONE)) {
		munmap(p, map_size);
		return NULL;
	}
	return p;
}

void pk_stack_release(struct pk_core *c, char *stack, size_t size)
{
	if (c && !c->thread && c->nstack_cache < PK_STACK_CACHE_MAX &&
	    size == pk_rt.cfg.stack_size + page_size()) {
		struct pk_stack *s = (struct pk_stack *)(stack + size) - 1;

		s->next = c->stack_cache;
		c->stack_cache = s;
		c->nstack_cache++;
		return;
	}
	munmap(stack, size);
}

static void fiber_main(void *arg) __attribute__((noreturn));
static void fiber_main(void *arg)
{
	struct pk_fiber *f = arg;

	if (__sanitizer_finish_switch_fiber)
		__sanitizer_finish_switch_fiber(NULL, NULL, NULL);
	f->ret = f->fn(f->arg);
	/* Key destructors run on the fiber, as pthread's on the exiting thread: they may park. */
	if (f->keys)
		pk_keys_exit(&f->keys);
	pk_fiber_exited();
	__builtin_unreachable();
}

/*
 * Allocates a fiber with its stack, of @attr's size rounded up to pages
 * (else the instance's) above a guard page, detached if @attr says so
 * (@attr may be NULL); its first switch-in calls fn(arg). The caller sets
 * f->core and queues it. Returns NULL with errno set.
 */
struct pk_fiber *pk_fiber_alloc(struct pk_core *c, const pk_attr_t *attr, void *(*fn)(void *), void *arg)
{
	size_t stack = attr && attr->stack_size ? attr->stack_size : pk_rt.cfg.stack_size;
	size_t map_size = (stack + page_size() - 1) / page_size() * page_size() + page_size();
	struct pk_fiber *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->stack = stack_get(c, map_size);
	if (!f->stack) {
		free(f);
		errno = ENOMEM;
		return NULL;
	}
	f->map_size = map_size;
	f->fn = fn;
	f->arg = arg;
	f->state = PK_F_READY;
	f->detached = attr && attr->detach_state == PK_CREATE_DETACHED;
	f->sigmask = pk_sigmask_now();	/* a new thread's mask is its creator's */

	f->sp = pk_ctx_init(f->stack + map_size - 16, fiber_main, f);
	return f;
}

/* Called on the exiting fiber's stack; never returns. */
void pk_fiber_exited(void)
{
	struct pk_core *c = pk_tls_core;
	struct pk_fiber *f = c->cur;
	struct pk_waiter *j;
	int detached;

	c->dead_stack = f->stack;
	c->dead_size = f->map_size;
	c->nlive--;
	pk_spin_lock(&f->jlock);
	f->exited = 1;
	j = f->joiner;
	detached = f->detached;
	pk_spin_unlock(&f->jlock);
	/* From here on @f belongs to its joiner, who may free it at any time. */
	if (detached)
		free(f);
	else if (j)
		pk_wake(j);
	if (atomic_fetch_sub(&pk_rt.live, 1) == 1)
		pk_live_zero();
	c->cur = NULL;
	if (__sanitizer_start_switch_fiber)
		__sanitizer_start_switch_fiber(NULL, c->sched_stack_bottom, c->sched_stack_size);
	pk_ctx_switch(&c->trash_sp, c->sched_sp);
	__builtin_unreachable();
}

int pk_join(pk_fiber_t f, void **ret)
{
	struct pk_waiter w = { .f = pk_self() };

	if (!f)
		return -ESRCH;
	if (f == pk_self())
		return -EDEADLK;
	pk_spin_lock(&f->jlock);
	if (f->detached || f->joiner) {
		pk_spin_unlock(&f->jlock);
		return -EINVAL;
	}
	if (!f->exited) {
		f->joiner = &w;
		pk_spin_unlock(&f->jlock);
		pk_wait(&w);
	} else {
		pk_spin_unlock(&f->jlock);
	}
	if (ret)
		*ret = f->ret;
	free(f);
	return 0;
}

int pk_detach(pk_fiber_t f)
{
	int exited;

	if (!f)
		return -ESRCH;
	pk_spin_lock(&f->jlock);
	if (f->detached || f->joiner) {
		pk_spin_unlock(&f->jlock);
		return -EINVAL;
	}
	f->detached = 1;
	exited = f->exited;
	pk_spin_unlock(&f->jlock);
	if (exited)
		free(f);
	return 0;
}

/* --- Guard pages ------------------------------------------------------------ */

/*
 * A fault in the guard page, or with the stack pointer already below the
 * stack (a frame larger than a page jumps over the guard), is an overflow.
 */
static void guard_handler(int sig, siginfo_t *si, void *ucv)
{
	struct pk_core *c = pk_tls_core;
	struct pk_fiber *f = c ? c->cur : NULL;
	ucontext_t *uc = ucv;
	char *addr = si->si_addr, *sp = (char *)uc->uc_mcontext.gregs[REG_RSP];
	char msg[160];
	int n;

	if (f && ((addr >= f->stack && addr < f->stack + page_size()) ||
		  (sp >= f->stack - (1 << 20) && sp < f->stack + page_size()))) {
		n = snprintf(msg, sizeof(msg),
			     "libpk: fiber %p overflowed its %zu-byte stack (guard page hit, fault at %p)\n",
			     (void *)f, fiber_size(f), si->si_addr);
		if (n > 0 && write(2, msg, (size_t)n) < 0)
			n = 0;
	}
	/* Return to the faulting instruction with the default action: the process dies of SIGSEGV. */
	signal(sig, SIG_DFL);
}

/*
 * Installs the SIGSEGV handler that names a fiber whose guard page was hit,
 * unless the program has its own (ASan, a language runtime): theirs wins.
 * Each scheduler thread gets an alternate signal stack, since the faulting
 * stack is full. Returns 0 or -errno.
 */
int pk_guard_install(void)
{
	struct sigaction sa, old;
	stack_t ss;

	ss.ss_size = 64 * 1024;
	ss.ss_sp = mmap(NULL, ss.ss_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ss.ss_sp == MAP_FAILED)
		return -errno;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		return -errno;
	if (sigaction(SIGSEGV, NULL, &old) || old.sa_handler != SIG_DFL)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = guard_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSEGV, &sa, NULL) ? -errno : 0;
}
