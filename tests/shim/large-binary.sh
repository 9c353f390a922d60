#!/bin/bash
# Description: binaries over 1 MiB (Debian's perl and python3) can be
# shimmed. scan identifies a large binary by its size, its edges and its
# linkage bytes, not by its whole content; shim used to hash the whole
# file, never found the binary its scan had recorded, and failed with "the
# scan recorded no imports for it" (issues 13 and 16). Here each shim
# builds, a small program that reads a file prints under it what it prints
# plain, and scan and shim agree on the binary's hash; one cut short is
# refused for the reason scan records.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
s_require
cd "$T_TMP" || exit 1
seq 1 50000 > numbers
perl_prog='open(my $f, "<", $ARGV[0]) or die "$!\n"; my $s = 0; $s += $_ while <$f>; print "$s\n"'
py_prog='import sys
with open(sys.argv[1], "rb") as f:
    d = f.read()
print(len(d), sum(map(int, d.split())))'

# large BIN DESC PROGRAM...: the checks for one binary; PROGRAM runs BIN.
large()
{
	local bin=$1 desc=$2 size hash scanned
	shift 2
	if [ ! -x "$bin" ]; then
		t_fail "$desc: $bin is installed (make deps)"
		return
	fi
	size=$(stat -c %s "$bin")
	t_ok "$desc: $bin is over 1 MiB ($size bytes)" [ "$size" -gt $((1 << 20)) ]

	t_pk shim --db "$S_DB" --json -o "$T_TMP/$desc.pk.so" "$bin"
	t_is "$T_RC" 0 "$desc: parakit shim builds a shim"
	[ "$T_RC" -eq 0 ] || t_diag "$(head -20 "$T_ERR")"
	t_ok "$desc: the shim is a shared object" t_is_elf "$T_TMP/$desc.pk.so"
	hash=$(printf '%s\n' "$T_OUT" | sed -n 's/.*"hash":"\([0-9a-f]*\)".*/\1/p')

	t_scan "$T_TMP/scan.db" "$bin"
	scanned=$(t_sql "$T_TMP/scan.db" "SELECT b.hash FROM binary b JOIN file f ON f.binary_id = b.id
					 WHERE f.path = '$bin'")
	t_like "$scanned" '^[0-9a-f]{32}$' "$desc: scan records the binary"
	t_is "$hash" "$scanned" "$desc: shim knows it by the hash scan records"

	s_same "$desc reads a file" "$T_TMP/$desc.pk.so" "$@"
	strace -f -qq -e trace=io_uring_enter -E LD_PRELOAD="$T_TMP/$desc.pk.so" -E PK_ROUTE=ring -o "$desc.strace" \
		"$@" >/dev/null 2>&1 </dev/null
	t_ok "$desc: under the shim its I/O goes through io_uring" grep -q 'io_uring_enter(' "$desc.strace"
}

large /usr/bin/perl perl /usr/bin/perl -e "$perl_prog" numbers
# /usr/bin/python3 is a link to the versioned binary (python3.11 on Debian 12).
large "$(readlink -f /usr/bin/python3)" python3 "$(readlink -f /usr/bin/python3)" -c "$py_prog" numbers

# A large binary cut short is refused for the reason scan records.
head -c 2000000 /usr/bin/perl > cut-perl
t_pk shim --db "$S_DB" -o cut.pk.so ./cut-perl
t_is "$T_RC" 1 "perl cut at 2 MB: no shim (1)"
t_like "$(cat "$T_ERR")" "^parakit shim: cannot shim './cut-perl': section header table outside the file\$" \
	"shim says why"
t_scan "$T_TMP/scan.db" "$T_TMP/cut-perl"
t_like "$(t_sql "$T_TMP/scan.db" "SELECT reason FROM v_scan_errors WHERE member_path = '$T_TMP/cut-perl'")" \
	"section header table outside the file" "scan records the same reason"
t_done
