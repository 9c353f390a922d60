#!/bin/bash
# Description: the system call footprint (issue 17) of Go binaries, whose
# syscalls go through stubs that take the number as an argument
# (analyzer/sys_go.c). A Go fixture built with Debian's golang-go
# (tests/scan/go/main.go: os.ReadFile, net.Listen, syscall.Getppid through
# the stack-ABI stub rawSyscallNoError, a raw syscall.Syscall(SYS_GETPID)
# through the register ABI, and a number from the command line), built
# static, static and stripped (-ldflags='-s -w': no .symtab, functions from
# the pclntab), with cgo (dynamically linked), as PIE, and sstripped: the known
# numbers are in every set, the one from the command line is 'unknown',
# and v_syscall_binaries tells the kinds. Recall: every syscall 'parakit
# trace' observes of the fixture and of real Debian Go programs (shfmt
# formatting files, runc's commands that need no container, the Go
# toolchain's go, compile, asm and link building the fixture) is in the
# static set; the one miss, the number from the command line, is listed
# with its cause. Request codes (ioctl, fcntl, prctl) passed to the stubs
# (tests/scan/go/req.go, run with GOFX_REQ set), directly and through
# wrappers as x/sys's IoctlGetTermios: in v_syscall_requests, and every
# code strace sees the fixture and shfmt pass is among them.
. "$(dirname "$0")/../lib/t.sh"
PATH=$PATH:/usr/sbin:/sbin
t_require go gcc sqlite3 readelf shfmt runc strace

# The fixture is built once under build/ (with Go's build cache), again
# when its source changes.
gob=$(cd "$(dirname "$PARAKIT")" && pwd)/tests/go-fixture
gosrc=$(cd "$(dirname "$0")/go" && pwd)
mkdir -p "$gob"
# build_go NAME CGO_ENABLED [GO BUILD FLAGS...] (GOARCH from the caller)
build_go()
{
	local name=$1 cgo=$2
	shift 2
	[ "$gob/$name" -nt "$gosrc/main.go" ] && [ "$gob/$name" -nt "$gosrc/req.go" ] &&
		[ "$gob/$name" -nt "$gosrc/go.mod" ] && return 0
	(cd "$gosrc" && CGO_ENABLED=$cgo GOCACHE="$gob/cache" GOPATH="$gob/path" GOFLAGS=-buildvcs=false \
		go build "$@" -o "$gob/$name.new" .) && mv "$gob/$name.new" "$gob/$name"
}
# i386: every argument on the stack, the number at 0(SP) of every stub's
# caller.
t_ok "the Go fixture builds for i386" eval 'GOARCH=386 build_go gofx-386 0'

t_ok "the Go fixture builds (static, stripped, cgo, PIE)" eval 'build_go gofx 0 && build_go gofx-s 0 -ldflags="-s -w" &&
	build_go gofx-cgo 1 && build_go gofx-pie 0 -buildmode=pie'
fx=$T_TMP/fx
mkdir -p "$fx"
cp "$gob/gofx" "$gob/gofx-s" "$gob/gofx-cgo" "$gob/gofx-pie" "$gob/gofx-386" "$fx/"
t_sstrip "$gob/gofx" "$fx/gofx-ss"
# A PIE file's pclntab is in its RELRO segment (.data.rel.ro.gopclntab).
t_sstrip "$gob/gofx-pie" "$fx/gofx-pie-ss"
t_is "$(readelf -SW "$fx/gofx-s" | grep -c ' \.symtab ')" 0 "gofx-s has no .symtab"
t_is "$(readelf -hW "$fx/gofx-ss" | sed -n 's/^ *Number of section headers: *//p')" 0 \
	"gofx-ss has no section headers"
# And C for the kinds: not Go, with and without .symtab.
printf 'int main(void) { return 0; }\n' > "$T_TMP/c.c"
t_ok "the C fixtures build" eval 'gcc -O2 -o "$fx/c" "$T_TMP/c.c" && strip -o "$fx/c-s" "$fx/c"'
t_ok "the fixtures run" eval '"$fx/gofx" /etc/hostname >/dev/null && "$fx/gofx-cgo" >/dev/null'

db=$T_TMP/t.db
t_scan "$db" --syscalls "$fx"
t_is "$T_RC" 0 "the scan exits 0"

set_of()
{
	t_sql "$db" "SELECT syscall FROM v_syscalls WHERE member_path = '$1' ORDER BY syscall"
}
for f in gofx gofx-s gofx-ss gofx-cgo gofx-pie gofx-pie-ss; do
	s=" $(set_of "$fx/$f" | tr '\n' ' ')"
	for c in openat read close socket setsockopt bind listen getsockname getppid getpid unknown; do
		t_like "$s" " $c " "$f: $c is in the set"
	done
done
s=" $(set_of "$fx/gofx-386" | tr '\n' ' ')"
for c in read close socketcall getppid getpid unknown; do
	t_like "$s" " $c " "gofx-386: $c is in the set"
done
t_is "$(t_sql "$db" "SELECT abi, go GLOB 'go1.*' FROM v_syscall_binaries WHERE member_path = '$fx/gofx-386'")" \
	"i386	1" "gofx-386: i386's numbers, Go"
set_of "$fx/gofx" > "$T_TMP/set-gofx"
for f in gofx-s gofx-ss; do
	set_of "$fx/$f" > "$T_TMP/set-$f"
	t_cmp "$T_TMP/set-$f" "$T_TMP/set-gofx" "$f: the same set as the binary with its .symtab"
done
t_is "$(t_sql "$db" "SELECT count(*) FROM v_syscalls WHERE member_path = '$fx/gofx' AND via <> 'direct'")" 0 \
	"gofx is static: its set is all direct"

# kind NAME: static, go, stripped, and whether its sites are mostly known.
kind()
{
	t_sql "$db" "SELECT static, go GLOB 'go1.*', stripped, unknown_sites BETWEEN 1 AND sites / 10
		FROM v_syscall_binaries WHERE member_path = '$fx/$1'"
}
t_is "$(kind gofx)" "1	1	0	1" "v_syscall_binaries: gofx is static, Go, not stripped, its unknown sites few"
t_is "$(kind gofx-s)" "1	1	1	1" "gofx-s: static, Go, stripped"
t_is "$(kind gofx-ss)" "1	1	1	1" "gofx-ss: static, Go, stripped (sstripped)"
t_is "$(kind gofx-cgo)" "0	1	0	1" "gofx-cgo: dynamically linked, Go"
t_is "$(kind gofx-pie)" "0	1	0	1" "gofx-pie: Go, PIE"
t_is "$(t_sql "$db" "SELECT go, stripped FROM v_syscall_binaries WHERE member_path IN ('$fx/c', '$fx/c-s')
	ORDER BY member_path")" $'\t0\n\t1' "C: not Go; stripped only when strip(1) took its .symtab"
t_is "$(kind gofx-pie-ss)" "0	1	1	1" "gofx-pie-ss: Go, PIE, sstripped"
set_of "$fx/gofx-pie" > "$T_TMP/set-gofx-pie"
set_of "$fx/gofx-pie-ss" > "$T_TMP/set-gofx-pie-ss"
t_cmp "$T_TMP/set-gofx-pie-ss" "$T_TMP/set-gofx-pie" "gofx-pie-ss: the same set as the PIE with its sections"
t_is "$(t_sql "$db" "SELECT syscalls = (SELECT count(*) FROM v_syscalls WHERE member_path = '$fx/gofx'
	AND syscall <> 'unknown') FROM v_syscall_binaries WHERE member_path = '$fx/gofx'")" 1 \
	"v_syscall_binaries.syscalls is the set's size"

# db merge carries the kinds (migration 016).
t_pk db merge "$T_TMP/merged.db" "$db"
t_is "$T_RC" 0 "db merge exits 0"
q="SELECT member_path, abi, status, static, go, stripped, sites, unknown_sites, syscalls FROM v_syscall_binaries ORDER BY 1"
t_sql "$db" "$q" > "$T_TMP/kinds"
t_sql "$T_TMP/merged.db" "$q" > "$T_TMP/kinds-merged"
t_cmp "$T_TMP/kinds-merged" "$T_TMP/kinds" "the merged database has the same v_syscall_binaries"

# Each pclntab layout (Go 1.2-1.15, 1.16-1.17, 1.18-1.19, 1.20 onwards),
# on small executables laid out so by the assembler (tests/lib/fixtures.sh),
# with and without section headers: exactly exit, getpid through the
# register-ABI stub and getppid through the stack-ABI one.
mkdir -p "$T_TMP/synth"
for l in 1.2 1.16 1.18 1.20; do
	t_ok "the Go $l layout builds and runs" eval 't_fx_go_synth "$T_TMP/synth/go-$l" $l &&
		"$T_TMP/synth/go-$l" && t_sstrip "$T_TMP/synth/go-$l" "$T_TMP/synth/go-$l-ss"'
done
t_scan "$db" --syscalls "$T_TMP/synth"
t_is "$T_RC" 0 "the layouts scan"
for l in 1.2 1.16 1.18 1.20; do
	for f in go-$l go-$l-ss; do
		t_is "$(set_of "$T_TMP/synth/$f" | tr '\n' ' ')" "exit getpid getppid " "$f: exactly exit, getpid, getppid"
		t_is "$(t_sql "$db" "SELECT go, sites, unknown_sites FROM v_syscall_binaries
			WHERE member_path = '$T_TMP/synth/$f'")" "go9.$l	3	0" "$f: its version, 3 sites, all known"
	done
done

# Request codes through the stubs (tests/scan/go/req.go): TCGETS passed to
# syscall.Syscall directly and through a wrapper of a wrapper (as x/sys's
# IoctlGetTermios and ioctlPtr), TIOCGWINSZ through the wrapper, F_GETFD
# through RawSyscall, PR_GET_DUMPABLE through RawSyscall6, and os's own
# fcntl (syscall.fcntl, a wrapper: F_GETFL, F_SETFL); one request that is
# no constant is unknown. i386's Go passes them on the stack.
reqs_of()
{
	t_sql "$db" "SELECT syscall || ' ' || request FROM v_syscall_requests WHERE member_path = '$1'
		AND via = 'direct' ORDER BY 1" | tr '\n' ',' | sed 's/,$//'
}
for f in gofx gofx-s gofx-ss gofx-cgo gofx-pie gofx-pie-ss; do
	r=",$(reqs_of "$fx/$f"),"
	for c in "ioctl 21505" "ioctl 21523" "ioctl unknown" "fcntl 1" "fcntl 3" "fcntl 4" "prctl 3"; do
		t_like "$r" ",$c," "$f: $c is a request of its own"
	done
done
# i386: the stubs' callers only; a wrapper's (its request on its own
# stack) is unknown.
t_is "$(reqs_of "$fx/gofx-386")" "fcntl 1,fcntl unknown,ioctl 21505,ioctl unknown,prctl 3" \
	"gofx-386: the codes passed to the stubs; the wrappers' unknown"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_syscall_requests WHERE member_path = '$fx/c' AND via = 'direct'")" 0 \
	"the C fixture that calls nothing has no request"

# Recall against strace: every code the fixture passes (and shfmt, a
# Debian Go program that asks its output for TCGETS through x/sys's
# IoctlGetTermios: a terminal under script(1), a file without) is a
# constant of its static rows, or the rows of that call hold 'unknown'.
# creq NAME EXE: the codes strace saw in $T_TMP/st, checked against EXE's rows.
creq()
{
	local name=$1 exe=$2 traced sc code have miss= n=0
	traced=$(sed -n 's/^[0-9]* *\(ioctl\|fcntl\)([^,]*, \(0x[0-9a-f]*\|[0-9]*\)[,)].*/\1 \2/p
		s/^[0-9]* *\(prctl\)(\(0x[0-9a-f]*\|[0-9]*\)[,)].*/\1 \2/p' "$T_TMP/st" | sort -u)
	while read -r sc code; do
		[ -n "$sc" ] || continue
		n=$((n + 1))
		have=$(t_sql "$db" "SELECT count(*) FROM v_syscall_requests WHERE member_path = '$exe'
			AND syscall = '$sc' AND request = $((code))")
		[ "$have" -gt 0 ] || miss="$miss $sc:$code"
	done <<< "$traced"
	t_ok "$name: strace saw requests ($n)" test "$n" -gt 0
	t_is "$miss" "" "$name: every traced request code is a constant of the static rows"
	t_diag "$name: traced $(echo "$traced" | tr '\n' ' ')"
}
(cd "$T_TMP" && GOFX_REQ=1 strace -f -qq -X raw -e trace=ioctl,fcntl,prctl -o "$T_TMP/st" -- \
	"$fx/gofx" < /dev/null > /dev/null 2>&1)
creq "gofx (GOFX_REQ)" "$fx/gofx"
t_scan "$db" --syscalls /usr/bin/shfmt
t_diag "shfmt: $(reqs_of /usr/bin/shfmt)"
printf 'if  true ;then\necho   "$a"|cat\nfi\n' > "$T_TMP/s.sh"
(cd "$T_TMP" && strace -f -qq -X raw -e trace=ioctl,fcntl,prctl -o "$T_TMP/st" -- \
	shfmt -d s.sh < /dev/null > /dev/null 2>&1)
creq "shfmt -d" /usr/bin/shfmt
if command -v script > /dev/null; then
	(cd "$T_TMP" && script -qec "strace -f -qq -X raw -e trace=ioctl,fcntl,prctl -o $T_TMP/st -- \
		shfmt -d s.sh" /dev/null < /dev/null > /dev/null 2>&1)
	creq "shfmt -d (terminal)" /usr/bin/shfmt
fi
t_like ",$(reqs_of /usr/bin/shfmt)," ",ioctl 21505," "shfmt: TCGETS through x/sys's IoctlGetTermios"

# The rest traces: it needs root and BPF.
if [ "$(id -u)" -ne 0 ] || ! "$PARAKIT" trace --no-db -o /dev/null -- true 2>"$T_TMP/bpf-probe"; then
	t_skip "recall: tracing needs root and BPF ($(head -1 "$T_TMP/bpf-probe" 2>/dev/null))"
	t_done
fi

# recall NAME STATUS CMD...: traces CMD (which exits STATUS), scans what it
# ran, checks the traced set is inside the static one; the misses go to
# $T_TMP/missed.
tdb=$T_TMP/trace.db
sdb=$T_TMP/scan.db
recall()
{
	local name=$1 status=$2 run exes n_static n_traced
	shift 2
	t_pk trace --db "$tdb" -o /dev/null -- "$@"
	if [ "$T_RC" -ne "$status" ]; then
		t_fail "$name: the traced run exits $status"
		t_diag "$(head -5 "$T_ERR")"
		return
	fi
	run=$(t_sql "$tdb" "SELECT max(run_id) FROM v_trace_runs")
	exes=$(t_sql "$tdb" "SELECT DISTINCT exe FROM v_trace_processes WHERE run_id = $run AND exe IS NOT NULL")
	# shellcheck disable=SC2086
	t_scan "$sdb" --syscalls $exes
	t_sql "$tdb" "SELECT syscall FROM v_trace_syscalls WHERE run_id = $run AND calls > 0 AND syscall <> 'execve'" |
		sort -u > "$T_TMP/traced"
	: > "$T_TMP/static"
	# A command run through a link (/usr/bin/go) is scanned at its target.
	for e in $exes; do
		t_sql "$sdb" "SELECT syscall FROM v_syscalls WHERE member_path IN ('$e', '$(readlink -f "$e")')" \
			>> "$T_TMP/static"
	done
	sort -u -o "$T_TMP/static" "$T_TMP/static"
	comm -23 "$T_TMP/traced" "$T_TMP/static" | tr '\n' ' ' > "$T_TMP/missed"
	n_static=$(grep -vc '^unknown$' "$T_TMP/static")
	n_traced=$(wc -l < "$T_TMP/traced")
	echo "$name	$n_traced	$n_static" >> "$T_TMP/sizes"
	[ "$name" = "${name%:*}" ] || return 0
	t_is "$(cat "$T_TMP/missed")" "" "$name: all $n_traced traced syscalls are in the static set of $n_static"
}

w=$T_TMP/w
mkdir -p "$w"
cd "$w" || exit 1
printf 'hello\n' > "$w/in"
recall "gofx" 0 "$fx/gofx" "$w/in"
recall "gofx-s" 0 "$fx/gofx-s" "$w/in"
recall "gofx-cgo" 0 "$fx/gofx-cgo" "$w/in"
# getpgid (121) by a number from the command line: the one miss, and why.
recall "gofx 121:unknown" 0 "$fx/gofx" "$w/in" 121
t_is "$(cat "$T_TMP/missed")" "getpgid " \
	"gofx with a number from its command line: the one miss is getpgid, the site the set counts as unknown"

printf 'if  true ;then\necho   "$a"|cat\nfi\nf() { for i in 1 2; do echo $i; done; }\n' > "$w/a.sh"
cp "$w/a.sh" "$w/b.sh"
recall "shfmt -w" 0 shfmt -l -w "$w/a.sh"
recall "shfmt -d" 1 shfmt -d "$w/b.sh"
recall "shfmt -i 4 (stdin)" 0 shfmt -i 4 < "$w/b.sh"
# The Go toolchain building the fixture afresh: go (cgo), compile, asm and
# link (static), Go 1.19 programs of Debian's golang-1.19-go.
cd "$gosrc" || exit 1
export CGO_ENABLED=0 GOCACHE=$T_TMP/gocache GOPATH=$T_TMP/gopath GOFLAGS=-buildvcs=false
recall "go build" 0 go build -o "$w/gb" .
unset CGO_ENABLED GOCACHE GOPATH GOFLAGS
cd "$w" || exit 1
recall "runc --version" 0 runc --version
recall "runc spec" 0 runc spec --rootless
recall "runc list" 0 runc --root "$w/runc-root" list
recall "runc state" 1 runc --root "$w/runc-root" state nosuch
t_diag "program	traced	static" "$(cat "$T_TMP/sizes")"
t_done
