#!/bin/bash
# Description: .rpm files that rpm -K finds damaged (DIGESTS NOT OK): a
# byte of the main header changed (its SHA256 in the signature header no
# longer matches) and the compressed payload changed in its middle, near
# its end and in gzip's CRC (the payload SHA256 digest no longer matches)
# are each recorded in v_scan_errors with the digest that failed, and none
# of them adds anything: the sound package of the same name, version and
# paths, scanned in the same run, keeps its own binaries (issue 15, item 5:
# a corrupt copy replaced the genuine package's binary).
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 rpmbuild rpm perl

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
in=$T_TMP/in
mkdir -p "$in"
t_ok "rpmbuild builds the package" t_mk_rpm "$in/a-good.rpm" fixture-rpm 2.5 7 '' \
	"$fx/plain:/usr/bin/plain" "$fx/libver.so:/usr/lib64/libver.so.1"
t_ok "rpm -K finds it sound" eval "rpm -K '$in/a-good.rpm' >/dev/null"
size=$(stat -c %s "$in/a-good.rpm")
# The payload's offset: the lead, the signature header padded to 8 bytes,
# the main header (each 16 bytes, 16 per index entry, then the store).
payload=$(perl -e 'open F, "<", $ARGV[0]; binmode F; local $/; $d = <F>;
	($n, $s) = unpack("N N", substr($d, 104, 8)); $o = 96 + ((16 + 16 * $n + $s + 7) & ~7);
	($n, $s) = unpack("N N", substr($d, $o + 8, 8)); print $o + 16 + 16 * $n + $s' "$in/a-good.rpm")

# damage NAME OFFSET: a copy with the byte at OFFSET changed.
damage()
{
	cp "$in/a-good.rpm" "$in/$1.rpm"
	printf '\x5a' | dd of="$in/$1.rpm" bs=1 seek="$2" conv=notrunc status=none
	t_ok "$1: rpm -K finds the copy damaged" eval "! rpm -K '$in/$1.rpm' >/dev/null 2>&1"
}
damage header $(($(grep -obUa 'parakit test fixture' "$in/a-good.rpm" | head -1 | cut -d: -f1) + 3))
damage payload-middle $(((payload + size) / 2))
damage payload-end $((size - 100))
damage payload-crc $((size - 7))

db=$T_TMP/t.db
t_scan "$db" "$in"
t_is "$T_RC" 1 "the run exits 1"
t_is "$(t_sql "$db" "SELECT reason FROM scan_error WHERE input = '$in/header.rpm'")" \
	"RPM header SHA256 digest mismatch: the package is corrupt" "the header: its SHA256 digest"
for f in payload-middle payload-end payload-crc; do
	t_is "$(t_sql "$db" "SELECT reason FROM scan_error WHERE input = '$in/$f.rpm'")" \
		"RPM payload SHA256 digest mismatch: the package is corrupt or cut off" "$f: the payload's SHA256 digest"
	t_is "$(grep -c "^parakit scan: '$in/$f.rpm'" "$T_ERR")" 1 "$f: one line on stderr"
done
t_is "$(t_sql "$db" "SELECT count(*) FROM package")" 1 "one package"
t_is "$(t_sql "$db" "SELECT count(*) FROM binary")" 2 "its two binaries, none from a damaged copy"
t_is "$(t_sql "$db" "SELECT count(*) FROM artifact")" 1 "one artifact, the sound one"
{
	t_readelf_imports "$fx/plain" "/usr/bin/plain	"
	t_readelf_imports "$fx/libver.so" "/usr/lib64/libver.so.1	"
} | sort > "$T_TMP/want"
t_db_imports "$db" "package = 'fixture-rpm'" > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_imports equals readelf on the sound package's files"
t_done
