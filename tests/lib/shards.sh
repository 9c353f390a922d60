# Helpers for the tests of sharded scans (tests/scan/shard-merge.sh,
# tests/db/merge-shards.sh, tests/contrib/*), sourced after t.sh.

# The scan's content, as every stable view shows it, by natural keys: row
# ids differ between a merged database and one scanned whole, and so does
# the order in which versions were scanned (v_packages' and
# v_package_deps' comma-separated lists follow it), so those views are
# compared row per version. v_scan_runs is compared by the tests, since
# runs differ by design.
declare -A t_scan_views=(
	[v_imports]="SELECT * FROM v_imports"
	[v_exports]="SELECT * FROM v_exports"
	[v_function_usage]="SELECT * FROM v_function_usage"
	[v_scan_errors]="SELECT * FROM v_scan_errors"
	[v_binaries]="SELECT hash, size, class, endian, elf_type, machine, static, interp, soname FROM v_binaries"
	[v_binary_imports]="SELECT * FROM v_binary_imports"
	[v_packages]="SELECT package, format FROM v_packages"
	[v_package_versions]="SELECT package, version, arch, format FROM v_package_versions"
	[v_package_deps]="SELECT p.package, p.format, d.kind, d.alt, d.name FROM v_package_deps d JOIN v_packages p USING (package_id)"
	[v_package_binaries]="SELECT package, binaries FROM v_package_binaries"
	[v_package_functions]="SELECT p.package, p.format, f.function FROM v_package_functions f JOIN v_packages p USING (package_id)"
	[v_nonposix_usage]="SELECT * FROM v_nonposix_usage"
	[v_corpus]="SELECT * FROM v_corpus"
	[deps]="SELECT p.key, d.kind, d.alt, d.name, d.version FROM package_dep d JOIN package p ON p.id = d.package_id"
	[needed]="SELECT b.hash, n.seq, n.lib FROM needed n JOIN binary b ON b.id = n.binary_id"
	[files]="SELECT p.key, f.path, b.hash, a.path FROM file f JOIN package p ON p.id = f.package_id
		 JOIN binary b ON b.id = f.binary_id JOIN artifact a ON a.id = f.artifact_id"
	[artifacts]="SELECT a.path, a.kind, a.size, a.hash, p.key, a.errors FROM artifact a LEFT JOIN package p ON p.id = a.package_id"
	[weak]="SELECT b.hash, s.name, i.weak FROM import i JOIN binary b ON b.id = i.binary_id JOIN symbol s ON s.id = i.symbol_id"
)

# t_same_scan GOT_DB WANT_DB WHAT: one check per view (and per raw table
# the views rest on) that GOT_DB holds the rows WANT_DB holds.
t_same_scan()
{
	local got=$1 want=$2 what=$3 v
	for v in $(printf '%s\n' "${!t_scan_views[@]}" | sort); do
		t_sorted_rows "$got" "${t_scan_views[$v]}" > "$T_TMP/same.got"
		t_sorted_rows "$want" "${t_scan_views[$v]}" > "$T_TMP/same.want"
		t_cmp "$T_TMP/same.got" "$T_TMP/same.want" "$what: $v as a single scan's"
	done
}

# t_db_rows DB: the row count of every table the scan and merge write, on
# one line (to show that a merge added nothing).
t_db_rows()
{
	t_sql "$1" "SELECT (SELECT count(*) FROM scan_run) || ' ' || (SELECT count(*) FROM package) || ' ' ||
		    (SELECT count(*) FROM package_dep) || ' ' || (SELECT count(*) FROM artifact) || ' ' ||
		    (SELECT count(*) FROM binary) || ' ' || (SELECT count(*) FROM file) || ' ' ||
		    (SELECT count(*) FROM needed) || ' ' || (SELECT count(*) FROM symbol) || ' ' ||
		    (SELECT count(*) FROM import) || ' ' || (SELECT count(*) FROM export) || ' ' ||
		    (SELECT count(*) FROM scan_error)"
}

# t_pick_debs OUT COUNT MIN MAX: COUNT .debs of the apt cache whose size is
# between MIN and MAX (find's -size units: 4M), evenly spread over the
# sorted list, into the file OUT; skips the whole test when there are not
# so many.
t_pick_debs()
{
	local n
	find /var/cache/apt/archives -maxdepth 1 -name '*.deb' -size "+$3" -size "-$4" | sort |
		awk -v want="$2" '{ l[NR] = $0 }
			END { for (i = 1; i <= want && i <= NR; i++) print l[int((i - 0.5) * NR / want) + 1] }' > "$1"
	n=$(wc -l < "$1")
	[ "$n" -eq "$2" ] || t_skip_all "only $n .debs of $3 to $4 in /var/cache/apt/archives"
}
