#!/bin/bash
# Description: a full disk under the database is a fatal failure: scan
# exits 2 with SQLite's reason, not 1 ("some inputs were recorded as
# errors, the rest stored"). Two ways: a 200 kB tmpfs too small for a new
# database's schema (which is rolled back whole), and one that fills while
# /usr/bin is scanned into a database made elsewhere, which stays
# consistent and usable. Needs root for the mounts; under CI=true it must
# run.
. "$(dirname "$0")/../lib/t.sh"
t_require sqlite3 mount umount

[ "$(id -u)" -eq 0 ] || t_skip_all "mounting a tmpfs needs root"
mkdir -p "$T_TMP/small" "$T_TMP/filling"
mount -t tmpfs -o size=200k,mode=0755 tmpfs "$T_TMP/small" 2>/dev/null ||
	t_skip_all "cannot mount a tmpfs here"
trap 'umount "$T_TMP/small" "$T_TMP/filling" 2>/dev/null; t_cleanup' EXIT

t_scan "$T_TMP/small/p.db" /usr/bin
t_is "$T_RC" 2 "a new database on a 200 kB tmpfs: scan exits 2"
t_like "$(cat "$T_ERR")" "^parakit scan: .*'$T_TMP/small/p.db'.*: database or disk is full" \
	"... saying the disk is full"
t_is "$(sqlite3 "file:$T_TMP/small/p.db?mode=ro&immutable=1" "PRAGMA user_version" 2>&1)" 0 \
	"... and the half-made schema was rolled back"

# Room for the schema and a few batches, not for /usr/bin.
t_pk db migrate "$T_TMP/made.db"
size=$(( ($(stat -c %s "$T_TMP/made.db") / 1024) + 160 ))
mount -t tmpfs -o size=${size}k,mode=0755 tmpfs "$T_TMP/filling"
cp "$T_TMP/made.db" "$T_TMP/filling/p.db"
t_scan "$T_TMP/filling/p.db" /usr/bin
t_is "$T_RC" 2 "a disk that fills during the scan of /usr/bin: scan exits 2"
t_like "$(cat "$T_ERR")" "database or disk is full" "... saying the disk is full"
t_like "$(cat "$T_ERR")" "the run stopped" "... and that the run stopped"
cp "$T_TMP/filling"/p.db* "$T_TMP"
umount "$T_TMP/filling"
t_is "$(t_sql "$T_TMP/p.db" "PRAGMA integrity_check")" ok "what it committed is consistent"
t_pk db summary "$T_TMP/p.db"
t_is "$T_RC" 0 "... and usable: db summary reads it"
t_done
