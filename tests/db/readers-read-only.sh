#!/bin/bash
# Description: the commands that only read a database (report, db summary,
# and db merge for its inputs) open it read-only: they neither switch its
# journal to WAL nor write anything, so the file stays byte for byte as it
# was, and they work on a database in a directory the user may not write.
# Permissions do not stop root, so as root they run as nobody (setpriv),
# and the test checks that nobody really cannot write there.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc sqlite3 sha256sum gnuplot

t_ok "fixtures build" t_fx_elfs "$T_TMP/fx"
t_scan "$T_TMP/made.db" "$T_TMP/fx/plain" "$T_TMP/fx/uselib"
t_is "$T_RC" 0 "a database is made"
summary=$("$PARAKIT" db summary "$T_TMP/made.db" | sed 1d)

# A parakit database in rollback-journal mode, as a copy tool or an older
# parakit may leave it: a writer's open switches it to WAL, a reader's not.
cp "$T_TMP/made.db" "$T_TMP/delete.db"
sqlite3 -batch "$T_TMP/delete.db" "PRAGMA journal_mode = DELETE" > /dev/null
sum=$(sha256sum < "$T_TMP/delete.db")
t_pk db summary "$T_TMP/delete.db"
t_is "$T_RC" 0 "db summary exits 0"
t_pk report --db "$T_TMP/delete.db" --out "$T_TMP/out-delete"
t_is "$T_RC" 0 "report exits 0"
t_pk db merge "$T_TMP/merged-delete.db" "$T_TMP/delete.db"
t_is "$T_RC" 0 "db merge exits 0"
t_is "$(sha256sum < "$T_TMP/delete.db")" "$sum" "the database is byte for byte as it was"
t_is "$(t_sql "$T_TMP/delete.db" "PRAGMA journal_mode")" delete "... still in rollback-journal mode"

as_user=()
if [ "$(id -u)" -eq 0 ]; then
	t_require setpriv
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	chmod 755 "$T_TMP"
	# The checkout may sit where nobody cannot reach it.
	mkdir -p "$T_TMP/bin"
	cp "$PARAKIT" "$T_TMP/bin/parakit"
	PARAKIT=$T_TMP/bin/parakit
fi
t_ok "parakit runs as the reader" bash -c '"$@" > /dev/null' _ "${as_user[@]}" "$PARAKIT" --version
t_is "$(t_sql "$T_TMP/made.db" "PRAGMA journal_mode")" wal "the database is in WAL mode (a reader needs a -shm file)"
ro=$T_TMP/ro
out=$T_TMP/out
mkdir -p "$ro" "$out"
cp "$T_TMP/made.db" "$ro/p.db"
chmod 644 "$ro/p.db"
chmod 555 "$ro"
chmod 777 "$out"
t_ok "the reader cannot write the database's directory" \
	bash -c '! "$@" 2>/dev/null' _ "${as_user[@]}" touch "$ro/probe"
sum=$(sha256sum < "$ro/p.db")

self=$PARAKIT
if [ ${#as_user[@]} -gt 0 ]; then
	printf '#!/bin/sh\nexec %s "%s" "$@"\n' "${as_user[*]}" "$self" > "$T_TMP/bin/as-reader"
	chmod 755 "$T_TMP/bin/as-reader"
	PARAKIT=$T_TMP/bin/as-reader
fi
t_pk db summary "$ro/p.db"
t_is "$T_RC" 0 "db summary exits 0"
t_is "$(sed 1d <<<"$T_OUT")" "$summary" "... and prints what the database holds"
t_pk report --db "$ro/p.db" --out "$out/report"
t_is "$T_RC" 0 "report exits 0"
t_ok "... and writes the page" test -s "$out/report/index.html"
t_pk db merge "$out/merged.db" "$ro/p.db"
t_is "$T_RC" 0 "db merge reads it as an input"
PARAKIT=$self
t_is "$(sha256sum < "$ro/p.db")" "$sum" "the database is byte for byte as it was"
t_is "$(ls -A "$ro")" p.db "nothing was created beside it"
t_is "$(t_sql "$out/merged.db" "SELECT count(*) FROM v_imports")" \
	"$(t_sql "$T_TMP/made.db" "SELECT count(*) FROM v_imports")" "the merge holds all of it"
t_done
