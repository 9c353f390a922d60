#!/bin/bash
# Description: a command that only reads does not migrate: on a database
# an older parakit made (schema version 5, before src's and port's
# tables), report, db summary and db merge (for an input) exit 1, say to
# run 'parakit db migrate', and leave the file byte for byte as it was;
# after 'parakit db migrate' they read it.
. "$(dirname "$0")/../lib/t.sh"
t_require sqlite3 sha256sum gnuplot

root=$(cd "$(dirname "$0")/../.." && pwd)
old=$T_TMP/old.db
# What a parakit with migrations 001 to 005 made.
cat "$root"/db/migrations/00[1-5]-*.sql | sqlite3 -batch "$old"
sqlite3 -batch "$old" "PRAGMA journal_mode = WAL; PRAGMA user_version = 5" > /dev/null
newest=$(ls "$root"/db/migrations/*.sql | sed -n '$s|.*/0*\([0-9]*\)-.*|\1|p')
t_ok "this parakit's schema is newer than 5 ($newest)" test "$newest" -gt 5
sum=$(sha256sum < "$old")

advice="^parakit [a-z]+: cannot open database '$old': schema version 5 is older than this parakit's \\($newest\\): run 'parakit db migrate $old'\$"
t_pk report --db "$old" --out "$T_TMP/out"
t_is "$T_RC" 1 "report exits 1"
t_like "$(cat "$T_ERR")" "$advice" "... and says to migrate"
t_ok "... writing no report" test ! -e "$T_TMP/out"
t_pk db summary "$old"
t_is "$T_RC" 1 "db summary exits 1"
t_like "$(cat "$T_ERR")" "$advice" "... and says to migrate"
t_pk db merge "$T_TMP/merged.db" "$old"
t_is "$T_RC" 1 "db merge of it exits 1"
t_like "$(cat "$T_ERR")" "$advice" "... and says to migrate"
t_is "$(sha256sum < "$old")" "$sum" "the database is byte for byte as it was"
t_is "$(t_sql "$old" "PRAGMA user_version")" 5 "... still at version 5"

t_pk db migrate "$old"
t_is "$T_RC" 0 "db migrate brings it to this parakit's schema"
t_is "$(t_sql "$old" "PRAGMA user_version")" "$newest" "... version $newest"
t_pk db summary "$old"
t_is "$T_RC" 0 "db summary reads it then"
t_pk report --db "$old" --out "$T_TMP/out"
t_is "$T_RC" 0 "report too"
t_done
