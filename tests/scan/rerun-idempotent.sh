#!/bin/bash
# Description: a re-run over the same inputs adds no rows (package,
# package_dep, artifact, binary, file, needed, symbol, import, export,
# scan_error unchanged; only a scan_run row) and skips the work (the JSON
# summary counts the inputs as unchanged); the bad input is retried and
# still recorded once.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc sqlite3 dpkg-deb rpmbuild

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
in=$T_TMP/in
mkdir -p "$in/loose"
cp "$fx/fortify" "$fx/libver.so" "$in/loose/"
t_ok ".deb builds" t_mk_deb "$in/a_1_amd64.deb" a 1 'libc6 (>= 2.34)' '' "$fx/uselib:/usr/bin/uselib"
t_ok ".rpm builds" t_mk_rpm "$in/b.rpm" b 1 1 'glibc' "$fx/plain:/usr/bin/plain"
t_ok "tarball builds" t_mk_tar "$in/c.tar.xz" "$fx/uselib:/opt/c/uselib"
head -c 200 "$fx/plain" > "$in/loose/broken"

tables="package package_dep artifact binary file needed symbol symver import export scan_error"
counts()
{
	local t
	for t in $tables; do
		printf '%s=%s ' "$t" "$(t_sql "$db" "SELECT count(*) FROM $t")"
	done
}
db=$T_TMP/t.db
t_scan "$db" --json "$in"
t_is "$T_RC" 1 "first run exits 1 (one bad file)"
first=$(counts)
t_like "$first" 'import=[1-9]' "the first run wrote imports ($first)"
t_like "$T_OUT" '"inputs":6,"unchanged":0' "first run: JSON summary, 6 inputs read"

t_scan "$db" --json "$in"
t_is "$T_RC" 1 "second run exits 1 (the bad file is retried)"
t_is "$(counts)" "$first" "second run adds no rows"
t_like "$T_OUT" '"inputs":1,"unchanged":5' "second run: 5 inputs unchanged, only the bad one read"
t_is "$(t_sql "$db" "SELECT count(*) FROM scan_run")" 2 "each run is recorded in scan_run"

T_JOBS=1 t_scan "$db" "$in/loose" "$in/a_1_amd64.deb"
t_is "$(counts)" "$first" "a third run, one job, over part of the inputs, adds no rows"

t_done
