#!/bin/bash
# Description: an Alpine .apk (gzip'd tar segments, .PKGINFO in the first)
# is read as a package: pkgname, pkgver and arch from .PKGINFO, each
# "depend" in package_dep, and v_imports equals readelf on its ELF files.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 tar gzip

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
apk=$T_TMP/fixture-alpine-3.1-r2.apk
t_ok "the .apk builds" t_mk_alpine_apk "$apk" fixture-alpine 3.1-r2 "musl so:libc.musl-x86_64.so.1" \
	"$fx/fortify:/usr/bin/fortify" "$fx/libver.so:/usr/lib/libver.so.1"
db=$T_TMP/t.db
t_scan "$db" "$apk"
t_is "$T_RC" 0 "scan of the .apk exits 0"
t_is "$(t_sql "$db" 'SELECT name, version, arch, format FROM package')" \
	"fixture-alpine	3.1-r2	x86_64	apk" "one package, from .PKGINFO"
{
	t_readelf_imports "$fx/fortify" "/usr/bin/fortify	"
	t_readelf_imports "$fx/libver.so" "/usr/lib/libver.so.1	"
} | sort > "$T_TMP/want"
t_db_imports "$db" "package = 'fixture-alpine' AND version = '3.1-r2'" > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_imports equals readelf on the members"
t_is "$(t_sql "$db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM package_dep ORDER BY alt)")" \
	"musl so:libc.musl-x86_64.so.1" "each depend line is a dependency"
t_is "$(t_sql "$db" "SELECT count(*) FROM file WHERE path = '/.PKGINFO'")" 0 ".PKGINFO is metadata, not a file"
t_done
