#!/bin/bash
# Description: the option layer every command parses with
# (common/options.c): each command refuses an unknown option with exit 2,
# a message and its usage on stderr, nothing on stdout; --jobs takes 1 to
# 1024 and refuses the rest with the same message in scan, src and port;
# --help exits 0 and lists every option the command takes, as getopt_long
# took them before (shortened long options, --opt=value, -J bundled with
# -h, options after the arguments).
. "$(dirname "$0")/../lib/t.sh"

# The long options of each command, as their getopt tables had them.
declare -A longs=(
	[scan]="db jobs shard json admindir files-from max-member syscalls help"
	[src]="db jobs json build-dir help"
	[trace]="db no-db output json events buffer count no-offcpu interval duration filter pid no-follow cgroup label work functions latency one-by-one list help"
	[port]="db build-dir level only diff apply force verify jobs json help"
	[shim]="db output keep-source json run or-plain help"
	[report]="db out compare-with weights popcon title top help"
	[db]="partial top help"
)

for cmd in scan src trace port shim report db; do
	t_pk $cmd --no-such-option
	t_is "$T_RC" 2 "$cmd --no-such-option exits 2"
	t_is "$T_OUT" "" "$cmd --no-such-option: nothing on stdout"
	t_like "$(head -1 "$T_ERR")" "^parakit $cmd: unknown option '--no-such-option'\$" \
		"$cmd --no-such-option: named on stderr"
	t_like "$(cat "$T_ERR")" "^usage: parakit $cmd " "$cmd --no-such-option: then the usage"
	t_pk $cmd -Y
	t_is "$T_RC" 2 "$cmd -Y exits 2"

	t_pk $cmd --help
	t_is "$T_RC" 0 "$cmd --help exits 0"
	# The option column: lines that start with "  -x, --name" or "      --name".
	got=$(printf '%s\n' "$T_OUT" | sed -nE 's/^  (-[a-zA-Z], |    )--([a-z-]+).*/\2/p' | sort | tr '\n' ' ')
	want=$(printf '%s\n' ${longs[$cmd]} | sort | tr '\n' ' ')
	t_is "$got" "$want" "$cmd --help lists every option it takes"
	t_pk $cmd -h
	t_is "$T_RC" 0 "$cmd -h exits 0"
done
t_pk db summary --no-such-option
t_is "$T_RC" 2 "db summary --no-such-option exits 2"
t_pk shim --run --no-such-option
t_is "$T_RC" 125 "shim --run --no-such-option exits 125, as env(1)"

# --jobs: one rule. A refused value says the same in every command; an
# accepted one goes on to the next check (no PATH or TREE).
for cmd in scan src port; do
	for bad in 0 1025 -1 abc 2x ""; do
		t_pk $cmd --db "$T_TMP/j.db" --jobs "$bad"
		t_is "$T_RC" 2 "$cmd --jobs '$bad' exits 2"
		t_is "$(cat "$T_ERR")" "parakit $cmd: --jobs wants a number from 1 to 1024, not '$bad'" \
			"$cmd --jobs '$bad': the one message"
	done
	for good in 1 1024; do
		t_pk $cmd --db "$T_TMP/j.db" -j "$good"
		t_is "$T_RC" 2 "$cmd -j $good is taken (then no input: exit 2)"
		t_like "$(head -1 "$T_ERR")" "^parakit $cmd: no (PATH|TREE)" "$cmd -j $good: the next check speaks"
	done
done
t_ok "no database was made" test ! -e "$T_TMP/j.db"

# getopt_long's ways.
t_pk port --lev fibers --db "$T_TMP/j.db"
t_like "$(head -1 "$T_ERR")" "no TREE" "a shortened long option (--lev) is taken"
t_pk scan --j 1 "$T_TMP"
t_is "$T_RC" 2 "one that two options share (--j) is refused"
t_like "$(head -1 "$T_ERR")" "option '--j' is ambiguous: --jobs --json" "and both are named"
t_pk port --level=threads .
t_is "$T_RC" 2 "--level=VALUE: a value outside the set is refused"
t_is "$(cat "$T_ERR")" "parakit port: --level wants compat or fibers, not 'threads'" "and the set is named"
t_pk report --out "$T_TMP/r" --weights
t_is "$T_RC" 2 "an option without its argument exits 2"
t_like "$(head -1 "$T_ERR")" "option '--weights' needs an argument" "and says so"
t_pk report --out "$T_TMP/r" --top=0
t_is "$(cat "$T_ERR")" "parakit report: --top wants a number of at least 1, not '0'" "--top=0 is refused"
t_pk scan --json=yes "$T_TMP"
t_like "$(head -1 "$T_ERR")" "option '--json' takes no argument" "a flag refuses a value"
t_pk scan -Jh
t_is "$T_RC" 0 "-Jh: bundled short options, -h among them"
t_like "$T_OUT" "^usage: parakit scan" "-Jh prints the help"

# Options after the arguments, "--" before an argument that looks like one.
mkdir -p "$T_TMP/in"
printf 'int main(void) { return 0; }\n' > "$T_TMP/m.c"
if command -v cc >/dev/null && cc -o "$T_TMP/in/-m" "$T_TMP/m.c"; then
	t_pk scan "$T_TMP/in" --db "$T_TMP/o.db" --jobs 1 --json
	t_is "$T_RC" 0 "options after PATH are options"
	t_like "$T_OUT" '"elf_files":1,' "and PATH is scanned"
	t_pk scan --db "$T_TMP/o2.db" --json -- "$T_TMP/in/-m"
	t_like "$T_OUT" '"elf_files":1,' "after --, a PATH that starts with a dash is a PATH"
	t_is "$(t_sql "$T_TMP/o.db" "SELECT command_line FROM scan_run")" \
		"parakit scan --db $T_TMP/o.db --jobs 1 --json $T_TMP/in" \
		"the run records the command line, options first (as getopt_long permuted it)"
else
	t_skip "no C compiler"
fi

# trace and shim stop at the command: its options are its own.
# A command named --help is not found (127) before any tracing starts.
t_pk trace --no-db -- --help
t_is "$T_RC" 127 "trace -- --help: --help is the command to run, not trace's option"
t_like "$(cat "$T_ERR")" "cannot run '--help': command not found" "and it is looked for"
t_pk trace --
t_is "$T_RC" 2 "trace -- without a command exits 2"
t_pk shim --run --db "$T_TMP/s.db" -- no-such-command-pk --help
t_is "$T_RC" 127 "shim --run -- CMD --help: --help is CMD's (not found: 127)"
t_done
