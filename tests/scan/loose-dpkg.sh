#!/bin/bash
# Description: a loose file that an installed Debian package owns is
# attributed to it through dpkg's database: package name, version and
# Depends/Pre-Depends from the status file, and member_path the path dpkg
# lists (on a merged /usr, /usr/bin/ls is listed as /bin/ls). Scanned with
# that package's .deb from the apt cache (same version, same content), the
# file counts once: one package row, one file row, v_imports equal to
# readelf once.
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

# An installed package whose .deb is in the apt cache, holding an ELF file
# installed with the same content.
found=
dpkg-query -W -f='${Package}_${Version}_${Architecture}.deb\n' | sed 's/:/%3a/g' | sort > "$T_TMP/inst"
ls /var/cache/apt/archives 2>/dev/null | sort | comm -12 "$T_TMP/inst" - > "$T_TMP/both"
while IFS= read -r d; do
	deb=/var/cache/apt/archives/$d
	[ "$(stat -c %s "$deb")" -lt 3000000 ] || continue
	rm -rf "$T_TMP/x"
	mkdir -p "$T_TMP/x"
	dpkg-deb -x "$deb" "$T_TMP/x" 2>/dev/null || continue
	while IFS= read -r f; do
		m=${f#"$T_TMP/x"}
		IFS= read -r -n 4 magic < "$f" 2>/dev/null && [ "$magic" = $'\x7fELF' ] || continue
		[ -f "$m" ] && [ ! -L "$m" ] && cmp -s "$f" "$m" && dpkg-query -S "$m" > /dev/null 2>&1 || continue
		found=$m
		break
	done < <(find "$T_TMP/x/usr/bin" "$T_TMP/x/usr/sbin" "$T_TMP/x/usr/lib" -type f 2>/dev/null | sort)
	[ -n "$found" ] && break
done < "$T_TMP/both"
[ -n "$found" ] || { t_skip "no installed package with its .deb in the apt cache"; t_done; }
name=$(dpkg-deb -f "$deb" Package)
db=$T_TMP/both.db
t_pk scan --db "$db" --jobs 2 "$found" "$deb"
t_is "$T_RC" 0 "scan of $found and $(basename "$deb") exits 0"
t_is "$(t_sql "$db" "SELECT count(*) FROM package WHERE name = '$name'")" 1 "one package row for $name"
t_is "$(t_sql "$db" "SELECT count(*) FROM file WHERE path = '$found'")" 1 "one file row for $found"
t_readelf_imports "$found" > "$T_TMP/want"
t_sql "$db" "SELECT symbol, coalesce(symbol_version, '') FROM v_imports WHERE member_path = '$found'" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_imports lists $found once, equal to readelf"
t_done
