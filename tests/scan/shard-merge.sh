#!/bin/bash
# Description: --shard 1/2 and 2/2 take disjoint slices that cover every
# input, and 'parakit db merge' of the shard databases equals one full
# scan: every stable view, and the packages' dependencies, files and
# artifacts (compared by natural keys, since row ids differ;
# tests/lib/shards.sh). The same holds for three shards merged into a
# database that already holds one of them, and merging a shard twice adds
# nothing.
. "$(dirname "$0")/../lib/t.sh"
. "$T_LIB/shards.sh"
t_require gcc sqlite3 dpkg-deb rpmbuild as ld

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
t_fx_asm_so "$fx/be.so" s390x read@STUB_1 __printf_chk@STUB_2 weak%
rm -f "$fx"/*.stub.so
in=$T_TMP/in
mkdir -p "$in/loose"
cp "$fx/fortify" "$fx/libver.so" "$fx/plain" "$fx/be.so" "$in/loose/"
# uselib both loose and in two packages: one binary, three files.
cp "$fx/uselib" "$in/loose/"
t_mk_deb "$in/a_1_amd64.deb" a 1 'libc6 (>= 2.34), b | c' 'dpkg' "$fx/uselib:/usr/bin/uselib" \
	"$fx/libver.so:/usr/lib/libver.so.1"
t_mk_deb "$in/d_2_amd64.deb" d 2 '' '' "$fx/fortify:/usr/bin/fortify"
t_mk_rpm "$in/b.rpm" b 1 1 'glibc >= 2.34' "$fx/uselib:/usr/bin/uselib" "$fx/plain:/usr/bin/plain"
t_mk_tar "$in/c.tar.gz" "$fx/be.so:/opt/c/be.so"
t_mk_alpine_apk "$in/e.apk" e 1-r0 'musl' "$fx/plain:/usr/bin/plain"
head -c 300 "$fx/plain" > "$in/loose/broken"
head -c 3000 /dev/urandom > "$in/garbage.deb"
t_is "$(find "$in" -type f | wc -l)" 12 "12 inputs"

full=$T_TMP/full.db
t_scan "$full" "$in"
t_is "$T_RC" 1 "full scan exits 1 (two bad inputs)"
rc=
for k in 1 2; do
	t_scan "$T_TMP/s$k.db" --shard "$k/2" "$in"
	rc="$rc$T_RC"
	t_is "$T_RC" "$(($(t_sql "$T_TMP/s$k.db" "SELECT count(*) FROM scan_error") > 0))" \
		"shard $k/2 exits 0, or 1 when it met a bad input"
done
t_like "$rc" 1 "a bad input fell in some shard"

inputs() { t_sql "$1" "SELECT input FROM scan_error UNION SELECT path FROM artifact" | sort -u; }
inputs "$T_TMP/s1.db" > "$T_TMP/i1"
inputs "$T_TMP/s2.db" > "$T_TMP/i2"
t_is "$(comm -12 "$T_TMP/i1" "$T_TMP/i2" | wc -l)" 0 "the shards are disjoint"
t_ok "each shard has inputs" test -s "$T_TMP/i1" -a -s "$T_TMP/i2"
sort -u "$T_TMP/i1" "$T_TMP/i2" > "$T_TMP/got"
inputs "$full" > "$T_TMP/want"
t_cmp "$T_TMP/got" "$T_TMP/want" "together they cover every input"

merged=$T_TMP/merged.db
t_pk db merge "$merged" "$T_TMP/s1.db" "$T_TMP/s2.db"
t_is "$T_RC" 0 "db merge exits 0"

t_same_scan "$merged" "$full" "1/2 + 2/2 merged"
t_is "$(t_sql "$merged" "SELECT count(*) || ' ' || sum(inputs) || ' ' || sum(errors) FROM v_scan_runs")" \
	"2 $(t_sql "$full" "SELECT inputs || ' ' || errors FROM v_scan_runs")" "v_scan_runs holds both shards' runs"

# Merging again adds nothing, not even a run.
before=$(t_db_rows "$merged")
t_pk db merge "$merged" "$T_TMP/s2.db"
t_is "$T_RC" 0 "merging a shard again exits 0"
t_is "$(t_db_rows "$merged")" "$before" "merging a shard again adds no rows"

# Three shards, merged into a copy of the first.
for k in 1 2 3; do
	t_scan "$T_TMP/t$k.db" --shard "$k/3" "$in"
done
cp "$T_TMP/t1.db" "$T_TMP/m3.db"
t_pk db merge "$T_TMP/m3.db" "$T_TMP/t2.db" "$T_TMP/t3.db"
t_is "$T_RC" 0 "merge of 2/3 and 3/3 into 1/3 exits 0"
t_same_scan "$T_TMP/m3.db" "$full" "1/3 + 2/3 + 3/3 merged"
t_done
