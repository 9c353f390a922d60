#!/bin/bash
# Description: parakit marks its databases: PRAGMA application_id is
# 0x504b4954 ("PKIT" at offset 68 of the file) in a database parakit
# creates (db migrate, scan). A database made by a parakit from before the
# id (no id, parakit's schema) is adopted: a command that reads leaves it
# as it was, the first that writes (scan) sets the id and keeps its rows.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc sqlite3 sha256sum od

pkit=$((0x504b4954))
header_id()
{
	od -An -c -j68 -N4 "$1" | tr -d ' '
}

t_pk db migrate "$T_TMP/new.db"
t_is "$T_RC" 0 "db migrate makes a database"
t_is "$(t_sql "$T_TMP/new.db" "PRAGMA application_id")" "$pkit" "its application_id is parakit's"
t_is "$(header_id "$T_TMP/new.db")" PKIT "the header says PKIT at offset 68"

t_ok "fixtures build" t_fx_elfs "$T_TMP/fx"
t_scan "$T_TMP/scan.db" "$T_TMP/fx/plain"
t_is "$T_RC" 0 "scan makes a database"
t_is "$(t_sql "$T_TMP/scan.db" "PRAGMA application_id")" "$pkit" "a database scan made is marked too"

# What a parakit from before the id left: the same schema, id 0.
old=$T_TMP/old.db
cp "$T_TMP/scan.db" "$old"
sqlite3 -batch "$old" "PRAGMA application_id = 0"
sum=$(sha256sum < "$old")
t_pk db summary "$old"
t_is "$T_RC" 0 "db summary reads a database from before the id"
t_like "$T_OUT" ': 1 packages with ELF files' "... and what it holds"
t_is "$(sha256sum < "$old")" "$sum" "... leaving it byte for byte as it was"
t_scan "$old" "$T_TMP/fx/uselib"
t_is "$T_RC" 0 "scan writes to it"
t_is "$(t_sql "$old" "PRAGMA application_id")" "$pkit" "... and sets the id"
t_is "$(t_sql "$old" "SELECT group_concat(package, ' ') FROM (SELECT DISTINCT package FROM v_imports ORDER BY 1)")" \
	"plain uselib" "... keeping what the database held"
t_done
