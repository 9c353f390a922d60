#!/bin/bash
# Description: a worker-thread program that uses what thread-per-connection
# servers use of pthreads besides create and join: thread attributes (a
# 1 MiB stack its workers need, detached), pthread_once, a key with a
# destructor, a recursive mutex, a condition waited on with a timeout, a
# rwlock, a semaphore, pthread_self/equal/kill with a sigaction handler,
# pthread_sigmask in the workers, and the sleeps. port --level fibers
# turns every one of them into libpk
# (v_port_sites and the JSON leave no pthread, sem_ or sigaction call,
# pthread_kill -> pk_kill, sigaction -> pk_sigaction), the ported tree
# builds and prints the same, on one thread where the original has nine.
# When one call has no fiber twin (pthread_attr_setguardsize) the threads
# stay pthreads and each of their calls says why in v_port_sites, while
# the locks, keys and semaphore still move (libpk's work from threads)
# and the output is the same; a spin lock or a process-shared semaphore
# keeps the threads too, with its reason. Porting the ported tree changes
# nothing.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
t_require sqlite3 jq patch make cc pkg-config strace
port_libpk

orig=$T_TMP/orig
mkdir -p "$orig"
cat > "$orig/Makefile" <<'EOF2'
CFLAGS = -O2 -Wall -pthread
LDLIBS = -pthread
syncd: syncd.c
	$(CC) $(CFLAGS) -o $@ syncd.c $(LDLIBS)
EOF2
cat > "$orig/syncd.c" <<'EOF2'
/* syncd: worker threads using what thread-per-connection servers use of pthreads. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WORKERS 8

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t name_key;
static pthread_mutex_t stats;	/* recursive: add_served() takes it again */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;
static sem_t done;
static int ready, timeouts_seen, table[WORKERS];
static long inits, served, destroyed, timed_out, own_names, sums;
static volatile sig_atomic_t signals;

static void on_usr1(int sig)
{
	(void)sig;
	signals++;
}

static void name_free(void *p)
{
	pthread_mutex_lock(&stats);
	destroyed++;
	pthread_mutex_unlock(&stats);
	free(p);
}

static void init(void)
{
	pthread_mutexattr_t ma;

	inits++;
	pthread_key_create(&name_key, name_free);
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&stats, &ma);
	pthread_mutexattr_destroy(&ma);
}

static void add_served(long n)
{
	pthread_mutex_lock(&stats);
	if (n > 1)
		add_served(n - 1);
	served++;
	pthread_mutex_unlock(&stats);
}

/* Uses 300 KiB of stack: more than libpk's default gives a fiber. */
static long deep_sum(long id)
{
	volatile char buf[300 * 1024];

	memset((char *)buf, (int)id, sizeof(buf));
	return buf[id * 1000] + buf[sizeof(buf) - 1];
}

static void name_self(long id)
{
	char *name = malloc(32);

	pthread_once(&once, init);
	snprintf(name, 32, "worker-%ld", id);
	pthread_setspecific(name_key, name);
}

static int named(long id)
{
	char want[32];
	const char *name = pthread_getspecific(name_key);

	snprintf(want, sizeof(want), "worker-%ld", id);
	return name && !strcmp(name, want);
}

static void *worker(void *arg)
{
	long id = (long)arg, sum = 0, waited = 0;
	struct timespec ts;
	sigset_t block;

	/* SIGUSR1 is main's business. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	name_self(id);
	pthread_mutex_lock(&lock);
	while (!ready) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_cond_timedwait(&go, &lock, &ts) == ETIMEDOUT && !waited) {
			waited = 1;
			timeouts_seen++;
		}
	}
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < 100; i++) {
		pthread_rwlock_rdlock(&table_lock);
		sum += table[(id + i) % WORKERS];
		pthread_rwlock_unlock(&table_lock);
		if (i % 10 == 0) {
			pthread_rwlock_wrlock(&table_lock);
			table[id]++;
			pthread_rwlock_unlock(&table_lock);
		}
	}
	sum = deep_sum(id);
	add_served(3);
	pthread_mutex_lock(&stats);
	timed_out += waited;
	own_names += named(id);
	sums += sum;
	pthread_mutex_unlock(&stats);
	sem_post(&done);
	return NULL;
}

static void *joinable(void *arg)
{
	name_self(WORKERS);
	return named(WORKERS) && pthread_equal((pthread_t)arg, pthread_self()) == 0 ? (void *)42L : NULL;
}

int main(void)
{
	pthread_t t[WORKERS], j, self = pthread_self();
	pthread_attr_t attr;
	struct sigaction sa;
	size_t stack = 0;
	int state = -1, writes = 0;
	void *ret = NULL;
	long left;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	if (sem_init(&done, 0, 0) == -1) {
		perror("syncd: sem_init");
		return 1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1024 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_getstacksize(&attr, &stack);
	pthread_attr_getdetachstate(&attr, &state);
	printf("stack %zu, detached %d\n", stack, state == PTHREAD_CREATE_DETACHED);
	for (long i = 0; i < WORKERS; i++)
		if (pthread_create(&t[i], &attr, worker, (void *)i) != 0) {
			fprintf(stderr, "syncd: cannot start a thread\n");
			return 1;
		}
	pthread_attr_destroy(&attr);
	usleep(30000);
	nanosleep(&(struct timespec){ 0, 30000000 }, NULL);
	sleep(0);
	/* Every worker's wait timed out once before it is released, however loaded the machine. */
	pthread_mutex_lock(&lock);
	while (timeouts_seen < WORKERS) {
		pthread_mutex_unlock(&lock);
		usleep(10000);
		pthread_mutex_lock(&lock);
	}
	ready = 1;
	pthread_cond_broadcast(&go);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < WORKERS; i++)
		while (sem_wait(&done) == -1 && errno == EINTR)
			;
	if (sem_trywait(&done) == -1 && errno == EAGAIN)
		printf("every worker posted once\n");
	if (pthread_create(&j, NULL, joinable, (void *)self) != 0 || pthread_join(j, &ret) != 0)
		return 1;
	/* Detached workers destroy their names after their post. */
	do {
		usleep(1000);
		pthread_mutex_lock(&stats);
		left = WORKERS + 1 - destroyed;
		pthread_mutex_unlock(&stats);
	} while (left > 0);
	if (pthread_kill(self, SIGUSR1) != 0)
		return 1;
	for (int i = 0; i < WORKERS; i++)
		writes += table[i];
	printf("workers %d, init ran %ld, timed out waiting %ld\n", WORKERS, inits, timed_out);
	printf("served %ld, table writes %d, sums %ld\n", served, writes, sums);
	printf("own names %ld, names destroyed %ld\n", own_names, destroyed);
	printf("joinable %ld, main is itself %d, signals %d\n", (long)ret, pthread_equal(self, pthread_self()) != 0,
	       (int)signals);
	sem_destroy(&done);
	pthread_rwlock_destroy(&table_lock);
	pthread_key_delete(name_key);
	pthread_mutex_destroy(&stats);
	return 0;
}
EOF2
expected="stack 1048576, detached 1
every worker posted once
workers 8, init ran 1, timed out waiting 8
served 24, table writes 80, sums 56
own names 8, names destroyed 9
joinable 42, main is itself 1, signals 1"
t_ok "the original builds" make -s -C "$orig"
port_run "$orig" orig ./syncd
t_is "$(cat "$T_TMP/run/orig.out"):$(cat "$T_TMP/run/orig.rc")" "$expected:0" "the original's output"

db=$T_TMP/port.db
# port_tree LEVEL NAME [SED]: a copy of the fixture (edited by SED), ported
# at LEVEL with --json into $T_TMP/NAME.json and applied.
port_tree()
{
	local tree=$T_TMP/$2
	port_tree_copy "$orig" "$tree"
	rm -f "$tree/syncd"
	[ -n "${3-}" ] && sed -i "$3" "$tree/syncd.c"
	t_pk port --db "$db" --level "$1" --json --diff "$T_TMP/$2.patch" "$tree"
	printf '%s\n' "$T_OUT" > "$T_TMP/$2.json"
	[ "$T_RC" = 0 ] && patch -s -p1 -d "$tree" -i "$T_TMP/$2.patch"
}

t_ok "port --level fibers exits 0 and its diff applies" port_tree fibers fibers
f=$T_TMP/fibers/syncd.c
t_is "$(jq -r '.sites[] | select(.callee | test("^(pthread|sem)_|^sigaction$")) | select(.action != "rewritten") | "\(.line) \(.callee): \(.reason)"' "$T_TMP/fibers.json")" \
	"" "--json: no pthread, sem_ or sigaction call is left"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_port_sites WHERE tree = '$T_TMP/fibers' AND (callee LIKE 'pthread%' OR callee LIKE 'sem\_%' ESCAPE '\') AND action = 'left'"):$(t_sql "$db" "SELECT count(DISTINCT callee) FROM v_port_sites WHERE tree = '$T_TMP/fibers' AND (callee LIKE 'pthread%' OR callee LIKE 'sem\_%' ESCAPE '\') AND action = 'rewritten'")" \
	"0:35" "v_port_sites: the 35 pthread and sem_ functions used are all rewritten"
t_ok "attributes: pk_attr_t, pk_attr_setstacksize, PK_CREATE_DETACHED, pk_spawn_attr negated where tested" \
	sh -c "grep -q 'pk_attr_t attr;' '$f' && grep -q 'pk_attr_setstacksize(&attr, 1024 \* 1024);' '$f' &&
	       grep -q 'pk_attr_setdetachstate(&attr, PK_CREATE_DETACHED);' '$f' &&
	       grep -q 'if (-pk_spawn_attr(&t\[i\], &attr, worker, (void \*)i) != 0)' '$f'"
t_ok "once, key, recursive mutex: pk_once_t, pk_key_t, pk_key_get, PK_MUTEX_RECURSIVE" \
	sh -c "grep -q 'static pk_once_t once = PK_ONCE_INIT;' '$f' && grep -q 'static pk_key_t name_key;' '$f' &&
	       grep -q 'const char \*name = pk_key_get(name_key);' '$f' &&
	       grep -q 'pk_mutexattr_settype(&ma, PK_MUTEX_RECURSIVE);' '$f'"
t_ok "timed wait, rwlock, semaphore: -pk_cond_timedwait, pk_rwlock_t, pk_sem_wait with errno as it was" \
	sh -c "grep -q 'if (-pk_cond_timedwait(&go, &lock, &ts) == ETIMEDOUT && !waited)' '$f' &&
	       grep -q 'static pk_rwlock_t table_lock = PK_RWLOCK_INITIALIZER;' '$f' &&
	       grep -q 'static pk_sem_t done;' '$f' && grep -q 'while (pk_sem_wait(&done) == -1 && errno == EINTR)' '$f'"
t_ok "self, equal, kill, sleeps: pk_self, pk_equal, pk_kill, pk_sigaction, pk_usleep, pk_nanosleep, pk_sleep" \
	sh -c "grep -q 'pk_fiber_t t\[WORKERS\], j, self = pk_self();' '$f' && grep -q 'pk_equal(self, pk_self())' '$f' &&
	       grep -q 'if (pk_kill(self, SIGUSR1) != 0)' '$f' && grep -q 'pk_sigaction(SIGUSR1, &sa, NULL);' '$f' &&
	       grep -q 'pk_usleep(30000);' '$f' && grep -q 'pk_nanosleep(' '$f' && grep -q 'pk_sleep(0);' '$f'"
t_ok "pthread_sigmask: pk_sigmask" grep -q 'pk_sigmask(SIG_BLOCK, &block, NULL);' "$f"
t_ok "the fibers tree builds" make -s -C "$T_TMP/fibers"
port_run "$T_TMP/fibers" fibers ./syncd
port_same orig fibers "fibers: the same output, messages and status"
port_strace orig "$orig/syncd"
port_strace fibers "$T_TMP/fibers/syncd"
t_diag "threads started: original $(port_sys orig clone3)+$(port_sys orig clone), fibers $(port_sys fibers clone3)+$(port_sys fibers clone);" \
	"futex: original $(port_sys orig futex), fibers $(port_sys fibers futex)"
t_ok "the original starts a thread per worker" test $(( $(port_sys orig clone3) + $(port_sys orig clone) )) -ge 9
t_ok "the fibers program starts a scheduler thread per CPU at most ($(nproc)), not one per worker" \
	test $(( $(port_sys fibers clone3) + $(port_sys fibers clone) )) -le "$(nproc)"

# One call without a fiber twin: threads stay, with their reasons; the rest moves.
t_ok "a guard size: port exits 0 and its diff applies" \
	port_tree fibers guard 's/\tpthread_attr_destroy(&attr);/\tpthread_attr_setguardsize(\&attr, 4096);\n&/'
g=$T_TMP/guard
t_is "$(t_sql "$db" "SELECT callee || ': ' || reason FROM v_port_sites WHERE tree = '$g' AND action = 'left' AND callee LIKE 'pthread_attr_set%' ORDER BY line")" \
	"pthread_attr_setstacksize: a thread of the tree is also used by a pthread call that stays
pthread_attr_setdetachstate: a thread of the tree is also used by a pthread call that stays
pthread_attr_setguardsize: no fiber twin: the group's types stay pthread's" \
	"v_port_sites: the call without a twin, and the thread calls it keeps, with their reasons"
t_is "$(t_sql "$db" "SELECT group_concat(DISTINCT callee) FROM (SELECT callee FROM v_port_sites WHERE tree = '$g' AND action = 'left' AND callee LIKE 'pthread%' ORDER BY callee)")" \
	"pthread_attr_destroy,pthread_attr_getdetachstate,pthread_attr_getstacksize,pthread_attr_init,pthread_attr_setdetachstate,pthread_attr_setguardsize,pthread_attr_setstacksize,pthread_create,pthread_equal,pthread_join,pthread_kill,pthread_self" \
	"v_port_sites: every thread call stays, nothing else"
t_ok "the locks, the key and the semaphore still move" \
	sh -c "grep -q 'pthread_t t\[WORKERS\], j, self = pthread_self();' '$g/syncd.c' && grep -q 'static pk_key_t name_key;' '$g/syncd.c' &&
	       grep -q 'static pk_sem_t done;' '$g/syncd.c' && grep -q 'pk_once(&once, init);' '$g/syncd.c'"
t_ok "the guard-size tree builds" make -s -C "$g"
port_run "$g" guard ./syncd
port_same orig guard "threads with libpk's locks and keys: the same output, messages and status"

# A spin lock has no fiber twin: a fiber spinning on it would hold its core.
port_tree fibers spin 's/\tpthread_attr_destroy(&attr);/\t{ pthread_spinlock_t sl; pthread_spin_init(\&sl, 0); pthread_spin_lock(\&sl); pthread_spin_unlock(\&sl); }\n&/' ||
	t_diag "port of the spin tree: $T_RC"
t_is "$(jq -r '[.sites[] | select(.callee == "pthread_create") | .reason] | unique | join(",")' "$T_TMP/spin.json"):$(jq -r '[.sites[] | select(.callee | test("^pthread_spin_(lock|init)")) | .reason] | unique | join(",")' "$T_TMP/spin.json")" \
	"a spin lock of the tree has no fiber twin: a fiber waiting on it would block its core:no fiber twin of this pthread function in libpk,no fiber twin: the group's types stay pthread's" \
	"a spin lock keeps the threads, each with its reason"

# A process-shared semaphore stays a sem_t, and the threads that wait on it stay.
port_tree fibers pshared 's/sem_init(&done, 0, 0)/sem_init(\&done, 1, 0)/' || t_diag "port of the pshared tree: $T_RC"
t_is "$(jq -r '.sites[] | select(.callee == "sem_init" or .callee == "sem_wait" or .callee == "pthread_create") | "\(.callee): \(.reason)"' "$T_TMP/pshared.json" | sort -u)" \
	"pthread_create: a semaphore of the tree stays a sem_t: a fiber waiting on it would block its core
sem_init: a process-shared semaphore: its waiters may be in another process
sem_wait: a semaphore of the tree is also used by a sem_ call that stays" \
	"a process-shared semaphore stays, and keeps the threads, each with its reason"

t_pk port --db "$db" --level fibers "$T_TMP/fibers"
t_is "$T_RC:$T_OUT" "0:" "porting the fiber-ported tree changes nothing"
t_done
