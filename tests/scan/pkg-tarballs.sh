#!/bin/bash
# Description: .tar, .tar.gz, .tar.xz and .tar.zst archives are streamed:
# each is a package named by its file name, and v_imports equals readelf
# on its ELF members; non-ELF members are not files.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 tar gzip xz zstd

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
echo hello > "$T_TMP/notes.txt"
mkdir -p "$T_TMP/in"
for c in tar tar.gz tar.xz tar.zst; do
	t_ok "$c builds" t_mk_tar "$T_TMP/in/bundle-$c.$c" "$fx/uselib:/opt/b/bin/uselib" \
		"$fx/libver.so:/opt/b/lib/libver.so.1" "$T_TMP/notes.txt:/opt/b/notes.txt"
done
db=$T_TMP/t.db
t_scan "$db" "$T_TMP/in"
t_is "$T_RC" 0 "scan of the tarballs exits 0"
for c in tar tar.gz tar.xz tar.zst; do
	{
		t_readelf_imports "$fx/uselib" "/opt/b/bin/uselib	"
		t_readelf_imports "$fx/libver.so" "/opt/b/lib/libver.so.1	"
	} | sort > "$T_TMP/want"
	t_db_imports "$db" "package = 'bundle-$c'" > "$T_TMP/got"
	t_cmp "$T_TMP/got" "$T_TMP/want" "$c: v_imports equals readelf"
done
t_is "$(t_sql "$db" "SELECT group_concat(format, ' ') FROM (SELECT DISTINCT format FROM package)")" tar \
	"tarballs are packages of format tar"
t_is "$(t_sql "$db" "SELECT count(*) FROM file")" 8 "two ELF files in each of four tarballs"
t_is "$(t_sql "$db" "SELECT count(*) FROM binary")" 2 "each content stored once"
t_done
