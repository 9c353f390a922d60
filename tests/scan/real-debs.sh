#!/bin/bash
# Description: on real packages, v_imports equals readelf exactly: at least
# 20 amd64 .debs from /var/cache/apt/archives (an even spread of the
# libraries and of the other packages under 4 MB), streamed by parakit; the test extracts each with dpkg-deb -x
# and runs readelf --dyn-syms -W on every ELF file it holds. Package names
# and versions equal dpkg-deb's reading of the control files.
. "$(dirname "$0")/../lib/t.sh"
t_require readelf sqlite3 dpkg-deb

# spread LIST COUNT: COUNT lines evenly spread over the sorted LIST.
spread()
{
	sort "$1" | awk -v want="$2" '{ l[NR] = $0 } END { for (i = 1; i <= want && i <= NR; i++) print l[int((i - 0.5) * NR / want) + 1] }'
}
find /var/cache/apt/archives -maxdepth 1 -name '*_amd64.deb' -size -4M 2>/dev/null > "$T_TMP/all"
grep '/lib[^/]*$' "$T_TMP/all" > "$T_TMP/libs"
grep -v '/lib[^/]*$' "$T_TMP/all" > "$T_TMP/others"
{ spread "$T_TMP/libs" 16; spread "$T_TMP/others" 8; } | sort -u > "$T_TMP/pick"
n=$(wc -l < "$T_TMP/pick")
[ "$n" -ge 20 ] || t_skip_all "only $n amd64 .debs in /var/cache/apt/archives"
mapfile -t debs < "$T_TMP/pick"
t_ok "at least 20 .debs picked (${#debs[@]})" test "${#debs[@]}" -ge 20

db=$T_TMP/t.db
t_scan "$db" "${debs[@]}"
t_is "$T_RC" 0 "scan exits 0"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_scan_errors")" 0 "no scan errors"

: > "$T_TMP/want-pkgs"
: > "$T_TMP/want"
i=0
for deb in "${debs[@]}"; do
	i=$((i + 1))
	x=$T_TMP/x/$i
	mkdir -p "$x"
	dpkg-deb -x "$deb" "$x"
	name=$(dpkg-deb -f "$deb" Package)
	ver=$(dpkg-deb -f "$deb" Version)
	printf '%s\t%s\n' "$name" "$ver" >> "$T_TMP/want-pkgs"
	find "$x" -type f | sort > "$T_TMP/members"
	elfs=()
	while IFS= read -r f; do
		IFS= read -r -n 4 m < "$f" 2>/dev/null && [ "$m" = $'\x7fELF' ] && elfs+=("$f")
	done < "$T_TMP/members"
	[ "${#elfs[@]}" -gt 0 ] || continue
	# The extracted file's path without the extraction directory is its
	# installed path.
	t_readelf_many "${elfs[@]}" | awk -F'\t' -v x="$x" -v p="$name	$ver	" \
		'$1 == "I" { print p substr($2, length(x) + 1) "\t" $3 "\t" $4 }' >> "$T_TMP/want"
	echo "${#elfs[@]}" >> "$T_TMP/n-elfs"
done
sort "$T_TMP/want" -o "$T_TMP/want"
sort "$T_TMP/want-pkgs" > "$T_TMP/want-pkgs.s"
t_sql "$db" "SELECT name, version FROM package" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want-pkgs.s" "packages and versions equal the control files"
t_sql "$db" "SELECT package, version, member_path, symbol, coalesce(symbol_version, '') FROM v_imports" \
	| sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_imports equals readelf on every ELF member of the .debs"
t_ok "the packages hold ELF files ($(awk '{ s += $1 } END { print s }' "$T_TMP/n-elfs") in $(wc -l < "$T_TMP/n-elfs") packages)" \
	test "$(wc -l < "$T_TMP/n-elfs")" -ge 15
t_done
