#!/bin/bash
# Description: an .rpm whose gzip'd payload is damaged (in its middle, near
# its end, in gzip's CRC, cut short) and which carries no digest to check
# it against (the digest tags renamed away, as in a package older than
# rpm 4.14 with its MD5 gone) is recorded with the real reason, what the
# decompressor found ("gzip data corrupt: ...", "gzip data cut off"), never
# "archive cut off or corrupt: (null)" (issue 15, item 9); none of its
# members is stored.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc sqlite3 rpmbuild perl

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
in=$T_TMP/in
mkdir -p "$in"
t_ok "rpmbuild builds the package" t_mk_rpm "$T_TMP/p.rpm" fixture-rpm 2.5 7 '' \
	"$fx/plain:/usr/bin/plain" "$fx/libver.so:/usr/lib64/libver.so.1"
# Renames the signature's SHA1 (269), SHA256 (273) and MD5 (1004) and the
# header's payload digest (5092) to tags nobody reads; prints the
# payload's offset.
payload=$(perl -e 'open F, "+<", $ARGV[0]; binmode F; local $/; $d = <F>;
	%new = (269 => 20269, 273 => 20273, 1004 => 21004, 5092 => 25092);
	sub strip { my $o = shift; my ($n, $s) = unpack("N N", substr($d, $o + 8, 8));
		for my $i (0 .. $n - 1) { my $e = $o + 16 + 16 * $i; my $t = unpack("N", substr($d, $e, 4));
			substr($d, $e, 4) = pack("N", $new{$t}) if $new{$t}; }
		return 16 + 16 * $n + $s; }
	$o = 96 + ((strip(96) + 7) & ~7); $o += strip($o);
	seek F, 0, 0; print F $d; print $o' "$T_TMP/p.rpm")
size=$(stat -c %s "$T_TMP/p.rpm")
cp "$T_TMP/p.rpm" "$in/good.rpm"

damage()
{
	cp "$T_TMP/p.rpm" "$in/$1.rpm"
	printf '\x5a\xa5\x5a\xa5' | dd of="$in/$1.rpm" bs=1 seek="$2" conv=notrunc status=none
}
damage middle $(((payload + size) / 2))
damage near-end $((size - 100))
damage crc $((size - 8))
head -c $((size - 30)) "$T_TMP/p.rpm" > "$in/cut.rpm"

db=$T_TMP/t.db
t_scan "$db" "$in"
t_is "$T_RC" 1 "the run exits 1"
t_is "$(t_sql "$db" "SELECT count(*) FROM scan_error WHERE input = '$in/good.rpm'")" 0 \
	"the package without digests is read when sound"
for f in middle near-end crc cut; do
	reason=$(t_sql "$db" "SELECT group_concat(reason, ' / ') FROM scan_error WHERE input = '$in/$f.rpm'")
	t_like "$reason" '^(cannot read archive|archive cut off or corrupt|archive corrupt): gzip data (corrupt: [a-z].*|cut off)$' "$f: the decompressor's reason ($reason)"
	t_like "$reason" '^[^(]*$' "$f: no '(null)'"
done
t_is "$(t_sql "$db" "SELECT count(*) FROM binary")" 2 "no binary from a damaged copy"
t_done
