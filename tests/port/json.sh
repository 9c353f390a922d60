#!/bin/bash
# Description: parakit port --json prints the run's summary and every call
# site as one JSON object on stdout, never mixed with the diff: with
# --diff FILE the diff goes to FILE (the same bytes as without --json),
# with --apply the files are edited, alone nothing is written. The JSON
# parses (jq), its sites are the rows of v_port_sites in the same database
# (positions, callers, callees, actions, reasons), its counts are those of
# its sites and of v_port_runs; a file name with quotes and a backslash
# is escaped, one that is not UTF-8 comes back byte for byte (Python's
# surrogateescape).
. "$(dirname "$0")/../lib/t.sh"
t_require sqlite3 jq patch python3

tree=$T_TMP/t
mkdir -p "$tree"
cat > "$tree/Makefile" <<'EOF2'
CFLAGS = -O2
LDLIBS = -lm
all: filt
EOF2
cat > "$tree/filt.c" <<'EOF2'
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void on_term(int sig)
{
	(void)sig;
	write(2, "bye\n", 4);
	_exit(1);
}

int main(void)
{
	char c;

	signal(SIGTERM, on_term);
	while (read(0, &c, 1) == 1) {
		if (c == 'x')
			continue;
		putchar(c);
	}
#ifdef NEVER_DEFINED
	sleep(1);
#endif
	usleep(0);
	return 0;
}
EOF2
# Quotes, a backslash and a space in a file name the JSON must escape.
cat > "$tree/we \"ird\\name.c" <<'EOF2'
#include <unistd.h>

int weird(int fd, char *b)
{
	return (int)pread(fd, b, 1, 0);
}
EOF2
cp -r "$tree" "$T_TMP/orig"
db=$T_TMP/port.db

# site rows as "file<TAB>line<TAB>col<TAB>caller<TAB>callee<TAB>action<TAB>reason", sorted.
json_rows()
{
	jq -r '.sites[] | [.file, .line, .col, (.caller // ""), .callee, .action, (.reason // "")] | map(tostring) | join("\t")' "$1" | sort
}
# v_port_sites' rows of run $1 (every run keeps its own).
view_rows()
{
	t_sql "$db" "SELECT file, line, col, coalesce(caller, ''), callee, action, coalesce(reason, '')
		     FROM v_port_sites WHERE tree = '$tree' AND run_id = $1" | sort
}
# check NAME: the JSON in $T_TMP/NAME.json against the database.
check()
{
	local j=$T_TMP/$1.json
	t_ok "$1: stdout is JSON and nothing else" jq -e 'type == "object"' "$j"
	json_rows "$j" > "$T_TMP/$1.jrows"
	view_rows "$(jq .run_id "$j")" > "$T_TMP/$1.vrows"
	t_cmp "$T_TMP/$1.jrows" "$T_TMP/$1.vrows" "$1: its sites are v_port_sites' rows"
	t_is "$(jq '[.call_sites, .rewritten, .left] | @csv' "$j")" \
		"\"$(t_sql "$db" "SELECT count(*), count(*) FILTER (WHERE action = 'rewritten'),
				  count(*) FILTER (WHERE action = 'left') FROM v_port_sites
				  WHERE tree = '$tree' AND run_id = $(jq .run_id "$j")" | tr '\t' ,)\"" \
		"$1: call_sites, rewritten and left are the view's counts"
	t_is "$(jq '.call_sites == (.sites | length) and .rewritten + .left == .call_sites
		    and .rewritten_blocking == ([.sites[] | select(.action == "rewritten" and .blocking)] | length)
		    and .left_blocking == ([.sites[] | select(.action == "left" and .blocking)] | length)
		    and (.left_by_reason | map(.count) | add) == .left' "$j")" true \
		"$1: the summary's counts are its sites'"
	t_is "$(jq .run_id "$j")" "$(t_sql "$db" "SELECT max(run_id) FROM v_port_runs WHERE tree = '$tree'")" \
		"$1: run_id is the run's row in v_port_runs"
}

# The diff without --json, the reference.
t_pk port --db "$db" --diff "$T_TMP/plain.patch" "$tree"
t_is "$T_RC" 0 "port --diff FILE exits 0"

t_pk port --db "$db" --json --diff "$T_TMP/json.patch" "$tree"
t_is "$T_RC" 0 "--json --diff FILE exits 0"
printf '%s\n' "$T_OUT" > "$T_TMP/diff.json"
check diff
t_cmp "$T_TMP/json.patch" "$T_TMP/plain.patch" "diff: FILE holds the same diff as without --json"
t_is "$(jq -r '[.tree, .level, .diff, .applied, .build, .files_changed] | @tsv' "$T_TMP/diff.json")" \
	"$tree	compat	$T_TMP/json.patch	false	adapted, not verified	3" \
	"diff: tree, level, diff, applied, build (not verified without --verify), files_changed"
t_is "$(jq -r '[.sites[] | select(.callee == "read" or .callee == "usleep" or .callee == "pread") | .action]
	       | unique | join(",")' "$T_TMP/diff.json")" rewritten "diff: read, usleep and pread are rewritten"
t_is "$(jq -r '.sites[] | select(.callee == "write") | .reason' "$T_TMP/diff.json")" \
	"in a signal handler: libpk's calls are not async-signal-safe" "diff: write in the handler is left, with the reason"
t_is "$(jq -r '.sites[] | select(.callee == "sleep") | "\(.line) \(.reason)"' "$T_TMP/diff.json")" \
	"23 in an #if branch not compiled in this configuration" "diff: sleep under #ifdef is left, with the reason"
t_is "$(jq -r '.sites[] | select(.callee == "pread") | "\(.file) \(.caller)"' "$T_TMP/diff.json")" \
	'we "ird\name.c weird' "diff: a file name with quotes and a backslash comes back intact"
t_is "$(jq -r '.sites[] | select(.callee == "putchar") | [.posix_name, .blocking, .reason] | @tsv' "$T_TMP/diff.json")" \
	"putchar	true	buffered stdio: libc does the I/O, libpk has no twin" "diff: posix_name and blocking ride along"

# Alone: a dry run, no diff anywhere.
t_pk port --db "$db" --json "$tree"
t_is "$T_RC" 0 "--json alone exits 0"
printf '%s\n' "$T_OUT" > "$T_TMP/alone.json"
check alone
t_is "$(jq -r '[.diff, .applied, .files_changed] | @tsv' "$T_TMP/alone.json")" "	false	3" \
	"alone: no diff file, nothing applied, the files it would change"
t_ok "alone: the tree is untouched" diff -r "$T_TMP/orig" "$tree"

# --apply: the files change, stdout stays JSON.
t_pk port --db "$db" --json --apply "$tree"
t_is "$T_RC" 0 "--json --apply exits 0"
printf '%s\n' "$T_OUT" > "$T_TMP/apply.json"
check apply
t_is "$(jq -r '[.diff, .applied, .files_changed] | @tsv' "$T_TMP/apply.json")" "	true	3" \
	"apply: applied, no diff file"
patch -s -p1 -d "$T_TMP/orig" -i "$T_TMP/plain.patch"
t_ok "apply: the tree is what the diff gives" diff -r "$T_TMP/orig" "$tree"

# Ported again: every site is still reported, nothing changes.
t_pk port --db "$db" --json --apply "$tree"
printf '%s\n' "$T_OUT" > "$T_TMP/again.json"
check again
t_is "$(jq -r '[.files_changed, .build] | @tsv' "$T_TMP/again.json")" "0	unchanged" \
	"again: no file changes, the Makefile needs nothing"

# Every run keeps its sites (issue 14): the five runs above, and a sixth at
# --level fibers of the ported tree, each with its level, the earlier ones
# unchanged by the later.
t_pk port --db "$db" --level fibers --json "$tree"
printf '%s\n' "$T_OUT" > "$T_TMP/fibers.json"
check fibers
t_is "$(t_sql "$db" "SELECT group_concat(level || ':' || n, ' ') FROM (SELECT run_id, level, count(*) AS n
		      FROM v_port_sites WHERE tree = '$tree' GROUP BY run_id ORDER BY run_id)")" \
	"compat:$(jq '.sites | length' "$T_TMP/diff.json") compat:$(jq '.sites | length' "$T_TMP/diff.json") compat:$(jq '.sites | length' "$T_TMP/alone.json") compat:$(jq '.sites | length' "$T_TMP/apply.json") compat:$(jq '.sites | length' "$T_TMP/again.json") fibers:$(jq '.sites | length' "$T_TMP/fibers.json")" \
	"v_port_sites keeps every run's sites, each with its run_id and level"
view_rows "$(jq .run_id "$T_TMP/alone.json")" > "$T_TMP/alone.vrows2"
t_cmp "$T_TMP/alone.vrows2" "$T_TMP/alone.vrows" "an earlier run's rows are as it wrote them"

# A name that is not UTF-8: valid JSON still, and the bytes come back.
mkdir -p "$T_TMP/latin1"
printf '#include <unistd.h>\nint f(void) { return sleep(0); }\n' > "$T_TMP/latin1/caf$(printf '\351').c"
t_pk port --db "$T_TMP/latin1.db" --json "$T_TMP/latin1"
printf '%s\n' "$T_OUT" > "$T_TMP/latin1.json"
t_ok "latin1: a name that is not UTF-8 gives JSON that jq reads" jq -e '.sites | length == 1' "$T_TMP/latin1.json"
t_is "$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
print(d["sites"][0]["file"].encode("utf-8", "surrogateescape") == b"caf\xe9.c")' "$T_TMP/latin1.json")" True \
	"latin1: and its bytes come back (surrogateescape)"

t_pk port --db "$db" --json --apply --diff x "$tree"
t_is "$T_RC" 2 "--json --apply --diff is still bad usage (2)"
t_is "$T_OUT" "" "and prints nothing on stdout"
t_done
