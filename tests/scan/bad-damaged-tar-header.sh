#!/bin/bash
# Description: a tar member header that fails its checksum (libarchive's
# "Damaged tar archive", ARCHIVE_RETRY) in a .tar.gz and in a .deb's
# data.tar.xz, damaged before compression so the stream itself is sound:
# the lost member is recorded in v_scan_errors with libarchive's reason
# and a line on stderr, the members after it are still read, and the run
# exits 1 (issue 15, item 4: it was skipped in silence, exit 0). The
# damaged member is random data: libarchive looks for the next header
# block by block, and takes a block of zeros (an ELF file has many) for
# the end of the archive.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 dpkg-deb ar tar xz gzip

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
head -c 20000 /dev/urandom > "$T_TMP/blob"
root=$T_TMP/root
t_fx_stage "$root" "$fx/uselib:/usr/bin/a-uselib" "$T_TMP/blob:/usr/share/b-blob" "$fx/libver.so:/usr/lib/c-libver.so"

# damage TAR MEMBER: overwrites the first byte of MEMBER's name in its
# header, which then fails its checksum.
damage()
{
	local block
	block=$(tar -tRf "$1" | sed -n "s|^block \([0-9]*\): \(\./\)\{0,1\}$2\$|\1|p")
	[ -n "$block" ] && printf 'X' | dd of="$1" bs=1 seek=$((block * 512)) conv=notrunc status=none
}

in=$T_TMP/in
mkdir -p "$in"
(cd "$root" && tar -cf "$T_TMP/t.tar" usr/bin/a-uselib usr/share/b-blob usr/lib/c-libver.so)
t_ok "the tar's second member header is damaged" damage "$T_TMP/t.tar" usr/share/b-blob
gzip -n < "$T_TMP/t.tar" > "$in/damaged.tar.gz"
t_ok "gzip finds the stream sound" gzip -t "$in/damaged.tar.gz"

t_ok ".deb builds" t_mk_deb "$T_TMP/d.deb" damaged-deb 1 '' '' "$fx/uselib:/usr/bin/a-uselib" \
	"$T_TMP/blob:/usr/share/b-blob" "$fx/libver.so:/usr/lib/c-libver.so"
mkdir -p "$T_TMP/ar"
(cd "$T_TMP/ar" && ar x "$T_TMP/d.deb" && xz -d data.tar.xz)
t_ok "the data.tar's second member header is damaged" damage "$T_TMP/ar/data.tar" usr/share/b-blob
(cd "$T_TMP/ar" && xz data.tar && ar rc "$in/damaged_1_amd64.deb" debian-binary control.tar.xz data.tar.xz)

db=$T_TMP/t.db
t_scan "$db" "$in"
t_is "$T_RC" 1 "the run exits 1"
for f in damaged.tar.gz damaged_1_amd64.deb; do
	t_like "$(t_sql "$db" "SELECT reason FROM scan_error WHERE input = '$in/$f'")" \
		"^damaged member header after '/usr/[^']*', members lost: Damaged tar archive$" \
		"$f: the lost member is recorded with libarchive's reason"
	t_is "$(grep -c "^parakit scan: '$in/$f'.*Damaged tar archive" "$T_ERR")" 1 "$f: one line on stderr"
done
{
	t_readelf_imports "$fx/uselib" "damaged	/usr/bin/a-uselib	"
	t_readelf_imports "$fx/libver.so" "damaged	/usr/lib/c-libver.so	"
	t_readelf_imports "$fx/uselib" "damaged-deb	/usr/bin/a-uselib	"
	t_readelf_imports "$fx/libver.so" "damaged-deb	/usr/lib/c-libver.so	"
} | sort > "$T_TMP/want"
t_sql "$db" "SELECT package, member_path, symbol, coalesce(symbol_version, '') FROM v_imports" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "the members around the damaged one are read"
t_is "$(t_sql "$db" "SELECT errors FROM v_scan_runs")" 2 "v_scan_runs counts the errors"
t_done
