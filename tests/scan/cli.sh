#!/bin/bash
# Description: the command line: parakit --help, help CMD, CMD --help,
# --version, and the exit statuses: 0 on success, 1 when inputs failed, 2
# on bad usage (no command, an unknown command or option, a missing PATH,
# bad --jobs or --shard values, db subcommands misused) or when the
# database cannot be opened. Usage goes to stdout when asked for, to stderr on
# bad usage.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc sqlite3

t_pk --help
t_is "$T_RC" 0 "--help exits 0"
t_like "$T_OUT" '^usage: parakit ' "--help prints the usage on stdout"
t_like "$T_OUT" '^ +scan +' "--help lists scan"
t_like "$T_OUT" '^ +db +' "--help lists db"
t_pk
t_is "$T_RC" 2 "no command exits 2"
t_like "$(cat "$T_ERR")" '^usage: parakit ' "no command: usage on stderr"
t_pk --version
t_is "$T_RC" 0 "--version exits 0"
t_like "$T_OUT" '^parakit [0-9]+\.[0-9]+\.[0-9]+$' "--version prints 'parakit X.Y.Z'"
t_pk help scan
t_is "$T_RC" 0 "help scan exits 0"
t_like "$T_OUT" '^usage: parakit scan .*PATH' "help scan prints scan's synopsis"
help_scan=$T_OUT
t_pk scan --help
t_is "$T_RC" 0 "scan --help exits 0"
t_is "$T_OUT" "$help_scan" "scan --help equals help scan"
t_like "$help_scan" '--shard K/N' "scan's usage documents --shard"
t_like "$help_scan" '--json' "scan's usage documents --json"
t_like "$help_scan" '--files-from LIST' "scan's usage documents --files-from"
for r in contrib/slurm/parakit-slurm contrib/parallel/parakit-parallel; do
	t_like "$help_scan" "$r" "scan's usage names the recipe $r"
	t_ok "$r is there and executable" test -x "$(dirname "$0")/../../$r"
done
t_pk frobnicate
t_is "$T_RC" 2 "an unknown command exits 2"
t_like "$(cat "$T_ERR")" "^parakit: 'frobnicate' is not a parakit command" "an unknown command is named on stderr"
t_pk help frobnicate
t_is "$T_RC" 2 "help on an unknown command exits 2"

db=$T_TMP/t.db
for args in "" "--bogus $T_TMP" "--jobs 0 $T_TMP" "--jobs abc $T_TMP" "--shard 0/2 $T_TMP" \
	"--shard 3/2 $T_TMP" "--shard 1/0 $T_TMP" "--shard 1-2 $T_TMP" "--shard 1/2x $T_TMP"; do
	# shellcheck disable=SC2086
	t_pk scan --db "$db" $args
	t_is "$T_RC" 2 "scan ${args:-without PATH} exits 2"
	t_ok "scan ${args:-without PATH}: nothing on stdout, a message on stderr" test -z "$T_OUT" -a -s "$T_ERR"
done
t_ok "bad usage creates no database" test ! -e "$db"

t_pk scan --db "$db" "$T_TMP/does-not-exist"
t_is "$T_RC" 1 "a missing PATH exits 1"
t_like "$(t_sql "$db" "SELECT reason FROM v_scan_errors WHERE package = 'does-not-exist'")" \
	'No such file or directory' "a missing PATH is recorded"
t_like "$(cat "$T_ERR")" "^parakit scan: '$T_TMP/does-not-exist': cannot open: No such file or directory\$" \
	"a missing PATH: the message names the path and the reason"
t_pk scan --db "$T_TMP/no/such/dir/t.db" "$T_TMP"
t_is "$T_RC" 2 "a database that cannot be created exits 2"
t_like "$(cat "$T_ERR")" "cannot open database '$T_TMP/no/such/dir/t.db'" "and says so"

t_fx_elfs "$T_TMP/fx"
t_pk scan --db "$db" --jobs 1 --json "$T_TMP/fx/plain"
t_is "$T_RC" 0 "a clean scan exits 0"
t_like "$T_OUT" '^\{"db":".*","run_id":[0-9]+,"inputs":1,.*"elf_files":1,"imports":[1-9][0-9]*,"errors":0,' \
	"--json prints the summary on stdout"

t_pk db
t_is "$T_RC" 2 "db without a subcommand exits 2"
t_pk db --help
t_is "$T_RC" 0 "db --help exits 0"
t_like "$T_OUT" '^usage: parakit db merge \[--partial\] OUT.db IN.db' "db --help prints db's usage"
t_pk db frobnicate
t_is "$T_RC" 2 "an unknown db subcommand exits 2"
t_pk db merge "$T_TMP/out.db"
t_is "$T_RC" 2 "db merge without an input exits 2"
t_pk db merge "$T_TMP/out.db" "$T_TMP/missing.db"
t_is "$T_RC" 1 "db merge of a missing database exits 1"
t_like "$(cat "$T_ERR")" "missing.db" "and names it"
echo 'not a database' > "$T_TMP/text.db"
t_pk db merge "$T_TMP/out.db" "$T_TMP/text.db"
t_is "$T_RC" 1 "db merge of a file that is no database exits 1"
t_done
