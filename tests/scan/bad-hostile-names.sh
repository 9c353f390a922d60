#!/bin/bash
# Description: hostile names do not crash the scan or reach the terminal:
# an ELF importing symbols whose names hold control characters (escape
# sequences, newlines) and one importing a name of over 1 MiB are each
# recorded in v_scan_errors with a reason; an archive member whose path
# holds an escape sequence and a newline gets one stderr line with '?' in
# their place while the database keeps the path as it is; names with UTF-8
# bytes are fine and read exactly.
. "$(dirname "$0")/../lib/t.sh"
t_require readelf sqlite3 as ld perl tar

in=$T_TMP/in
mkdir -p "$in"
t_ok "fixture with placeholder names builds" t_fx_asm_so "$in/ctl.so" x86_64 read HOSTILE_ESC_0123 HOSTILE_NL_01234
# Same-length substitutions in .dynstr: an ANSI escape, newline, tab, DEL.
perl -0777 -pi -e 's/HOSTILE_ESC_0123/\e[31mred\e[0m!!!!/; s/HOSTILE_NL_01234/a\nb\tc\rd\x7fefghijkl/' "$in/ctl.so"
t_like "$(readelf --dyn-syms -W "$in/ctl.so" | cat -v)" '\^\[\[31mred' "readelf shows the escape sequence"
# Written directly: bash's pattern expansions in t_fx_asm_so are slow on a
# megabyte-long word.
{
	echo '.data'
	echo '.quad write'
	printf '.quad '
	head -c $((1100 * 1024)) /dev/zero | tr '\0' A
	echo
} > "$T_TMP/huge.s"
t_ok "fixture with a 1.1 MiB name builds" \
	bash -c 'as --64 -o "$1.o" "$1" && ld -shared -o "$2" "$1.o"' _ "$T_TMP/huge.s" "$in/huge.so"
t_ok "fixture with UTF-8 names builds" t_fx_asm_so "$in/utf8.so" x86_64 "caf"$'\xc3\xa9'"_open" "$(printf 'd\xc3\xa9j\xc3\xa0_vu')"
rm -f "$in"/*.stub.so
t_ok "a normal fixture builds" t_fx_asm_so "$in/good.so" x86_64 read@STUB_1 close
rm -f "$in"/*.stub.so
evil=$'evil\e[2J\nname.so'
mkdir -p "$T_TMP/tar/usr/lib"
head -c 2000 "$in/good.so" > "$T_TMP/tar/usr/lib/$evil"
t_ok "tarball with a hostile member path builds" tar -C "$T_TMP/tar" -czf "$in/evil.tar.gz" usr

db=$T_TMP/t.db
t_scan "$db" "$in"
t_is "$T_RC" 1 "the run exits 1"
{
	t_readelf_imports "$in/good.so" "$in/good.so	"
	t_readelf_imports "$in/utf8.so" "$in/utf8.so	"
} | sort > "$T_TMP/want"
t_db_imports "$db" 1 > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "the good and UTF-8 files are read exactly, the hostile ones add nothing"
t_like "$(t_sql "$db" "SELECT reason FROM v_scan_errors WHERE member_path = '$in/ctl.so'")" \
	"control characters" "control characters: recorded with a reason"
t_like "$(t_sql "$db" "SELECT reason FROM v_scan_errors WHERE member_path = '$in/huge.so'")" \
	"longer than" "a 1.1 MiB name: recorded with a reason"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_scan_errors WHERE package = 'evil' AND member_path = '/usr/lib/$evil'")" 1 \
	"the hostile member path is kept as it is in the database"
t_is "$(grep -c . "$T_ERR")" "$(($(grep -c '^parakit scan: ' "$T_ERR") + 6))" \
	"every stderr line is a parakit message or the summary (no newline from a name)"
t_ok "no escape character reaches stderr" bash -c '! grep -q $'"'"'\e'"'"' "$1"' _ "$T_ERR"
t_ok "the hostile member's line has '?' in place of the control characters" \
	grep -q "^parakit scan: '$in/evil.tar.gz' member '/usr/lib/evil?\[2J?name.so': " "$T_ERR"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_scan_errors")" 3 "three errors, no more"
t_done
