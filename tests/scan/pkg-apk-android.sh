#!/bin/bash
# Description: an Android .apk (a zip) is read for its native libraries
# under lib/<abi>/: the package is named by the file name, and v_imports
# equals readelf on each library, at its path inside the zip.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 zip as ld

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
t_ok "an x86 (32-bit) library builds" t_fx_asm_so "$fx/libx86.so" i386 read@STUB_1 write
apk=$T_TMP/com.example.fixture.apk
t_ok "the zip builds" t_mk_android_apk "$apk" "$fx/libver.so:/lib/x86_64/libfoo.so" \
	"$fx/libx86.so:/lib/x86/libfoo.so" "$fx/uselib:/assets/uselib"
db=$T_TMP/t.db
t_scan "$db" "$apk"
t_is "$T_RC" 0 "scan of the Android .apk exits 0"
t_is "$(t_sql "$db" 'SELECT name, version, format FROM package')" \
	"com.example.fixture		android" "the package is named by the file name"
{
	t_readelf_imports "$fx/libver.so" "/lib/x86_64/libfoo.so	"
	t_readelf_imports "$fx/libx86.so" "/lib/x86/libfoo.so	"
	t_readelf_imports "$fx/uselib" "/assets/uselib	"
} | sort > "$T_TMP/want"
t_db_imports "$db" "package = 'com.example.fixture'" > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_imports equals readelf on the zip's ELF members"
t_is "$(t_sql "$db" "SELECT kind FROM artifact")" android "the artifact's kind is android"
t_done
