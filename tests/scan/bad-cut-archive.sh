#!/bin/bash
# Description: archives cut off mid-stream (.deb inside its data.tar.xz,
# .deb inside the ar header, .rpm inside its header and inside its
# payload, .tar.gz, .tar.xz, .tar.zst, Alpine .apk, Android .apk) are each
# recorded in v_scan_errors with libarchive's or parakit's reason and one
# line on stderr; the complete package beside them is read and the run
# exits 1. A member that is a corrupt ELF inside a sound archive is an
# error of that member, and the archive's other members are still read.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 dpkg-deb rpmbuild zip xz zstd

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
# Incompressible filler, so that cutting an archive in half cuts its data.
head -c 300000 /dev/urandom > "$T_TMP/blob"
files=("$fx/uselib:/usr/bin/uselib" "$T_TMP/blob:/usr/share/blob" "$fx/plain:/usr/bin/plain")
src=$T_TMP/src
in=$T_TMP/in
mkdir -p "$src" "$in"
t_ok "good .deb builds" t_mk_deb "$in/good_1_amd64.deb" good 1 '' '' "${files[@]}"
t_ok ".deb builds" t_mk_deb "$src/cut.deb" cut 1 '' '' "${files[@]}"
t_ok ".rpm builds" t_mk_rpm "$src/cut.rpm" cut 1 1 '' "${files[@]}"
t_ok "tarballs build" t_mk_tar "$src/cut.tar.gz" "${files[@]}"
t_mk_tar "$src/cut.tar.xz" "${files[@]}"
t_mk_tar "$src/cut.tar.zst" "${files[@]}"
t_ok "Alpine .apk builds" t_mk_alpine_apk "$src/cut-alpine.apk" cut 1 '' "${files[@]}"
t_ok "Android .apk builds" t_mk_android_apk "$src/cut-android.apk" "$fx/uselib:/lib/x86_64/libu.so" \
	"$T_TMP/blob:/assets/blob" "$fx/plain:/lib/x86_64/libp.so"

cut_half() { local s; s=$(stat -c %s "$src/$1"); head -c $((s / 2)) "$src/$1" > "$in/$2"; }
cut_half cut.deb cut-half.deb
head -c 100 "$src/cut.deb" > "$in/cut-in-ar-header.deb"
head -c 300 "$src/cut.rpm" > "$in/cut-in-header.rpm"
cut_half cut.rpm cut-half.rpm
cut_half cut.tar.gz cut-half.tar.gz
cut_half cut.tar.xz cut-half.tar.xz
cut_half cut.tar.zst cut-half.tar.zst
cut_half cut-alpine.apk cut-half-alpine.apk
cut_half cut-android.apk cut-half-android.apk
nbad=$(($(ls "$in" | wc -l) - 1))

# A sound .deb whose middle member is a truncated ELF.
head -c 3000 "$fx/plain" > "$T_TMP/trunc-elf"
t_ok ".deb with a truncated ELF member builds" t_mk_deb "$in/badmember_1_amd64.deb" badmember 1 '' '' \
	"$fx/uselib:/usr/bin/a-uselib" "$T_TMP/trunc-elf:/usr/bin/b-broken" "$fx/libver.so:/usr/lib/c-libver.so"

db=$T_TMP/t.db
t_scan "$db" "$in"
t_is "$T_RC" 1 "the run exits 1"
{
	t_readelf_imports "$fx/uselib" "good	/usr/bin/uselib	"
	t_readelf_imports "$fx/plain" "good	/usr/bin/plain	"
	t_readelf_imports "$fx/uselib" "badmember	/usr/bin/a-uselib	"
	t_readelf_imports "$fx/libver.so" "badmember	/usr/lib/c-libver.so	"
} | sort > "$T_TMP/want"
t_sql "$db" "SELECT package, member_path, symbol, coalesce(symbol_version, '') FROM v_imports
	     WHERE package IN ('good', 'badmember')" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "the sound packages are read, around the bad member too"
for f in $(ls "$in" | grep '^cut'); do
	reason=$(t_sql "$db" "SELECT group_concat(reason, ' / ') FROM scan_error WHERE input = '$in/$f'")
	t_like "$reason" '(cut off|corrupt|truncated|Truncated|unexpected end|cannot read|not an?|RPM header)' \
		"$f: recorded with a reason ($reason)"
	t_ok "$f: a line on stderr" grep -q "^parakit scan: '$in/$f'" "$T_ERR"
done
t_is "$(t_sql "$db" "SELECT count(DISTINCT input) FROM scan_error WHERE input LIKE '%/cut%'")" "$nbad" \
	"every cut archive has an error"
t_is "$(t_sql "$db" "SELECT member_path || ': ' || reason FROM v_scan_errors WHERE package = 'badmember'")" \
	"/usr/bin/b-broken: cannot read ELF: section header table outside the file" \
	"the truncated member is an error of that member, with libelf's reason"
t_is "$(t_sql "$db" "SELECT errors FROM v_scan_runs")" "$((nbad + 1))" "v_scan_runs counts the errors"
t_done
