#!/bin/bash
# Description: --files-from LIST reads the PATHs to scan from a file, one a
# line ('-': standard input), blank lines skipped, with or without PATHs on
# the command line; what it reads equals the same PATHs given as
# arguments, and a line naming no file is recorded as an error. The
# recipes of contrib/ give their inputs so, and nothing else (issue 19).
. "$(dirname "$0")/../lib/t.sh"
t_require gcc sqlite3

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
printf '%s\n' "$fx/plain" '' "$fx/uselib" > "$T_TMP/list"

t_scan "$T_TMP/args.db" "$fx/plain" "$fx/uselib"
t_is "$T_RC" 0 "two PATHs as arguments"
t_scan "$T_TMP/list.db" --files-from "$T_TMP/list"
t_is "$T_RC" 0 "--files-from alone exits 0"
t_scan "$T_TMP/stdin.db" --files-from - < "$T_TMP/list"
t_is "$T_RC" 0 "--files-from - exits 0"
t_scan "$T_TMP/both.db" --files-from - "$fx/libver.so" < "$T_TMP/list"
t_is "$T_RC" 0 "--files-from with a PATH beside it exits 0"

imports() { t_sorted_rows "$1" "SELECT member_path, symbol, coalesce(symbol_version, '') FROM v_imports"; }
imports "$T_TMP/args.db" > "$T_TMP/want"
imports "$T_TMP/list.db" > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "--files-from LIST reads what the arguments name"
imports "$T_TMP/stdin.db" > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "--files-from - reads the same"
t_is "$(t_sql "$T_TMP/both.db" "SELECT count(*) FROM artifact")" 3 "the list and the PATH are both read"

t_scan "$T_TMP/none.db" --files-from - <<< "$T_TMP/none"
t_is "$T_RC" 1 "a listed path that is not there: exit 1"
t_like "$(t_sql "$T_TMP/none.db" "SELECT member_path || ' ' || reason FROM scan_error")" "cannot open: No such file" \
	"it is recorded as an error"
t_pk scan --db "$T_TMP/x.db" --files-from "$T_TMP/no-list"
t_is "$T_RC" 2 "a list that cannot be read: exit 2"
t_done
