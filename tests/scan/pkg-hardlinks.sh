#!/bin/bash
# Description: an ELF file stored twice in an archive as a hard link (tar's
# 'h' entries, which dpkg-deb and tar write for linked files) is recorded
# at both paths, as dpkg-deb -x and tar -x install it: v_imports equals
# readelf on the extracted tree (perl-base ships /usr/bin/perl5.36.0 so).
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 dpkg-deb tar

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
root=$T_TMP/root
mkdir -p "$root/DEBIAN" "$root/usr/bin"
cp "$fx/uselib" "$root/usr/bin/one"
ln "$root/usr/bin/one" "$root/usr/bin/two"
printf 'Package: hardlinks\nVersion: 1\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: t\n' \
	> "$root/DEBIAN/control"
dpkg-deb --root-owner-group --build "$root" "$T_TMP/hl.deb" >/dev/null
t_is "$?" 0 "dpkg-deb builds the package"
t_like "$(dpkg-deb -c "$T_TMP/hl.deb")" '^h.* link to ' "the .deb holds a hard link entry"
t_ok "tar builds the tarball" tar -C "$root" -cf "$T_TMP/hardlinks.tar" usr

for a in hl.deb hardlinks.tar; do
	rm -rf "$T_TMP/x"
	mkdir -p "$T_TMP/x"
	case $a in
	*.deb) dpkg-deb -x "$T_TMP/$a" "$T_TMP/x" ;;
	*) tar -C "$T_TMP/x" -xf "$T_TMP/$a" ;;
	esac
	for f in one two; do
		t_readelf_imports "$T_TMP/x/usr/bin/$f" "/usr/bin/$f	"
	done | sort > "$T_TMP/want"
	t_scan "$T_TMP/$a.db" "$T_TMP/$a"
	t_is "$T_RC" 0 "$a: scan exits 0"
	t_db_imports "$T_TMP/$a.db" 1 > "$T_TMP/got"
	t_cmp "$T_TMP/got" "$T_TMP/want" "$a: v_imports has both paths, as extracted"
done
t_done
