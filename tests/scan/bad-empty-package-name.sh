#!/bin/bash
# Description: a package whose metadata names it with an empty string is
# bad input, not a package called '': a .deb whose control file has an
# empty Package field (rebuilt with ar: dpkg-deb refuses to make one) and
# an .rpm with an empty NAME (tests/fuzz/regress/rpm/empty-name.sh, which
# the rpm fuzzer found) are recorded in v_scan_errors, no package row is
# made for either, and the run exits 1.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc sqlite3 dpkg-deb ar tar xz

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
in=$T_TMP/in
mkdir -p "$in"
t_ok "a good .deb builds" t_mk_deb "$T_TMP/good.deb" good 1 '' '' "$fx/uselib:/usr/bin/uselib"
# The same package with 'Package:' emptied, put back together with ar.
x=$T_TMP/x
mkdir -p "$x/c"
(cd "$x" && ar x "$T_TMP/good.deb" && tar -xf control.tar.* -C c &&
 sed -i 's/^Package: .*/Package: /' c/control && tar -cJf control.tar.xz -C c . &&
 ar rc "$in/noname_1_amd64.deb" debian-binary control.tar.xz data.tar.*)
t_ok "the .deb with an empty Package field is made" test -s "$in/noname_1_amd64.deb"
bash "$(dirname "$0")/../fuzz/regress/rpm/empty-name.sh" > "$in/noname.rpm"
t_ok "the .rpm with an empty NAME is made" test -s "$in/noname.rpm"

db=$T_TMP/t.db
t_scan "$db" "$in"
t_is "$T_RC" 1 "the run exits 1"
t_is "$(t_sql "$db" "SELECT count(*) FROM package WHERE name = ''")" 0 "no package named ''"
t_like "$(t_sql "$db" "SELECT group_concat(reason, ' | ') FROM v_scan_errors")" "without a Package field" \
	"the .deb is recorded with its reason"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_scan_errors")" 2 "both are in v_scan_errors"
t_done
