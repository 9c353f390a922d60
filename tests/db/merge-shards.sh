#!/bin/bash
# Description: 'parakit db merge' of many shards (issue 19). 64 shards of
# 100 inputs, merged in a shuffled order, one of them given twice, equal a
# single scan in every stable view; merging them all again adds no row, not
# even a run. A set that lacks shards, or holds a shard whose run did not
# finish, is refused: the missing shards are named (in ranges), nothing is
# merged and a new OUT is not left behind, as when an input cannot be read.
# --partial merges it and records the missing shards in v_scan_runs; the
# merge that brings them completes the set and drops the record. Two sets
# in one merge are each counted against their own N.
. "$(dirname "$0")/../lib/t.sh"
. "$T_LIB/shards.sh"
t_require gcc sqlite3 dpkg-deb shuf

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
in=$T_TMP/in
mkdir -p "$in/loose"
# 40 packages and 58 loose binaries, each binary made distinct by a byte
# appended; one corrupt ELF and one garbage .deb for v_scan_errors.
elfs=(fortify uselib plain libver.so)
for i in $(seq 40); do
	cp "$fx/libver.so" "$T_TMP/lib$i.so"
	printf '%s' "$i" >> "$T_TMP/lib$i.so"
	t_mk_deb "$in/p${i}_1_amd64.deb" "p$i" 1 "libc6 (>= 2.34), q$((i % 5)) | r" '' \
		"$fx/${elfs[i % 4]}:/usr/bin/p$i" "$T_TMP/lib$i.so:/usr/lib/libp$i.so.1"
done
for i in $(seq 58); do
	cp "$fx/${elfs[i % 4]}" "$in/loose/e$i"
	printf '%s' "$i" >> "$in/loose/e$i"
done
head -c 300 "$fx/plain" > "$in/loose/broken"
head -c 3000 /dev/urandom > "$in/garbage.deb"
t_is "$(find "$in" -type f | wc -l)" 100 "100 inputs"

full=$T_TMP/full.db
t_scan "$full" "$in"
t_is "$T_RC" 1 "a single scan exits 1 (two bad inputs)"

T_JOBS=1
mkdir "$T_TMP/s"
bad=0
for k in $(seq 64); do
	t_scan "$T_TMP/s/$k.db" --shard "$k/64" "$in"
	[ "$T_RC" -le 1 ] || bad=$((bad + 1))
done
t_is "$bad" 0 "64 shard scans exit 0 or 1"
t_is "$(for k in $(seq 64); do t_sql "$T_TMP/s/$k.db" "SELECT shard || ' ' || shard_set FROM v_scan_runs"; done |
	cut -d' ' -f2 | sort -u | wc -l)" 1 "the 64 shards record one set"
t_is "$(t_sql "$T_TMP/s/7.db" "SELECT shard FROM v_scan_runs")" 7/64 "a shard records that it is 7 of 64"

shards() { local k; for k in "$@"; do echo "$T_TMP/s/$k.db"; done; }

# Two shards missing: refused, named, nothing written.
m=$T_TMP/m.db
mapfile -t some < <(shards $(seq 64) | grep -v -e '/17\.db$' -e '/40\.db$')
t_pk db merge "$m" "${some[@]}"
t_is "$T_RC" 1 "a set missing two shards: exit 1"
t_like "$(cat "$T_ERR")" "missing shards 17, 40 of 64 in set [0-9a-f]{12}" "the missing shards are named"
t_like "$(cat "$T_ERR")" "2 shards missing: nothing merged" "it says nothing was merged"
t_ok "the new OUT is not left behind" test ! -e "$m" -a ! -e "$m-wal"

# An input that cannot be read: refused before anything is merged.
t_pk db merge "$m" "${some[@]}" "$T_TMP/s/none.db"
t_is "$T_RC" 1 "an input that cannot be read: exit 1"
t_like "$(cat "$T_ERR")" "cannot open database '.*/none.db'" "it is named"
t_ok "the new OUT is not left behind" test ! -e "$m"

# A shard whose run did not finish (a task killed mid-scan, as the Slurm
# test does for real) counts as missing, named with its file.
cp "$T_TMP/s/9.db" "$T_TMP/u9.db"
t_sql "$T_TMP/u9.db" "UPDATE scan_run SET finished = NULL"
mapfile -t all < <(shards $(seq 64) | sed "s|/s/9\.db$|/u9.db|")
t_pk db merge "$m" "${all[@]}"
t_is "$T_RC" 1 "a set with an unfinished shard: exit 1"
t_like "$(cat "$T_ERR")" "shard 9/64 of set [0-9a-f]{12}: its run in '.*/u9.db' did not finish" \
	"the unfinished shard is named with its file"

# --partial: merged, and recorded until the set is complete.
t_pk db merge --partial "$m" "${some[@]}"
t_is "$T_RC" 0 "--partial merges the incomplete set"
t_like "$(cat "$T_ERR")" "merging without shards 17, 40 of 64" "--partial says what it merges without"
t_is "$(t_sql "$m" "SELECT missing_shards || ' ' || inputs || ' ' || (shard IS NULL) FROM v_scan_runs
		    WHERE missing_shards IS NOT NULL")" "17/64 40/64 0 1" "v_scan_runs records the missing shards"
before=$(t_db_rows "$m")
t_pk db merge --partial "$m" "${some[@]}"
t_is "$(t_db_rows "$m")" "$before" "the same partial merge again adds nothing"
t_pk db merge "$m" $(shards 40 17)
t_is "$T_RC" 0 "merging the two missing shards completes the set"
t_is "$(t_sql "$m" "SELECT count(*) FROM v_scan_runs WHERE missing_shards IS NOT NULL")" 0 \
	"the record of the partial merge is gone"
t_is "$(t_sql "$m" "SELECT count(*) FROM v_scan_runs")" 64 "v_scan_runs holds the 64 runs"
t_same_scan "$m" "$full" "partial, then completed"

# All 64 in a shuffled order, one twice.
m2=$T_TMP/m2.db
mapfile -t shuffled < <(shards $(seq 64) 5 | shuf --random-source=<(yes))
t_is "${#shuffled[@]}" 65 "65 arguments"
t_pk db merge "$m2" "${shuffled[@]}"
t_is "$T_RC" 0 "64 shuffled shards and a duplicate merge"
t_same_scan "$m2" "$full" "64 shuffled shards"
t_is "$(t_sql "$m2" "SELECT count(*) || ' ' || sum(inputs) || ' ' || sum(errors) FROM v_scan_runs")" \
	"64 $(t_sql "$full" "SELECT inputs || ' ' || errors FROM v_scan_runs")" "v_scan_runs sums to the single scan's"
before=$(t_db_rows "$m2")
t_pk db merge "$m2" "${shuffled[@]}"
t_is "$T_RC" 0 "merging all of them again exits 0"
t_is "$(t_db_rows "$m2")" "$before" "merging all of them again adds no row"

# A second set, of another N, beside the first.
mkdir "$T_TMP/in2"
cp "$fx/plain" "$fx/uselib" "$fx/libver.so" "$T_TMP/in2/"
for k in 1 2 3; do
	t_scan "$T_TMP/t$k.db" --shard "$k/3" "$T_TMP/in2"
done
t_pk db merge "$T_TMP/m3.db" "$T_TMP/t1.db" "$T_TMP/t3.db" "${shuffled[@]}"
t_is "$T_RC" 1 "two sets, one lacking a shard: exit 1"
t_like "$(cat "$T_ERR")" "missing shard 2 of 3 in set [0-9a-f]{12} \\(the set of '.*/t[13].db'\\)" \
	"the other set's missing shard is named"
t_is "$(grep -c "missing shard" "$T_ERR")" 1 "the complete set is not named"
t_pk db merge "$T_TMP/m3.db" "$T_TMP/t1.db" "$T_TMP/t2.db" "$T_TMP/t3.db" "${shuffled[@]}"
t_is "$T_RC" 0 "two complete sets merge"
t_is "$(t_sql "$T_TMP/m3.db" "SELECT count(DISTINCT shard_set) || ' ' || count(*) FROM v_scan_runs")" "2 67" \
	"v_scan_runs holds both sets' runs"
t_done
