#!/bin/bash
# Description: an input that could not be read (a garbage .deb, a corrupt
# ELF) is an error, not a package: it adds no package row, so package
# counts and the per-package metrics the reports compute (a package with
# no imports counts as fully supported) are not skewed by bad files.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc sqlite3 dpkg-deb

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
in=$T_TMP/in
mkdir -p "$in"
t_ok "good .deb builds" t_mk_deb "$in/good_1_amd64.deb" good 1 '' '' "$fx/uselib:/usr/bin/uselib"
head -c 5000 /dev/urandom > "$in/random.deb"
head -c 100 "$fx/plain" > "$in/truncated-elf"
db=$T_TMP/t.db
t_scan "$db" "$in"
t_is "$T_RC" 1 "the run exits 1"
t_is "$(t_sql "$db" "SELECT count(DISTINCT input) FROM scan_error")" 2 "both bad files are errors"
t_is "$(t_sql "$db" "SELECT group_concat(name) FROM package")" good "the good package is the only package"
t_done
