#!/bin/bash
# Description: a package read sound, then damaged in place (a .tar.gz with
# a member byte altered under gzip's CRC, an .rpm whose payload fails its
# digest) and scanned again: the second run records the damage and exits
# 1, and the rows the sound copy left (artifact, package, files, imports)
# stay as they were; a damaged copy never replaces a good one (issue 15,
# item 5). With the sound copies back, a third run finds them unchanged.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 rpmbuild perl tar

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
root=$T_TMP/root
t_fx_stage "$root" "$fx/uselib:/usr/bin/uselib" "$fx/plain:/usr/bin/plain"
in=$T_TMP/in
mkdir -p "$in" "$T_TMP/good" "$T_TMP/bad"
# Stored deflate blocks: a byte of the file is a byte of the tar.
(cd "$root" && tar -cf - usr) | perl -MIO::Compress::Gzip=gzip,\$GzipError -e \
	'gzip "-" => "-", Minimal => 1, -Level => 0 or die $GzipError' > "$T_TMP/good/tool.tar.gz"
t_ok "rpmbuild builds the package" t_mk_rpm "$T_TMP/good/pkg.rpm" fixture-rpm 2.5 7 '' \
	"$fx/plain:/usr/bin/plain" "$fx/libver.so:/usr/lib64/libver.so.1"
cp "$T_TMP/good/"* "$T_TMP/bad/"
off=$(grep -obUa ver_new "$T_TMP/bad/tool.tar.gz" | head -1 | cut -d: -f1)
printf 'W' | dd of="$T_TMP/bad/tool.tar.gz" bs=1 seek=$((off + 6)) conv=notrunc status=none
size=$(stat -c %s "$T_TMP/bad/pkg.rpm")
printf '\x5a\xa5' | dd of="$T_TMP/bad/pkg.rpm" bs=1 seek=$((size - 100)) conv=notrunc status=none

rows()
{
	t_sql "$db" "SELECT path, kind, size, hash, errors FROM artifact ORDER BY path"
	t_sql "$db" "SELECT key, name, version FROM package ORDER BY key"
	t_sql "$db" "SELECT p.key, f.path, b.hash FROM file f JOIN package p ON p.id = f.package_id
		     JOIN binary b ON b.id = f.binary_id ORDER BY 1, 2"
	t_sql "$db" "SELECT package, member_path, symbol, coalesce(symbol_version, '') FROM v_imports ORDER BY 1, 2, 3, 4"
}

db=$T_TMP/t.db
cp "$T_TMP/good/"* "$in/"
t_scan "$db" "$in"
t_is "$T_RC" 0 "the sound copies: exit 0"
rows > "$T_TMP/rows-good"
{
	t_readelf_imports "$fx/uselib" "tool	/usr/bin/uselib	"
	t_readelf_imports "$fx/plain" "tool	/usr/bin/plain	"
	t_readelf_imports "$fx/plain" "fixture-rpm	/usr/bin/plain	"
	t_readelf_imports "$fx/libver.so" "fixture-rpm	/usr/lib64/libver.so.1	"
} | sort > "$T_TMP/want"
t_sql "$db" "SELECT package, member_path, symbol, coalesce(symbol_version, '') FROM v_imports" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_imports equals readelf on the sound copies"

cp "$T_TMP/bad/"* "$in/"
t_scan "$db" "$in"
t_is "$T_RC" 1 "the damaged copies at the same paths: exit 1"
t_like "$(t_sql "$db" "SELECT reason FROM scan_error WHERE input = '$in/tool.tar.gz'")" \
	'gzip data corrupt: incorrect data check$' "the .tar.gz: gzip's CRC"
t_is "$(t_sql "$db" "SELECT reason FROM scan_error WHERE input = '$in/pkg.rpm'")" \
	"RPM payload SHA256 digest mismatch: the package is corrupt or cut off" "the .rpm: its payload digest"
rows > "$T_TMP/rows-after"
t_cmp "$T_TMP/rows-after" "$T_TMP/rows-good" "the sound copies' rows are untouched"

cp "$T_TMP/good/"* "$in/"
t_scan "$db" --json "$in"
t_is "$T_RC" 0 "the sound copies back: exit 0"
t_like "$T_OUT" '"inputs":0,"unchanged":2,' "both found unchanged, nothing read again"
t_done
