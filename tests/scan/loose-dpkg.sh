#!/bin/bash
# Description: a loose file that an installed Debian package owns is
# attributed to it through dpkg's database: package name, version and
# Depends/Pre-Depends from the status file, and member_path the path dpkg
# lists (on a merged /usr, /usr/bin/ls is listed as /bin/ls). Scanned with
# that package's .deb (same version, same content: a fixture package
# installed into a dpkg database of the test's own, --admindir), the file
# counts once: one package row, one file row, v_imports equal to readelf
# once.
. "$(dirname "$0")/../lib/t.sh"
t_require readelf sqlite3 dpkg-query dpkg-deb
[ -s /var/lib/dpkg/status ] || t_skip_all "no dpkg database"

# A loose file: ls, from coreutils.
ls_path=$(readlink -f "$(command -v ls)")
pkg=$(dpkg-query -S "$ls_path" 2>/dev/null | head -1 | cut -d: -f1)
[ -z "$pkg" ] && pkg=$(dpkg-query -S "/bin/ls" 2>/dev/null | head -1 | cut -d: -f1)
[ -n "$pkg" ] || t_skip_all "dpkg lists no owner of ls"
listed=$(dpkg-query -L "$pkg" | grep -E '^(/usr)?/bin/ls$' | head -1)
ver=$(dpkg-query -W -f='${Version}' "$pkg")
db=$T_TMP/t.db
t_pk scan --db "$db" --jobs 1 "$ls_path"
t_is "$T_RC" 0 "scan of $ls_path exits 0"
t_is "$(t_sql "$db" "SELECT name, version, format FROM package")" "$pkg	$ver	deb" \
	"$ls_path is attributed to $pkg $ver"
t_is "$(t_sql "$db" "SELECT DISTINCT member_path FROM v_imports")" "$listed" "member_path is the path dpkg lists ($listed)"
t_readelf_imports "$ls_path" > "$T_TMP/want"
t_sql "$db" "SELECT symbol, coalesce(symbol_version, '') FROM v_imports" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_imports equals readelf"
deps=$(dpkg-query -W -f='${Pre-Depends}, ${Depends}' "$pkg" | tr ',|' '\n\n' | sed 's/^ *//; s/[ :(].*//' | grep . | sort -u)
t_is "$(t_sql "$db" "SELECT DISTINCT name FROM package_dep ORDER BY name")" "$deps" "dependencies from the status file"

# The same package installed and as its .deb: a fixture package, built
# with dpkg-deb and installed with dpkg -i into a dpkg database of the
# test's own (--admindir), its file under $T_TMP, so that the check needs
# neither the apt cache nor a change to this machine's packages.
t_fx_elfs "$T_TMP/fx" || { echo "Bail out! cannot build the fixtures"; exit 1; }
found=$T_TMP/inst/usr/bin/plain
deb=$T_TMP/fxloose_1.2-3_amd64.deb
admin=$T_TMP/admin
name=fxloose
t_mk_deb "$deb" $name 1.2-3 "libc6 (>= 2.34)" "" "$T_TMP/fx/plain:$found"
mkdir -p "$admin/info" "$admin/updates" "$admin/triggers"
: > "$admin/status"
dpkg_install()
{
	dpkg --admindir="$admin" --log=/dev/null --force-not-root --force-depends -i "$deb" \
		>/dev/null 2>"$T_TMP/dpkg.err" || { cat "$T_TMP/dpkg.err"; return 1; }
}
t_ok "dpkg -i installs $name into the test's dpkg database" dpkg_install
t_ok "$found is installed, the same file as in the .deb" cmp -s "$found" "$T_TMP/fx/plain"
db=$T_TMP/loose.db
t_pk scan --db "$db" --jobs 1 --admindir "$admin" "$found"
t_is "$T_RC" 0 "scan of $found exits 0"
t_is "$(t_sql "$db" "SELECT name, version, format FROM package")" "$name	1.2-3	deb" \
	"$found is attributed to $name 1.2-3 through the given dpkg database"
t_is "$(t_sql "$db" "SELECT kind, name, version FROM package_dep")" "Depends	libc6	>= 2.34" \
	"its dependencies from that database's status file"
db=$T_TMP/both.db
t_pk scan --db "$db" --jobs 2 --admindir "$admin" "$found" "$deb"
t_is "$T_RC" 0 "scan of $found and $(basename "$deb") exits 0"
t_is "$(t_sql "$db" "SELECT count(*) FROM package WHERE name = '$name'")" 1 "one package row for $name"
t_is "$(t_sql "$db" "SELECT count(*) FROM file WHERE path = '$found'")" 1 "one file row for $found"
t_readelf_imports "$found" > "$T_TMP/want"
t_sql "$db" "SELECT symbol, coalesce(symbol_version, '') FROM v_imports WHERE member_path = '$found'" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_imports lists $found once, equal to readelf"
t_done
