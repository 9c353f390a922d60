#!/bin/bash
# Description: issue 14, tinyproxy's log_message: a write(2) under a mutex
# whose errno is read after the pthread_mutex_unlock that follows it. An
# unlock never parks a fiber (pk_mutex_unlock only makes a waiter ready),
# so errno is still write's: port --level fibers moves the mutex and,
# with it, the threads that take it (it kept both on pthreads before, for
# "errno is read after it"). A lock whose errno is read after it may park
# and still keeps the group, and the threads, with that reason. The fibers
# tree builds and prints what the original prints, the failed write's
# errno included.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
t_require sqlite3 jq patch make cc pkg-config
port_libpk

orig=$T_TMP/orig
mkdir -p "$orig"
cat > "$orig/Makefile" <<'EOF2'
CFLAGS = -O2 -Wall -pthread
LDLIBS = -pthread
logd: logd.c
	$(CC) $(CFLAGS) -o $@ logd.c $(LDLIBS)
EOF2
cat > "$orig/logd.c" <<'EOF2'
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = 1, failed;

static void log_line(const char *s)
{
	ssize_t ret;

	pthread_mutex_lock(&log_mutex);
	ret = write(log_fd, s, strlen(s));
	pthread_mutex_unlock(&log_mutex);
	if (ret == -1)
		failed = errno;
}

static void *worker(void *arg)
{
	log_line(arg);
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	char *names[4] = { "one\n", "two\n", "three\n", "four\n" };

	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, worker, names[i]) != 0)
			return 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	log_fd = 99;
	log_line("lost\n");
	printf("the failed write: %s\n", strerror(failed));
	return 0;
}
EOF2
t_ok "the original builds" make -s -C "$orig"
port_run "$orig" orig sh -c './logd | sort'
t_is "$(cat "$T_TMP/run/orig.out")" "four
one
the failed write: Bad file descriptor
three
two" "the original's output"

db=$T_TMP/port.db
# port_tree NAME [SED]: a copy of the fixture (edited by SED), ported
# --level fibers with --json into $T_TMP/NAME.json and applied.
port_tree()
{
	local tree=$T_TMP/$1
	port_tree_copy "$orig" "$tree"
	rm -f "$tree/logd"
	[ -n "${2-}" ] && sed -i "$2" "$tree/logd.c"
	t_pk port --db "$db" --level fibers --json --diff "$T_TMP/$1.patch" "$tree"
	printf '%s\n' "$T_OUT" > "$T_TMP/$1.json"
	[ "$T_RC" = 0 ] && patch -s -p1 -d "$tree" -i "$T_TMP/$1.patch"
}
left() { jq -r '.sites[] | select(.callee | test("^pthread_")) | select(.action != "rewritten") | "\(.callee): \(.reason)"' "$T_TMP/$1.json" | sort -u; }

t_ok "port --level fibers exits 0 and its diff applies" port_tree fibers
t_is "$(left fibers)" "" "errno read after the unlock: no pthread call is left"
t_ok "the mutex and the threads move: pk_mutex_t, pk_mutex_unlock, pk_spawn_attr, pk_fiber_t" \
	sh -c "f='$T_TMP/fibers/logd.c'; grep -q 'static pk_mutex_t log_mutex = PK_MUTEX_INITIALIZER;' \"\$f\" &&
	       grep -q '	pk_mutex_unlock(&log_mutex);' \"\$f\" && grep -q 'pk_spawn_attr(&t\[i\], NULL, worker' \"\$f\" &&
	       grep -q 'pk_fiber_t t\[4\];' \"\$f\""
t_ok "the fibers tree builds" make -s -C "$T_TMP/fibers"
port_run "$T_TMP/fibers" fibers sh -c './logd | sort'
port_same orig fibers "fibers: the same output, the failed write's errno included"

# errno read after a lock, which may park: the group stays, and the threads.
t_ok "errno read after the lock: port exits 0" port_tree locked \
	's/^\tpthread_mutex_unlock(&log_mutex);$/\tpthread_mutex_unlock(\&log_mutex);\n\tpthread_mutex_lock(\&log_mutex);\n\tif (ret == -1)\n\t\tfailed = errno;\n\tpthread_mutex_unlock(\&log_mutex);/'
t_like "$(left locked)" "pthread_mutex_lock: errno is read after it: a fiber that parks here" \
	"the lock is left: errno is read after it"
t_like "$(left locked)" "pthread_create: a mutex or condition of the tree stays pthread's" \
	"the threads stay with the mutex they take"
t_done
