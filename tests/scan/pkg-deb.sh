#!/bin/bash
# Description: a .deb built with dpkg-deb is streamed (control.tar and
# data.tar.xz inside the ar container): the package name, version and
# architecture come from its control file, Depends and Pre-Depends land in
# package_dep (alternatives share an alt number, versions kept), and
# v_imports equals readelf on each ELF member, at its installed path.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 dpkg-deb

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
echo 'not an ELF file' > "$T_TMP/README"
deb=$T_TMP/pool/fixture-tools_1.2-3_amd64.deb
mkdir -p "$T_TMP/pool"
t_ok "dpkg-deb builds the package" t_mk_deb "$deb" fixture-tools 1:1.2-3 \
	'libc6 (>= 2.34), libfoo1 | libbar2 (<< 2.0), libbaz:any' 'dpkg (>= 1.15)' \
	"$fx/fortify:/usr/bin/fortify" "$fx/libver.so:/usr/lib/x86_64-linux-gnu/libver.so.1" \
	"$fx/uselib:/usr/libexec/fixture/uselib" "$T_TMP/README:/usr/share/doc/fixture-tools/README"
db=$T_TMP/t.db
t_scan "$db" "$T_TMP/pool"
t_is "$T_RC" 0 "scan of the .deb exits 0"
t_is "$(t_sql "$db" 'SELECT name, version, arch, format FROM package')" \
	"fixture-tools	1:1.2-3	amd64	deb" "one package, named by its control file"

{
	t_readelf_imports "$fx/fortify" "/usr/bin/fortify	"
	t_readelf_imports "$fx/libver.so" "/usr/lib/x86_64-linux-gnu/libver.so.1	"
	t_readelf_imports "$fx/uselib" "/usr/libexec/fixture/uselib	"
} | sort > "$T_TMP/want"
t_db_imports "$db" "package = 'fixture-tools' AND version = '1:1.2-3'" > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_imports equals readelf on the members, at their installed paths"
t_is "$(t_sql "$db" "SELECT count(*) FROM file")" 3 "three ELF members recorded, the README is not"

t_sql "$db" "SELECT kind, alt, name, coalesce(version, '-') FROM package_dep ORDER BY kind, alt, name" > "$T_TMP/got"
cat > "$T_TMP/want" <<'EOF2'
Depends	0	libc6	>= 2.34
Depends	1	libbar2	<< 2.0
Depends	1	libfoo1	-
Depends	2	libbaz	-
Pre-Depends	0	dpkg	>= 1.15
EOF2
t_cmp "$T_TMP/got" "$T_TMP/want" "Depends and Pre-Depends, alternatives grouped"
t_is "$(t_sql "$db" "SELECT kind || ' ' || size FROM artifact")" "deb $(stat -c %s "$deb")" \
	"the artifact is a deb, with its size"
t_like "$(t_sql "$db" "SELECT path FROM artifact")" "/pool/fixture-tools_1.2-3_amd64.deb\$" "the artifact's path is the .deb"

# A .deb named otherwise is still one by its magic.
cp "$deb" "$T_TMP/pool/renamed.bin"
t_scan "$db" "$T_TMP/pool/renamed.bin"
t_is "$T_RC" 0 "a .deb without the suffix scans by its magic"
t_is "$(t_sql "$db" "SELECT count(*) FROM package")" 1 "the same package in two archives is stored once"
t_done
