#!/bin/bash
# Description: what a binary row says about each ELF is right: type,
# interpreter, static or dynamic (static executable, static PIE, dynamic
# PIE, shared library), SONAME, DT_NEEDED in order, and the exports with
# their versions (name@@VER default, name@VER hidden) equal readelf's.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
echo 'int main(void) { return 0; }' > "$T_TMP/s.c"
t_ok "static executable builds" gcc -static -o "$fx/static" "$T_TMP/s.c"
t_ok "static PIE builds" gcc -static-pie -o "$fx/static-pie" "$T_TMP/s.c"
db=$T_TMP/t.db
t_scan "$db" "$fx"
t_is "$T_RC" 0 "scan exits 0"

facts()
{
	t_sql "$db" "SELECT b.elf_type, b.static, coalesce(b.interp, '-'), coalesce(b.soname, '-')
		     FROM binary b JOIN file f ON f.binary_id = b.id WHERE f.path = '$fx/$1'"
}
interp=$(readelf -l -W "$fx/plain" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
t_like "$interp" '^/lib' "readelf finds plain's interpreter"
t_is "$(facts plain)" "DYN	0	$interp	-" "dynamic PIE: DYN, dynamic, interpreter"
t_is "$(facts static)" "EXEC	1	-	-" "static executable: EXEC, static, no interpreter"
t_is "$(facts static-pie)" "DYN	1	-	-" "static PIE: DYN, static, no interpreter"
t_is "$(facts libver.so)" "DYN	0	-	libver.so.1" "shared library: SONAME, not static"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_imports WHERE member_path = '$fx/static'")" 0 \
	"a static executable imports nothing"

for f in plain uselib libver.so fortify; do
	readelf -d -W "$fx/$f" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]$/\1/p' > "$T_TMP/want"
	t_sql "$db" "SELECT lib FROM needed n JOIN file f ON f.binary_id = n.binary_id
		     WHERE f.path = '$fx/$f' ORDER BY seq" > "$T_TMP/got"
	t_cmp "$T_TMP/got" "$T_TMP/want" "$f: DT_NEEDED in order"
done

for f in libver.so static-pie plain; do
	t_readelf_exports "$fx/$f" > "$T_TMP/want"
	t_sql "$db" "SELECT symbol, coalesce(symbol_version, ''), is_default FROM v_exports
		     WHERE member_path = '$fx/$f'" | sort > "$T_TMP/got"
	if [ -s "$T_TMP/want" ]; then
		t_cmp "$T_TMP/got" "$T_TMP/want" "$f: v_exports equals readelf"
	else
		t_is "$(wc -l < "$T_TMP/got")" 0 "$f: no exports, as readelf says"
	fi
done
t_is "$(t_sql "$db" "SELECT symbol_version || ' ' || is_default FROM v_exports
		      WHERE member_path = '$fx/libver.so' AND symbol IN ('ver_new', 'ver_old') ORDER BY symbol")" \
	"$(printf 'VER_2 1\nVER_1 0')" "ver_new@@VER_2 is the default version, ver_old@VER_1 is not"
t_done
