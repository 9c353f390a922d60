#!/bin/bash
# Description: files named .deb (or .rpm, .apk, .tar.gz) that are not
# such archives: random bytes, an empty file, text, an ar archive without
# data.tar, an ELF named .deb; each is recorded in v_scan_errors with a
# reason and one line on stderr, the good package beside them is read, and
# the run exits 1.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 dpkg-deb ar

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
in=$T_TMP/in
mkdir -p "$in"
t_ok "good .deb builds" t_mk_deb "$in/good_1_amd64.deb" good 1 '' '' "$fx/uselib:/usr/bin/uselib"
head -c 5000 /dev/urandom > "$in/random.deb"
: > "$in/empty.deb"
echo 'this is not a Debian package' > "$in/text.deb"
(cd "$T_TMP" && echo 2.0 > debian-binary && ar rc "$in/no-data.deb" debian-binary 2>/dev/null)
cp "$fx/plain" "$in/elf-named.deb"
head -c 5000 /dev/urandom > "$in/random.rpm"
head -c 5000 /dev/urandom > "$in/random.apk"
printf 'PK\003\004garbage after a zip magic' > "$in/zip-magic.apk"
head -c 5000 /dev/urandom > "$in/random.tar.gz"
echo 'plain text' > "$in/text.tar.xz"
nbad=$(($(ls "$in" | wc -l) - 1))

db=$T_TMP/t.db
t_scan "$db" "$in"
t_is "$T_RC" 1 "the run exits 1"
t_readelf_imports "$fx/uselib" "/usr/bin/uselib	" > "$T_TMP/want"
t_db_imports "$db" "package = 'good'" > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "the good package is read"
for f in $(ls "$in" | grep -v '^good'); do
	reason=$(t_sql "$db" "SELECT group_concat(reason, ' / ') FROM scan_error WHERE input = '$in/$f'")
	t_like "$reason" '.{8,}' "$f: recorded with a reason ($reason)"
	t_ok "$f: a line on stderr" grep -q "^parakit scan: '$in/$f'" "$T_ERR"
done
t_is "$(t_sql "$db" "SELECT count(DISTINCT input) FROM scan_error")" "$nbad" "every bad file has an error"
t_is "$(t_sql "$db" "SELECT count(*) FROM binary")" 1 "no binary from a bad file"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_scan_errors WHERE package = '' OR reason = ''")" 0 \
	"every error names its package (the file name) and a reason"
t_done
