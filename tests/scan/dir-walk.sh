#!/bin/bash
# Description: a directory is walked recursively without following
# symbolic links: a link loop does not trap the walk, a file reached
# through a link is read once at its real path, FIFOs and sockets are
# skipped without blocking; a file is an input by its ELF magic or its
# package name, and other files (text, empty, short) are skipped and
# counted in the summary and v_scan_runs, not errors.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 mkfifo python3

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
w=$T_TMP/walk
mkdir -p "$w/a/b/c" "$w/d"
cp "$fx/uselib" "$w/a/b/c/deep"
cp "$fx/plain" "$w/d/plain.data"
ln -s .. "$w/a/b/c/loop"
ln -s "$w" "$w/a/self"
ln -s "$w/a/b/c/deep" "$w/d/link-to-deep"
ln -s "$w/nowhere" "$w/d/dangling"
mkfifo "$w/d/fifo"
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$w/d/sock"
echo 'just text' > "$w/d/readme.txt"
: > "$w/d/empty"
printf '\177EL' > "$w/d/short"
printf '#!/bin/sh\necho hi\n' > "$w/d/script.sh"
t_ok ".deb builds" t_mk_deb "$w/d/pkg.deb" pkg 1 '' '' "$fx/fortify:/usr/bin/fortify"
db=$T_TMP/t.db
t_scan "$db" --json "$w"
t_is "$T_RC" 0 "the walk exits 0"
t_like "$T_OUT" '"inputs":3,"unchanged":0,"skipped":4,' "JSON summary: 3 inputs read, 4 other files skipped"
t_is "$(t_sql "$db" "SELECT inputs || ' ' || skipped || ' ' || errors FROM v_scan_runs")" "3 4 0" \
	"v_scan_runs: 3 inputs, 4 skipped, no errors"
{
	t_readelf_imports "$fx/uselib" "$w/a/b/c/deep	"
	t_readelf_imports "$fx/plain" "$w/d/plain.data	"
	t_readelf_imports "$fx/fortify" "/usr/bin/fortify	"
} | sort > "$T_TMP/want"
t_db_imports "$db" 1 > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "ELF files by magic and the .deb by name; each once, at its real path"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_scan_errors")" 0 "no errors"

# Named on the command line, a file that is no input is an error.
t_scan "$db" "$w/d/readme.txt"
t_is "$T_RC" 1 "a text file named on the command line exits 1"
t_like "$(t_sql "$db" "SELECT reason FROM v_scan_errors WHERE package = 'readme.txt'")" \
	"not an ELF file or a package archive" "and is recorded"
# A symbolic link named on the command line is read at its target.
t_scan "$T_TMP/link.db" "$w/d/link-to-deep"
t_is "$T_RC" 0 "a link named on the command line exits 0"
t_is "$(t_sql "$T_TMP/link.db" "SELECT DISTINCT member_path FROM v_imports")" "$w/a/b/c/deep" \
	"it is read at its real path"
t_done
