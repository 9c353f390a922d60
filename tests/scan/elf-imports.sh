#!/bin/bash
# Description: v_imports lists exactly what readelf --dyn-syms shows as
# undefined for compiled fixtures: fortified calls (-D_FORTIFY_SOURCE=2
# -O2), 64-bit file offsets, imports bound to versions of a shared library
# built with a version script, weak imports, unversioned imports; one row
# per binary per symbol, name before the '@', version after it.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
db=$T_TMP/t.db
t_scan "$db" "$fx"
t_is "$T_RC" 0 "scan of clean fixtures exits 0"
t_is "$(t_sql "$db" 'SELECT count(*) FROM v_scan_errors')" 0 "no scan errors"
t_is "$(t_sql "$db" 'SELECT count(DISTINCT member_path) FROM v_imports')" 4 "four binaries with imports"

for f in fortify libver.so uselib plain; do
	t_readelf_imports "$fx/$f" "$fx/$f	" > "$T_TMP/want"
	t_db_imports "$db" "member_path = '$fx/$f'" > "$T_TMP/got"
	t_cmp "$T_TMP/got" "$T_TMP/want" "$f: v_imports equals readelf"
	t_is "$(t_sql "$db" "SELECT DISTINCT package FROM v_imports WHERE member_path = '$fx/$f'")" \
		"$f" "$f: a loose file's package is its file name"
done

# The whole view at once: no row for a path that readelf did not list.
for f in fortify libver.so uselib plain; do
	t_readelf_imports "$fx/$f" "$fx/$f	"
done | sort > "$T_TMP/want"
t_db_imports "$db" 1 > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "all of v_imports equals readelf on all fixtures"

t_like "$(t_db_imports "$db" "member_path = '$fx/fortify'")" "__printf_chk	GLIBC_" "fortify imports __printf_chk"
t_like "$(t_db_imports "$db" "member_path = '$fx/fortify'")" "open64	GLIBC_" "fortify imports open64"
t_is "$(t_sql "$db" "SELECT symbol_version FROM v_imports WHERE member_path = '$fx/uselib' AND symbol = 'ver_new'")" \
	VER_2 "uselib imports ver_new@VER_2 from the versioned library"
t_is "$(t_sql "$db" "SELECT coalesce(symbol_version, 'NULL') FROM v_imports WHERE member_path = '$fx/libver.so' AND symbol = 'weak_hook'")" \
	NULL "an unversioned import has a NULL version"
t_is "$(t_sql "$db" "SELECT i.weak FROM import i JOIN symbol s ON s.id = i.symbol_id
		      JOIN file f ON f.binary_id = i.binary_id
		      WHERE f.path = '$fx/libver.so' AND s.name IN ('weak_hook', 'puts') ORDER BY s.name")" \
	"$(printf '0\n1')" "puts is a strong import, weak_hook a weak one"
t_done
