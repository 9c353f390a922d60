#!/bin/bash
# Description: ioctl, fcntl and prctl request codes and pseudo-file paths
# (issue 17, migration 018) under scan --syscalls. Fixtures with known
# answers: a program passing TCGETS and FIONREAD to ioctl, F_SETFL to
# fcntl, PR_SET_NAME to prctl, a code read from its arguments (unknown,
# never guessed), and holding "/proc/self/maps" and "/sys/class/net"; the
# same program static (libc's own wrappers) and both sstripped (read
# through the program headers); a library whose export passes TIOCGWINSZ
# through its PLT and whose constructor passes PR_GET_DUMPABLE, used by a
# program through $ORIGIN; a program's own wrapper of ioctl, far from its
# callers. Nothing without --syscalls; db merge carries the
# rows. Recall on real Debian commands: every request strace sees them pass
# (ls, stty, ip link, ps, df, tar...; stdin and stdout /dev/null) is a
# constant of the static set; a miss is listed with the command.
. "$(dirname "$0")/../lib/t.sh"
PATH=$PATH:/usr/sbin:/sbin
t_require gcc readelf sqlite3 truncate strace

fx=$T_TMP/fx
mkdir -p "$fx/lib" "$T_TMP/ss"
cat > "$T_TMP/req.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <termios.h>
#include <unistd.h>

const char *maps = "/proc/self/maps";
const char *net = "/sys/class/net";

int main(int argc, char **argv)
{
	struct termios t;
	int n = 0;

	if (ioctl(0, TCGETS, &t) == 0)
		n++;
	if (ioctl(0, FIONREAD, &n) == 0)
		n++;
	fcntl(1, F_SETFL, O_NONBLOCK);
	prctl(PR_SET_NAME, "req");
	/* A code that comes from the command line: unknown. */
	if (argc > 1)
		ioctl(0, strtoul(argv[1], NULL, 0), &n);
	printf("%s %s %d\n", maps, net, n > 100);
	return 0;
}
EOF
cat > "$T_TMP/lib.c" <<'EOF'
#include <sys/ioctl.h>
#include <sys/prctl.h>

__attribute__((constructor)) static void fx_init(void)
{
	prctl(PR_GET_DUMPABLE);
}

int fx_winsize(int fd)
{
	struct winsize w;

	return ioctl(fd, TIOCGWINSZ, &w);
}
EOF
cat > "$T_TMP/use.c" <<'EOF'
int fx_winsize(int fd);

int main(void)
{
	return fx_winsize(0) > 0;
}
EOF
# A wrapper of the program's own, far (10 KB of code) from its callers:
# the codes are its callers' constants (the streamed windows cannot tell
# callers: the pass sweeps for them).
cat > "$T_TMP/wrap.c" <<'EOF'
#include <sys/ioctl.h>

__attribute__((noinline, noipa)) void pad(void)
{
	__asm__ volatile(".skip 10000, 0x90");
}

__attribute__((noinline, noipa)) int my_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

int main(void)
{
	int n = 0;

	pad();
	my_ioctl(0, TIOCOUTQ, &n);
	return my_ioctl(1, TIOCGPGRP, &n) > 0;
}
EOF
t_ok "the fixtures build" eval 'gcc -O2 -o "$fx/wrap" "$T_TMP/wrap.c" && gcc -O2 -o "$fx/req" "$T_TMP/req.c" &&
	gcc -O2 -static -o "$fx/req-static" "$T_TMP/req.c" &&
	gcc -O2 -shared -fPIC -Wl,-soname,libfxreq.so.1 -o "$fx/lib/libfxreq.so.1" "$T_TMP/lib.c" &&
	gcc -O2 -o "$fx/use" "$T_TMP/use.c" -L"$fx/lib" -l:libfxreq.so.1 -Wl,-rpath,"\$ORIGIN/lib"'
t_ok "the fixtures run" eval '"$fx/req" < /dev/null > /dev/null && "$fx/req-static" < /dev/null > /dev/null &&
	"$fx/use" < /dev/null'
for f in req req-static; do
	t_sstrip "$fx/$f" "$T_TMP/ss/$f-ss"
done

db=$T_TMP/r.db
t_scan "$db" --syscalls "$fx" "$T_TMP/ss"
t_is "$T_RC" 0 "the scan exits 0"

# codes FILE [VIA]: "syscall request" of FILE's rows (VIA: only those).
codes()
{
	t_sql "$db" "SELECT syscall || ' ' || request FROM v_syscall_requests WHERE member_path = '$1'
		${2:+AND via = '$2'} ORDER BY 1" | tr '\n' ',' | sed 's/,$//'
}
want="fcntl 4,ioctl 21505,ioctl 21531,ioctl unknown,prctl 15"
for f in "$fx/req" "$T_TMP/ss/req-ss"; do
	t_is "$(codes "$f" direct | tr ',' '\n' | grep -E '^(fcntl 4|ioctl|prctl 15)' | tr '\n' ',' | sed 's/,$//')" \
		"$want" "$(basename "$f"): TCGETS, FIONREAD, F_SETFL, PR_SET_NAME and the code from argv (unknown) at its own call sites"
done
for f in "$fx/req-static" "$T_TMP/ss/req-static-ss"; do
	got=$(codes "$f")
	for c in "fcntl 4" "ioctl 21505" "ioctl 21531" "ioctl unknown" "prctl 15"; do
		t_like ",$got," ",$c," "$(basename "$f"): $c, through libc's own wrappers"
	done
	t_is "$(t_sql "$db" "SELECT count(*) FROM v_syscall_requests WHERE member_path = '$f' AND via <> 'direct'")" 0 \
		"$(basename "$f"): a static binary's codes are all direct"
done
t_is "$(codes "$fx/wrap" direct)" "ioctl 21519,ioctl 21521" \
	"wrap: TIOCGPGRP and TIOCOUTQ, its callers' codes through its own wrapper, no unknown"
t_is "$(t_sql "$db" "SELECT request FROM v_syscall_requests WHERE member_path = '$fx/req' AND syscall = 'prctl' AND via = 'direct'")" 15 \
	"req: prctl's only own code is PR_SET_NAME (the code from argv is ioctl's)"
t_like "$(codes "$fx/req")" "ioctl 21505" "req: isatty-like codes through libc are kept too"
t_is "$(codes "$fx/use" fx_winsize)" "ioctl 21523" "use: TIOCGWINSZ through the library's export fx_winsize (\$ORIGIN)"
t_is "$(codes "$fx/use" libfxreq.so.1)" "prctl 3" "use: PR_GET_DUMPABLE from the library's constructor"
t_is "$(codes "$fx/lib/libfxreq.so.1" direct)" "ioctl 21523,prctl 3" "libfxreq itself: its own sites"

for f in "$fx/req" "$fx/req-static" "$T_TMP/ss/req-ss" "$T_TMP/ss/req-static-ss"; do
	t_like "$(t_sql "$db" "SELECT group_concat(path, ' ') FROM v_pseudo_files WHERE member_path = '$f'")" \
		"/proc/self/maps.*/sys/class/net|/sys/class/net.*/proc/self/maps" "$(basename "$f"): both pseudo-file strings"
done
t_is "$(t_sql "$db" "SELECT count(*) FROM v_pseudo_files WHERE member_path = '$fx/use'")" 0 "use holds none"
t_is "$(t_sql "$db" "SELECT packages || ' ' || binaries FROM v_pseudo_file_usage WHERE path = '/sys/class/net'")" "4 4" \
	"v_pseudo_file_usage: /sys/class/net in 4 binaries (loose files: a package each)"

t_is "$(t_sql "$db" "SELECT name FROM v_request_usage WHERE (syscall, request) IN
	(('ioctl', 21505), ('ioctl', 21531), ('fcntl', 4), ('prctl', 15), ('ioctl', 21523)) ORDER BY name" | tr '\n' ' ')" \
	"FIONREAD F_SETFL PR_SET_NAME TCGETS TIOCGWINSZ " "v_request_usage names them from the kernel headers"
t_is "$(t_sql "$db" "SELECT name || ' ' || (binaries >= 2) FROM v_request_usage WHERE syscall = 'ioctl' AND request = 'unknown'")" \
	"unknown 1" "the unknown code has its row"
t_ok "the catalogue holds the headers' codes, unused ones with 0" \
	test "$(t_sql "$db" "SELECT count(*) FROM v_request_usage WHERE binaries = 0 AND name <> ''")" -gt 1000
t_is "$(t_sql "$db" "SELECT count(*) FROM catalog_request WHERE name IN ('F_RDLCK', 'PR_UNALIGN_NOPRINT', 'F_SEAL_SEAL')")" 0 \
	"arguments that are no commands are left out of the catalogue"

db0=$T_TMP/none.db
t_scan "$db0" "$fx"
t_is "$(t_sql "$db0" "SELECT (SELECT count(*) FROM binary_request) + (SELECT count(*) FROM binary_pseudo_file)")" 0 \
	"without --syscalls: no request nor pseudo-file rows"

out=$T_TMP/merged.db
t_pk db merge "$out" "$db"
t_is "$T_RC" 0 "db merge exits 0"
q="SELECT package, member_path, syscall, request, via FROM v_syscall_requests ORDER BY 1, 2, 3, 4"
t_is "$(t_sql "$out" "$q")" "$(t_sql "$db" "$q")" "db merge carries the request rows"
q="SELECT * FROM v_pseudo_files ORDER BY 1, 2, 3, 4"
t_is "$(t_sql "$out" "$q")" "$(t_sql "$db" "$q")" "db merge carries the pseudo-files"
t_is "$(t_sql "$out" "SELECT count(*) FROM catalog_request")" "$(t_sql "$db" "SELECT count(*) FROM catalog_request")" \
	"db merge carries the catalogue"
t_pk db merge "$out" "$db"
t_is "$(t_sql "$out" "SELECT count(*) FROM binary_request")" "$(t_sql "$db" "SELECT count(*) FROM binary_request")" \
	"merged twice: nothing added"

# Recall: what strace sees each command pass (its first argument for
# prctl, its second for ioctl and fcntl) must be a constant of the static
# set of the program it ran. stdin and stdout are /dev/null: no terminal,
# as in a batch run (a character device: stdio asks it for TCGETS).
w=$T_TMP/w
mkdir -p "$w/d"
seq 3000 | shuf > "$w/nums"
cp "$w/nums" "$w/d/a"
sdb=$T_TMP/recall.db
misses=
n_traced=0
recall()
{
	local exe traced have
	exe=$(readlink -f "$(command -v "$1")") || return
	(cd "$w" && strace -f -qq -X raw -e trace=ioctl,fcntl,prctl -o "$T_TMP/st" -- "$@" < /dev/null > /dev/null 2>&1)
	t_scan "$sdb" --syscalls "$exe"
	traced=$(sed -n 's/^[0-9]* *\(ioctl\|fcntl\)([^,]*, \(0x[0-9a-f]*\|[0-9]*\)[,)].*/\1 \2/p
		s/^[0-9]* *\(prctl\)(\(0x[0-9a-f]*\|[0-9]*\)[,)].*/\1 \2/p' "$T_TMP/st" | sort -u)
	while read -r sc code; do
		[ -n "$sc" ] || continue
		n_traced=$((n_traced + 1))
		have=$(t_sql "$sdb" "SELECT count(*) FROM v_syscall_requests WHERE member_path = '$exe'
			AND syscall = '$sc' AND request = $((code))")
		[ "$have" -gt 0 ] || misses="$misses $1:$sc:$code"
	done <<< "$traced"
	t_diag "$1: $(echo "$traced" | grep -c .) traced codes, static set $(t_sql "$sdb" "SELECT count(*) FROM v_syscall_requests WHERE member_path = '$exe'")"
}
recall ls -l /
recall stty -a
recall ip link
recall ps
recall df
recall date
recall sort nums
recall tar cf /dev/null d
recall cp nums copy
recall du d
recall head nums
recall md5sum nums
recall wc nums
recall uname -a
recall env true
recall bash -c :
recall sed -i s/1/2/ copy
command -v lsblk > /dev/null && recall lsblk
command -v findmnt > /dev/null && recall findmnt
t_ok "strace saw requests to check ($n_traced)" test "$n_traced" -ge 20
t_is "$misses" "" "recall: every traced request code is a constant of the static set"
t_done
