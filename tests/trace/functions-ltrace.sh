#!/bin/bash
# Description: trace --functions against ltrace -c on the same run (issue
# 20): five Debian commands (gzip, sed, cut, tar, wc) on a real input
# (300 lines; ltrace stops the process at every call, so it stays small),
# each run as `parakit trace --functions -- ltrace -c CMD`, and for each
# the calls parakit counts from the executable (from_exe) equal ltrace's
# counts exactly, function by function.
#
# What ltrace 0.7.3 can follow, and so what is compared:
#   - Calls through the executable's PLT (a JUMP_SLOT relocation): ltrace
#     puts its breakpoints there. Debian 12's grep is linked -z now
#     (BIND_NOW), which this ltrace does not follow (it sees no call at
#     all): the commands here are those linked without it, checked first.
#     A function the executable calls through its GOT without a PLT slot
#     (its address is taken too: sort's malloc and free, GLOB_DAT only)
#     is invisible to ltrace and left out.
#   - ltrace counts a PLT entry, parakit a call whose return address is in
#     the executable: a PLT address handed to libc as a callback (sort
#     gives qsort strcmp's) is ltrace's and not the executable's call, so
#     sort is not among the commands.
#   - ltrace -c counts a call when it returns: exit, _exit and abort are
#     left out.
#   - Names: ltrace shows the symbol (__memcpy_chk, __openat_2); both sides
#     are grouped by the definition the import binds to (trace --functions
#     --list), so __memcpy_chk, memcpy and memmove (one IFUNC
#     implementation) are one group and must sum the same.
# A function reached by a jump from another (stat and fstat end in a jump
# to fstatat, realloc(NULL) in one to malloc) is not a call of its own:
# parakit must not count it (the call before the return address went
# through another GOT slot), and ltrace does not.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require ltrace readelf sqlite3 gzip sed cut tar wc awk join
tr_require_bpf
tr_guard_start
db=$T_TMP/t.db
awk 'BEGIN { srand(7); for (i = 0; i < 300; i++) printf "%d %d\n", int(rand() * 100000), i }' > "$T_TMP/in"
mkdir -p "$T_TMP/dir"
cp "$T_TMP/in" "$T_TMP/dir/a"
seq 1 100 > "$T_TMP/dir/b"
cd "$T_TMP" || exit 1

# groups CMD: "symbol<TAB>function" for each catalogue import of CMD's
# executable: the function parakit counts at the definition it binds to
# (the site's; two names on one address count under one).
groups()
{
	"$PARAKIT" trace --functions --list -- "$1" 2>/dev/null |
		awk -F'\t' '$1 == "site" && !(($5 ":" $6) in fn) { fn[$5 ":" $6] = $2 }
			$1 == "import" { imp[$3] = $5 ":" $6 }
			END { for (s in imp) if (imp[s] in fn) print s "\t" fn[imp[s]] }' | sort -u
}

# compare NAME CMD...: one run, both tools; writes NAME.diff (empty when
# they agree) and NAME.n (functions compared, calls compared).
compare()
{
	local name=$1 exe run
	shift
	exe=$(command -v "$1")
	t_pk trace --functions --db "$db" -o /dev/null -- ltrace -c -o "$T_TMP/$name.lt" "$@"
	t_is "$T_RC" 0 "$name: runs under ltrace, traced"
	run=$(tr_val "$db" "SELECT max(run_id) FROM v_trace_runs")
	groups "$exe" > "$name.groups"
	# Symbols the executable reaches through a PLT slot: what ltrace sees.
	readelf -rW "$exe" | awk '$3 == "R_X86_64_JUMP_SLOT" { sub(/@.*/, "", $5); print $5 }' | sort -u > "$name.plt"
	# ltrace: symbol, calls; kept when the symbol has a PLT slot and a group.
	awk 'NF == 5 && $4 ~ /^[0-9]+$/ { print $5 "\t" $4 }' "$name.lt" | sort > "$name.ltc"
	join -t '	' "$name.ltc" "$name.plt" | join -t '	' - "$name.groups" |
		awk -F'\t' '{ s[$3] += $2 } END { for (g in s) print g "\t" s[g] }' | sort > "$name.lts"
	# parakit: function, from_exe of the executable, grouped the same way.
	t_sql "$db" "SELECT function, from_exe FROM v_trace_function_binaries WHERE run_id = $run
		     AND binary = '$exe' AND from_exe > 0
		     AND function NOT IN ('exit', '_exit', 'abort')" | sort > "$name.pkc"
	# Groups with no PLT slot (called through the GOT alone) are not ltrace's.
	join -t '	' "$name.plt" "$name.groups" | cut -f2 | sort -u > "$name.pltg"
	awk -F'\t' 'NR == FNR { plt[$1] = 1; next }
		FILENAME == ARGV[2] { known[$2] = 1; next }
		!($1 in known) { s["unimported:" $1] += $2; next }
		$1 in plt { s[$1] += $2 }
		END { for (g in s) print g "\t" s[g] }' "$name.pltg" "$name.groups" "$name.pkc" | sort > "$name.pks"
	join -t '	' -a 1 -a 2 -e 0 -o 0,1.2,2.2 "$name.pks" "$name.lts" | awk -F'\t' '$2 != $3' > "$name.diff"
	awk -F'\t' '{ n++; c += $2 } END { print n + 0, c + 0 }' "$name.lts" > "$name.n"
}

for c in "gzip gzip -k -f in" "sed sed -e s/1/X/g in" "cut cut -c1-3 in" "tar tar -cf out.tar dir" "wc wc in"; do
	set -- $c
	name=$1
	shift
	t_ok "$name: not linked -z now (ltrace 0.7.3 follows its PLT)" \
		bash -c '! readelf -d "$1" | grep -Eq "BIND_NOW|Flags:.* NOW"' _ "$(command -v "$1")"
	compare "$name" "$@"
	t_is "$(cat "$name.diff")" "" "$name: parakit's calls from the executable = ltrace -c's ($(cat "$name.n") functions, calls)"
	read -r nf nc < "$name.n"
	t_ok "$name: at least 5 functions and 10 calls compared" test "$nf" -ge 5 -a "$nc" -ge 10
done

tr_guard_check
t_done
