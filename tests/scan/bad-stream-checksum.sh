#!/bin/bash
# Description: archives whose compressed stream fails the check it carries
# (gzip's CRC32 over member bytes altered in place, xz's CRC64 and zstd's
# XXH64 at the stream's end, past the tar's end-of-archive blocks, in a
# tarball and in a .deb's data.tar.xz) are each recorded in v_scan_errors
# with the decompressor's reason, and none of their members is stored: no
# package, no binary, no import. The sound archive beside them is read and
# the run exits 1 (issue 15, item 5: the altered member was stored as
# genuine, with another hash and a made-up import, and the run exited 0).
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 dpkg-deb ar tar gzip xz zstd perl

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
root=$T_TMP/root
t_fx_stage "$root" "$fx/uselib:/usr/bin/uselib" "$fx/plain:/usr/bin/plain"
in=$T_TMP/in
mkdir -p "$in"
# A tar padded to a 1 MiB record, as tar -b makes them: its end-of-archive
# blocks come long before the end of the stream, where the checks are.
(cd "$root" && tar -b 2048 -cf "$T_TMP/t.tar" usr)
gzip -n < "$T_TMP/t.tar" > "$in/good.tar.gz"

# gzip without compression (deflate's stored blocks), so that a byte of
# the file is a byte of the tar: only the CRC can tell.
perl -MIO::Compress::Gzip=gzip,\$GzipError -e \
	'gzip "-" => "-", Minimal => 1, -Level => 0 or die $GzipError' < "$T_TMP/t.tar" > "$in/altered.tar.gz"
off=$(grep -obUa ver_new "$in/altered.tar.gz" | head -1 | cut -d: -f1)
printf 'W' | dd of="$in/altered.tar.gz" bs=1 seek=$((off + 6)) conv=notrunc status=none
t_ok "gzip -t finds the altered member" eval '! gzip -t "$in/altered.tar.gz" 2>/dev/null'

zstd -q < "$T_TMP/t.tar" > "$in/checksum.tar.zst"
size=$(stat -c %s "$in/checksum.tar.zst")
printf '\x55\x55\x55\x55' | dd of="$in/checksum.tar.zst" bs=1 seek=$((size - 4)) conv=notrunc status=none
t_ok "zstd -t finds the XXH64 wrong" eval '! zstd -q -t "$in/checksum.tar.zst" 2>/dev/null'

# xz_bad_crc FILE: inverts a byte of the last block's CRC64 (xz --robot
# -lvv: the block's offset and total size, its check closing it). Inverted,
# not overwritten: the archive holds the time it was made, so its CRC
# differs from run to run and a fixed byte would be the CRC's own once in
# 256 runs.
xz_bad_crc()
{
	local off total b
	read -r off total < <(xz --robot -lvv "$1" | awk -F'\t' '$1 == "block" { o = $5; t = $7 } END { print o, t }')
	b=$(od -An -tu1 -j $((off + total - 8)) -N1 "$1" | tr -d ' ')
	printf "\\x$(printf %02x $((b ^ 0xff)))" | dd of="$1" bs=1 seek=$((off + total - 8)) conv=notrunc status=none
}
xz < "$T_TMP/t.tar" > "$in/checksum.tar.xz"
xz_bad_crc "$in/checksum.tar.xz"
t_ok "xz -t finds the CRC64 wrong" eval '! xz -t "$in/checksum.tar.xz" 2>/dev/null'

t_ok ".deb builds" t_mk_deb "$T_TMP/d.deb" checksum-deb 1 '' '' "$fx/uselib:/usr/bin/uselib" "$fx/plain:/usr/bin/plain"
mkdir -p "$T_TMP/ar"
(cd "$T_TMP/ar" && ar x "$T_TMP/d.deb" && xz -d data.tar.xz &&
 head -c 1048576 /dev/zero >> data.tar && xz data.tar)
xz_bad_crc "$T_TMP/ar/data.tar.xz"
(cd "$T_TMP/ar" && ar rc "$in/checksum-deb_1_amd64.deb" debian-binary control.tar.xz data.tar.xz)

db=$T_TMP/t.db
t_scan "$db" "$in"
t_is "$T_RC" 1 "the run exits 1"
for f in altered.tar.gz checksum.tar.zst checksum.tar.xz checksum-deb_1_amd64.deb; do
	t_like "$(t_sql "$db" "SELECT group_concat(reason, ' / ') FROM scan_error WHERE input = '$in/$f'")" \
		'corrupt: (gzip data corrupt: incorrect data check|Zstd decompression failed: Restored data doesn.t match checksum|Lzma library error: Corrupted input data)$' \
		"$f: recorded with the decompressor's reason"
	t_is "$(grep -c "^parakit scan: '$in/$f'" "$T_ERR")" 1 "$f: one line on stderr"
done
t_is "$(t_sql "$db" "SELECT group_concat(name) FROM package")" good "the sound archive is the only package"
t_is "$(t_sql "$db" "SELECT count(*) FROM binary")" 2 "no binary from a damaged archive"
t_is "$(t_sql "$db" "SELECT count(*) FROM symbol WHERE name = 'ver_neW'")" 0 "no import made up by the altered member"
{
	t_readelf_imports "$fx/uselib" "/usr/bin/uselib	"
	t_readelf_imports "$fx/plain" "/usr/bin/plain	"
} | sort > "$T_TMP/want"
t_db_imports "$db" 1 > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_imports holds the sound archive's imports alone"
t_done
