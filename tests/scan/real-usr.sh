#!/bin/bash
# Description: on real files, v_imports equals readelf exactly: at least
# 200 ELF executables and libraries from this machine's /usr (an even
# spread of the sorted list), scanned as loose files, each compared symbol
# by symbol and version by version with readelf --dyn-syms -W; DT_NEEDED
# and SONAME equal readelf -d's.
. "$(dirname "$0")/../lib/t.sh"
t_require readelf sqlite3

find /usr/bin /usr/sbin /usr/libexec /usr/lib/x86_64-linux-gnu -maxdepth 2 -type f -size +1k -size -16M \
	2>/dev/null | sort > "$T_TMP/all"
while IFS= read -r f; do
	IFS= read -r -n 4 m < "$f" 2>/dev/null && [ "$m" = $'\x7fELF' ] && echo "$f"
done < "$T_TMP/all" > "$T_TMP/elfs"
n=$(wc -l < "$T_TMP/elfs")
[ "$n" -ge 200 ] || t_skip_all "only $n ELF files under /usr"
step=$((n / 240))
[ "$step" -ge 1 ] || step=1
awk -v s="$step" 'NR % s == 0' "$T_TMP/elfs" | head -300 > "$T_TMP/pick"
n=$(wc -l < "$T_TMP/pick")
t_ok "at least 200 ELF files picked from /usr ($n)" test "$n" -ge 200

db=$T_TMP/t.db
mapfile -t files < "$T_TMP/pick"
t_scan "$db" "${files[@]}"
t_is "$T_RC" 0 "scan exits 0"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_scan_errors")" 0 "no scan errors"
t_is "$(t_sql "$db" "SELECT count(DISTINCT path) FROM file")" "$n" "every file is recorded"

t_readelf_many "${files[@]}" > "$T_TMP/readelf"
sed -n 's/^I\t//p' "$T_TMP/readelf" | sort > "$T_TMP/want"
t_db_imports "$db" 1 > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_imports equals readelf --dyn-syms on $n files"
t_is "$(cut -f1 "$T_TMP/want" | sort -u | wc -l)" "$(t_sql "$db" "SELECT count(DISTINCT member_path) FROM v_imports")" \
	"as many importing files as readelf finds"

# needed.seq counts from 0 in each binary.
awk -F'\t' '$1 == "N" { print $2 "\t" (seq[$2]++) "\t" $3 }' "$T_TMP/readelf" | sort > "$T_TMP/want"
t_sql "$db" "SELECT f.path, n.seq, n.lib FROM needed n JOIN file f ON f.binary_id = n.binary_id" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "DT_NEEDED equals readelf -d, in order"
awk -F'\t' '$1 == "S" { print $2 "\t" $3 }' "$T_TMP/readelf" | sort > "$T_TMP/want"
t_sql "$db" "SELECT f.path, b.soname FROM binary b JOIN file f ON f.binary_id = b.id
	     WHERE b.soname IS NOT NULL" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "SONAME equals readelf -d"
t_done
