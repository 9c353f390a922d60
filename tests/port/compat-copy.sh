#!/bin/bash
# Description: parakit port --level compat on a file-copy utility (two TUs,
# a header with a macro, its own Makefile): the diff applies with patch
# -p1, the tree builds against libpk through pkg-config, copies the same
# bytes with the same messages and exit statuses, its reads and writes go
# through io_uring (strace), every blocking site is rewritten or left with
# a reason in v_port_sites, and porting the ported tree changes nothing.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
t_require sqlite3 patch make cc pkg-config strace
port_libpk

tree=$T_TMP/cp
mkdir -p "$tree"
cat > "$tree/Makefile" <<'EOF2'
CFLAGS = -O2 -Wall
all: pcp
pcp: pcp.o util.o
	$(CC) $(LDFLAGS) -o $@ pcp.o util.o $(LDLIBS)
clean:
	rm -f pcp *.o
EOF2
cat > "$tree/util.h" <<'EOF2'
#ifndef UTIL_H
#define UTIL_H
#include <unistd.h>
/* Writes all of buf. */
ssize_t write_all(int fd, const void *buf, size_t n);
static inline int util_sync(int fd) { return fsync(fd); }
#define CLOSE_QUIET(fd) do { int e_ = errno; close(fd); errno = e_; } while (0)
#endif
EOF2
cat > "$tree/util.c" <<'EOF2'
#include <errno.h>
#include "util.h"

ssize_t write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(fd, p + done, n - done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += w;
	}
	return done;
}
EOF2
cat > "$tree/pcp.c" <<'EOF2'
/* pcp: copies a file, reporting errors like cp. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "util.h"

int main(int argc, char **argv)
{
	char buf[4096];
	int in, out;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: pcp SRC DST\n");
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		fprintf(stderr, "pcp: cannot open '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		fprintf(stderr, "pcp: cannot create '%s': %s\n", argv[2], strerror(errno));
		CLOSE_QUIET(in);
		return 1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, n) < 0) {
			fprintf(stderr, "pcp: write error: %s\n", strerror(errno));
			return 1;
		}
	if (n < 0) {
		fprintf(stderr, "pcp: read error: %s\n", strerror(errno));
		return 1;
	}
	close(in);
	if (close(out) < 0)
		return 1;
	printf("%ld\n", (long)lseek(out, 0, SEEK_CUR));
	return 0;
}
EOF2
orig=$T_TMP/orig
port_tree_copy "$tree" "$orig"
t_ok "the original builds" make -s -C "$orig"

db=$T_TMP/port.db
t_pk port --db "$db" "$tree"
printf '%s\n' "$T_OUT" > "$T_TMP/compat.patch"
t_is "$T_RC" 0 "port exits 0"
t_like "$(cat "$T_ERR")" 'call sites +8 rewritten \(5 blocking\), 6 left \(6 blocking\)' "the summary counts the sites (on stderr)"
t_ok "the diff applies with patch -p1 at the root" patch -s -p1 -d "$tree" -i "$T_TMP/compat.patch"
t_like "$(grep -c '^+#include <pk.h>' "$T_TMP/compat.patch")" '^3$' "#include <pk.h> once per edited file (2 .c, 1 .h)"
t_like "$(sed -n 1,8p "$tree/util.h" | grep -n 'pk.h')" '^4:' "a header gets it inside its include guard"
t_ok "the macro body of the tree is rewritten" grep -q 'int e_ = errno; pk_close(fd)' "$tree/util.h"
t_is "$(grep -c 'return pk_fsync(fd)' "$T_TMP/compat.patch")" 1 "a header two TUs include is edited once"
t_ok "comments and formatting stay" grep -q '^/\* pcp: copies a file, reporting errors like cp. \*/$' "$tree/pcp.c"
t_ok "the ported tree builds with its own Makefile (pkg-config libpk)" make -s -C "$tree"
t_ok "and links libpk" sh -c "readelf -d '$tree/pcp' | grep -q libpk"

head -c 300000 /dev/urandom > "$T_TMP/in.bin"
: > "$T_TMP/empty"
for v in orig tree; do
	d=${!v}
	port_run "$d" "$v-copy" ./pcp "$T_TMP/in.bin" "$T_TMP/$v.bin"
	port_run "$d" "$v-empty" ./pcp "$T_TMP/empty" "$T_TMP/$v.empty"
	port_run "$d" "$v-missing" ./pcp "$T_TMP/nope" "$T_TMP/$v.x"
	port_run "$d" "$v-usage" ./pcp one
	port_run "$d" "$v-nodir" ./pcp "$T_TMP/in.bin" "$T_TMP/no/dir/x"
	port_run "$d" "$v-isdir" ./pcp "$T_TMP" "$T_TMP/$v.y"
done
for c in copy empty missing usage nodir isdir; do
	port_same "orig-$c" "tree-$c" "same output, messages and status: $c"
done
t_ok "the copies hold the same bytes" cmp "$T_TMP/orig.bin" "$T_TMP/tree.bin"
t_ok "and the source's" cmp "$T_TMP/in.bin" "$T_TMP/tree.bin"

port_strace orig "$orig/pcp" "$T_TMP/in.bin" "$T_TMP/o2.bin"
port_strace tree env PK_ROUTE=ring "$tree/pcp" "$T_TMP/in.bin" "$T_TMP/t2.bin"
o_rw=$(( $(port_sys orig read) + $(port_sys orig write) ))
t_rw=$(( $(port_sys tree read) + $(port_sys tree write) ))
t_diag "read+write syscalls: original $o_rw, ported $t_rw; io_uring_enter: $(port_sys tree io_uring_enter)"
t_ok "the original copies with read/write (>= 146 calls)" test "$o_rw" -ge 146
t_ok "the ported copy goes through io_uring" test "$(port_sys tree io_uring_enter)" -ge 74
t_ok "its reads and writes are the loader's only (< 16)" test "$t_rw" -lt 16

rows=$(t_sql "$db" "SELECT file, line, col, callee, action, coalesce(reason, '') FROM v_port_sites
		    WHERE tree = '$tree' ORDER BY file, line, col")
t_like "$rows" "pcp.c	19	7	open	rewritten	" "v_port_sites: open at its line:col, rewritten"
t_like "$rows" "pcp.c	27	3	close	rewritten	" "v_port_sites: close in a macro body of the tree, at the macro's use"
t_like "$rows" "pcp.c	16	3	fprintf	left	buffered stdio" "v_port_sites: stdio left, with the reason"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_port_sites WHERE tree = '$tree' AND action = 'left' AND reason IS NULL")" 0 \
	"every left site has a reason"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_port_sites WHERE tree = '$tree' AND file = 'util.h'")" 1 \
	"the header's site is recorded once though two TUs include it"

t_pk port --db "$db" "$tree"
t_is "$T_RC:$T_OUT" "0:" "porting the ported tree changes nothing"
t_like "$(cat "$T_ERR")" 'call sites +0 rewritten' "and rewrites no site"
t_done
