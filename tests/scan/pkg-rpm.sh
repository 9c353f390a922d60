#!/bin/bash
# Description: an .rpm built with rpmbuild: name, epoch:version-release and
# arch come from the RPM header (parsed by parakit, libarchive gives only
# the payload), Requires land in package_dep (rpmlib() features dropped),
# and v_imports equals readelf on each ELF in the cpio payload.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 rpmbuild

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
rpm=$T_TMP/fixture-rpm.x86_64.rpm
t_ok "rpmbuild builds the package" t_mk_rpm "$rpm" fixture-rpm 2.5 7 'glibc >= 2.34, libver' \
	"$fx/plain:/usr/bin/plain" "$fx/libver.so:/usr/lib64/libver.so.1"
db=$T_TMP/t.db
t_scan "$db" "$rpm"
t_is "$T_RC" 0 "scan of the .rpm exits 0"
t_is "$(t_sql "$db" 'SELECT name, version, arch, format FROM package')" \
	"fixture-rpm	2.5-7	x86_64	rpm" "one package, from the RPM header"
{
	t_readelf_imports "$fx/plain" "/usr/bin/plain	"
	t_readelf_imports "$fx/libver.so" "/usr/lib64/libver.so.1	"
} | sort > "$T_TMP/want"
t_db_imports "$db" "package = 'fixture-rpm'" > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_imports equals readelf on the payload's ELF files"
t_is "$(t_sql "$db" "SELECT group_concat(name || ' ' || coalesce(version, '-'), ', ') FROM
		      (SELECT * FROM package_dep WHERE kind = 'Requires' ORDER BY name)")" \
	"glibc >= 2.34, libver -" "Requires from the header with their comparison, rpmlib() dropped"

# Epoch: epoch:version-release.
t_ok "rpmbuild builds a package with an epoch" t_mk_rpm "$T_TMP/e.rpm" fixture-epoch 4:1.0 1 \
	'libver = 1.0-1, other < 3, plain-dep' "$fx/uselib:/usr/bin/uselib"
t_scan "$db" "$T_TMP/e.rpm"
t_is "$T_RC" 0 "scan of the second .rpm exits 0"
t_is "$(t_sql "$db" "SELECT version FROM package WHERE name = 'fixture-epoch'")" "4:1.0-1" "epoch:version-release"
t_is "$(t_sql "$db" "SELECT group_concat(d.name || ' ' || coalesce(d.version, '-'), ', ') FROM
		      (SELECT * FROM package_dep d JOIN package p ON p.id = d.package_id
		       WHERE p.name = 'fixture-epoch' ORDER BY d.name) d")" \
	"libver = 1.0-1, other < 3, plain-dep -" "Requires with =, < and no version"
t_readelf_imports "$fx/uselib" "/usr/bin/uselib	" > "$T_TMP/want"
t_db_imports "$db" "package = 'fixture-epoch'" > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_imports equals readelf on the second package"
t_done
