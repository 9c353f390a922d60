#!/bin/bash
# Description: parakit port --level compat on a line filter reading stdin,
# built fortified (-O2 -D_FORTIFY_SOURCE=2): a call in a macro of the tree
# is rewritten once in the macro's body, a call in a system macro's
# arguments (TEMP_FAILURE_RETRY) where it is written, (read)(...) inside
# its parentheses, a function pointer (emit = write) keeps its type as
# pk_write; left with their reasons: a call a system macro's body makes,
# a call in a signal handler (installed by signal() or by a wrapper of
# the program's own), a call in an #ifdef branch not compiled.
# The ported filter prints the same lines, messages and statuses (also on
# SIGTERM) and reads through io_uring.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
t_require sqlite3 patch make cc pkg-config strace mkfifo
port_libpk

tree=$T_TMP/lf
mkdir -p "$tree" "$T_TMP/sys"
cat > "$T_TMP/sys/sysio.h" <<'EOF2'
#include <unistd.h>
#define SYS_READ(fd, b, n) read(fd, b, n)
EOF2
cat > "$tree/Makefile" <<EOF2
CFLAGS = -O2 -D_FORTIFY_SOURCE=2 -Wall -isystem $T_TMP/sys
lf: lf.c lf.h
	\$(CC) \$(CFLAGS) -o \$@ lf.c \$(LDLIBS)
EOF2
cat > "$tree/lf.h" <<'EOF2'
#include <unistd.h>
/* The tree's own macro: rewritten in its body. */
#define LF_READ(fd, b, n) read(fd, b, n)
EOF2
cat > "$tree/lf.c" <<'EOF2'
/* lf: prints the lines of stdin that contain PATTERN (grep -F); exits 0
 * when some did, 1 when none did, 2 on errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sysio.h>
#include "lf.h"

static void on_term(int sig)
{
	static const char msg[] = "lf: terminated\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(143);
}

/* Installed through a wrapper of the program's own, as tinyproxy's setup_sig. */
typedef void handler_fn(int);

static void install(int sig, handler_fn *fn)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigaction(sig, &sa, NULL);
}

static void on_hup(int sig)
{
	static const char msg[] = "lf: hung up\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(129);
}

static ssize_t (*emit)(int, const void *, size_t) = write;

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	size_t have = 0, start, plen;
	int matched = 0, first = 1;
	ssize_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: lf PATTERN\n");
		return 2;
	}
	plen = strlen(argv[1]);
	signal(SIGTERM, on_term);
	install(SIGHUP, on_hup);
#ifdef LF_SLOW
	usleep(1000);
#endif
	if ((read)(0, buf, 0) < 0) {
		fprintf(stderr, "lf: stdin: %s\n", strerror(errno));
		return 2;
	}
	for (;;) {
		if (have == sizeof(buf)) {
			fprintf(stderr, "lf: line too long\n");
			return 2;
		}
		if (first)
			n = SYS_READ(0, buf + have, 1);
		else if (have & 1)
			n = LF_READ(0, buf + have, sizeof(buf) - have);
		else
			n = TEMP_FAILURE_RETRY(read(0, buf + have, sizeof(buf) - have));
		first = 0;
		if (n < 0) {
			fprintf(stderr, "lf: read error: %s\n", strerror(errno));
			return 2;
		}
		if (n == 0)
			break;
		have += n;
		start = 0;
		for (size_t i = 0; i < have; i++) {
			if (buf[i] != '\n')
				continue;
			if (memmem(buf + start, i - start, argv[1], plen)) {
				matched = 1;
				if (emit(1, buf + start, i + 1 - start) < 0)
					return 2;
			}
			start = i + 1;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
	}
	if (have && memmem(buf, have, argv[1], plen)) {
		matched = 1;
		if (emit(1, buf, have) < 0)
			return 2;
	}
	return !matched;
}
EOF2
orig=$T_TMP/orig
port_tree_copy "$tree" "$orig"
t_ok "the original builds (fortified)" make -s -C "$orig"

db=$T_TMP/port.db
t_pk port --db "$db" "$tree" -- -O2 -D_FORTIFY_SOURCE=2 -isystem "$T_TMP/sys"
printf '%s\n' "$T_OUT" > "$T_TMP/compat.patch"
t_is "$T_RC" 0 "port exits 0"
t_ok "the diff applies with patch -p1" patch -s -p1 -d "$tree" -i "$T_TMP/compat.patch"
t_ok "the tree macro is rewritten in its body" grep -q '^#define LF_READ(fd, b, n) pk_read(fd, b, n)$' "$tree/lf.h"
t_ok "a call in a system macro's arguments is rewritten" grep -q 'TEMP_FAILURE_RETRY(pk_read(0' "$tree/lf.c"
t_ok "(read)(...) becomes (pk_read)(...)" grep -q '(pk_read)(0, buf, 0)' "$tree/lf.c"
t_ok "a function pointer keeps its type: emit = pk_write" grep -q '= pk_write;' "$tree/lf.c"
t_ok "the system macro's call stays" grep -q 'SYS_READ(0, buf + have, 1)' "$tree/lf.c"
t_is "$(grep -c 'if (write(2, msg' "$tree/lf.c")" 2 "the signal handlers' writes stay (one installed through a wrapper)"
t_ok "the #ifdef'd usleep stays" grep -q '^	usleep(1000);' "$tree/lf.c"
t_ok "the ported tree builds" make -s -C "$tree"

q() { t_sql "$db" "SELECT coalesce(group_concat(action || ':' || coalesce(reason, ''), '|'), 'none') FROM v_port_sites
		   WHERE tree = '$tree' AND $1"; }
t_is "$(q "callee = 'write' AND caller = 'on_term'")" \
	"left:in a signal handler: libpk's calls are not async-signal-safe" "v_port_sites: the handler's write, left"
t_is "$(q "callee = 'write' AND caller = 'on_hup'")" \
	"left:in a signal handler: libpk's calls are not async-signal-safe" \
	"v_port_sites: the write of a handler installed by the program's wrapper, left"
t_is "$(q "callee = 'read' AND action = 'left'")" \
	"left:inside a macro defined outside the tree" "v_port_sites: the system macro's read, left"
t_is "$(q "callee = 'usleep'")" "left:in an #if branch not compiled in this configuration" \
	"v_port_sites: the #ifdef'd usleep, reported"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_port_sites WHERE tree = '$tree' AND action = 'rewritten'")" 4 \
	"4 sites rewritten: (read), LF_READ, TEMP_FAILURE_RETRY's read, emit = write"

seq 1 200000 | sed 's/$/ line/' > "$T_TMP/big"
printf 'alpha\nbeta\ngamma' > "$T_TMP/nonl"
for v in orig tree; do
	d=${!v}
	port_run "$d" "$v-big" sh -c "./lf 77 < '$T_TMP/big'"
	port_run "$d" "$v-nonl" sh -c "./lf mm < '$T_TMP/nonl'"
	port_run "$d" "$v-none" sh -c "./lf zzz < '$T_TMP/big'"
	port_run "$d" "$v-empty" sh -c "./lf a < /dev/null"
	port_run "$d" "$v-usage" ./lf
	port_run "$d" "$v-isdir" sh -c "./lf a < /"
	port_run "$d" "$v-pipe" sh -c "cat '$T_TMP/big' | ./lf 99"
	rm -f "$T_TMP/fifo"; mkfifo "$T_TMP/fifo"
	port_run "$d" "$v-term" sh -c "exec 3<>'$T_TMP/fifo'; ./lf a < '$T_TMP/fifo' & p=\$!; sleep 0.3; kill -TERM \$p; wait \$p"
done
for c in big nonl none empty usage pipe term; do
	port_same "orig-$c" "tree-$c" "same output, messages and status: $c"
done
# read(fd, buf, 0) on a directory fails with EISDIR: the kernel's answer,
# which pk_read gives too (it asks the kernel what the descriptor is).
port_same "orig-isdir" "tree-isdir" "same output, messages and status: stdin a directory"

port_strace orig sh -c "'$orig/lf' 77 < '$T_TMP/big'"
port_strace tree env PK_ROUTE=ring sh -c "'$tree/lf' 77 < '$T_TMP/big'"
t_diag "reads: original $(port_sys orig read), ported $(port_sys tree read) + io_uring_enter $(port_sys tree io_uring_enter)"
t_ok "the ported filter reads through io_uring" test "$(port_sys tree io_uring_enter)" -ge 20
t_ok "with few read(2) left (the loader's, the first byte)" test "$(port_sys tree read)" -lt 12

t_pk port --db "$db" "$tree" -- -O2 -D_FORTIFY_SOURCE=2 -isystem "$T_TMP/sys"
t_is "$T_RC:$T_OUT" "0:" "porting the ported filter changes nothing"
t_done
