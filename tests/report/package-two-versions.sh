#!/bin/bash
# Description: a package the corpus holds in two versions counts once, in
# every view and in the report (issue 21: the apt cache held nginx in two
# versions, and v_function_usage counted it twice). A package is its name
# within its format, its binaries and functions those of all its versions;
# a loose file no package owns is its own package, whatever its name.
# Counts are checked against readelf over the fixtures (r_usage_oracle).
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/report.sh"
t_require gcc dpkg-deb sqlite3 gnuplot python3 jq md5sum

d=$T_TMP/fx
t_fx_elfs "$d" || { echo "Bail out! cannot build the fixtures"; exit 1; }
# fxtwo 1.0 ships plain, 2.0 fortify in its place: both import printf
# (printf, __printf_chk), only 1.0 stat, only 2.0 read.
t_mk_deb "$d/fxtwo_1.0.deb" fxtwo 1.0 "fxone" "" "$d/plain:/usr/bin/two" &&
t_mk_deb "$d/fxtwo_2.0.deb" fxtwo 2.0 "fxone (>= 1.0)" "" "$d/fortify:/usr/bin/two" &&
t_mk_deb "$d/fxone.deb" fxone 1.0 "" "" "$d/uselib:/usr/bin/one" ||
	{ echo "Bail out! cannot build the packages"; exit 1; }
# Two loose files of one name (plain's content), in no package.
mkdir -p "$T_TMP/a" "$T_TMP/b"
cp "$d/plain" "$T_TMP/a/tool"
cp "$d/plain" "$T_TMP/b/tool"
db=$T_TMP/t.db
t_scan "$db" "$d/fxtwo_1.0.deb" "$d/fxtwo_2.0.deb" "$d/fxone.deb" "$T_TMP/a/tool" "$T_TMP/b/tool"
t_is "$T_RC" 0 "scan exits 0"
t_is "$(t_sql "$db" "SELECT count(*) FROM package WHERE name = 'fxtwo'")" 2 "fxtwo is stored as two versions"

r_usage_oracle "$T_TMP/oracle" fxtwo="$d/plain" fxtwo="$d/fortify" fxone="$d/uselib" \
	"$T_TMP/a/tool=$T_TMP/a/tool" "$T_TMP/b/tool=$T_TMP/b/tool"
t_is "$(awk -F'\t' '$1 == "printf" || $1 == "read" || $1 == "stat"' "$T_TMP/oracle.functions" | tr '\n' ' ')" \
	"printf	4	3 read	1	1 stat	3	1 " "the oracle: printf in 4 packages (3 binaries), stat in 3, read in 1"

# The views.
t_sql "$db" "SELECT function, packages, binaries FROM v_function_usage" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/oracle.functions" "v_function_usage: fxtwo counts once"
t_is "$(t_sql "$db" "SELECT count(DISTINCT CASE version WHEN '' THEN member_path ELSE package END)
		    FROM v_imports WHERE posix_name = 'printf'")" \
	"$(t_sql "$db" "SELECT packages FROM v_function_usage WHERE function = 'printf'")" \
	"v_function_usage agrees with the distinct packages of v_imports (a loose file by its path)"
t_sql "$db" "SELECT symbol, packages FROM v_nonposix_usage" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/oracle.nonposix" "v_nonposix_usage: the same"
t_is "$(t_sql "$db" "SELECT packages || ' ' || binaries || ' ' || imports FROM v_corpus")" \
	"4 3 $(cut -f2 "$T_TMP/oracle.counts")" "v_corpus: 4 packages (5 versions), 3 binaries, their imports"
t_is "$(t_sql "$db" "SELECT package, binaries FROM v_package_binaries ORDER BY package" | tr '\n' ' ')" \
	"fxone	1 fxtwo	2 tool	1 tool	1 " \
	"v_package_binaries: a row per package, fxtwo with the binaries of both versions"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_package_binaries")" 4 "v_package_binaries: 4 packages"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_packages")" 4 "v_packages: 4 packages"
t_is "$(t_sql "$db" "SELECT version FROM v_packages WHERE package = 'fxtwo'" | tr , '\n' | sort | tr '\n' ' ')" \
	"1.0 2.0 " "v_packages: fxtwo's versions"
t_is "$(t_sql "$db" "SELECT version FROM v_package_binaries WHERE package = 'fxtwo'")" \
	"$(t_sql "$db" "SELECT version FROM v_packages WHERE package = 'fxtwo'")" "v_package_binaries: the same"
t_is "$(t_sql "$db" "SELECT count(DISTINCT package_id) || ' ' || count(*) FROM v_package_versions WHERE package = 'fxtwo'")" \
	"1 2" "v_package_versions: fxtwo's two versions, one package"
t_is "$(t_sql "$db" "SELECT count(DISTINCT package_id) FROM v_package_versions")" 4 \
	"v_package_versions: 5 versions of 4 packages"
fxtwo=$(t_sql "$db" "SELECT package_id FROM v_packages WHERE package = 'fxtwo'")
awk -F'\t' '$1 == "fxtwo" { print $3 }' "$T_TMP/oracle.imports" | while read -r s; do
	awk -v s="$s" '$1 == s { print $2; f = 1 } END { if (!f) print s }' <<<"$R_RENAMES"
done | sort -u | grep -Fxf <(grep -v '^#' "$T_LIB/../../db/catalog/posix-functions.tsv" | cut -f1) > "$T_TMP/want"
t_sql "$db" "SELECT function FROM v_package_functions WHERE package_id = $fxtwo" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_package_functions: fxtwo's are those of both versions"
t_is "$(t_sql "$db" "SELECT kind, name, version FROM v_package_deps WHERE package_id = $fxtwo")" "Depends	fxone	>= 1.0" \
	"v_package_deps: fxtwo depends on fxone once, with the constraint a version states"

# The report.
out=$T_TMP/out
t_pk report --db "$db" --out "$out"
t_is "$T_RC" 0 "report exits 0"
r_csv "$out/functions.csv" function packages binaries | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/oracle.functions" "functions.csv: fxtwo counts once"
t_is "$(r_csv "$out/functions.csv" function share_pct | awk -F'\t' '$1 == "printf" || $1 == "stat" { print $2 }' | tr '\n' ' ')" \
	"100 75 " "share: of 4 packages (printf: 4 of 4, stat: 3 of 4)"
t_is "$(r_csv "$out/corpus.csv" measure value | grep '^packages')" "packages	4
packages with ELF files	4
packages importing POSIX functions	4" "corpus.csv: 4 packages, 4 with ELF files, 4 importing POSIX functions"
t_is "$(r_csv "$out/packages.csv" package | grep -c '^fxtwo$')" 1 "packages.csv: one fxtwo row"
t_is "$(jq '[.rows[].weight] | add * 1e6 | round' "$out/packages.json")" 1000000 "PageRank weights of the 4 sum to 1"
t_is "$(jq -r '.rows | max_by(.weight) | .package' "$out/packages.json")" fxone \
	"the package fxtwo (both versions) depends on weighs most"

# db summary.
t_pk db summary "$db"
t_like "$(head -1 <<<"$T_OUT")" ": 4 packages with ELF files \(4 in all\)" "db summary: 4 packages"
t_like "$T_OUT" " printf +[A-Za-z]* +4 +100.0%" "db summary: printf in 4 packages, 100 %"
t_done
