#!/bin/bash
# Description: an archive member far larger than its archive (a 1 GiB
# "ELF", an ELF header and zeros, in a .tar.zst of some kB) is an error
# with a reason, and is not written out: over --max-member, or with the
# default bound, over the free space of a 300 MB TMPDIR less the margin,
# it is refused from the size its header declares. parakit runs under a
# 128 MB file size limit (ulimit -f), which spilling it would pass (issue
# 15, item 7: it filled TMPDIR). A 20 MB ELF member under the bounds is
# still read; above --max-member it is an error too, and the run exits 1.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 tar zstd truncate

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
# A 1 GiB "ELF": plain's first 4 kB, then nothing (a sparse file, so only
# the compressed archive takes room).
head -c 4096 "$fx/plain" > "$T_TMP/giant"
truncate -s 1G "$T_TMP/giant"
# A real ELF of 20 MB: data past its sections do not change what it links.
cp "$fx/plain" "$T_TMP/big"
head -c $((20 << 20)) /dev/zero >> "$T_TMP/big"
in=$T_TMP/in
mkdir -p "$in"
t_mk_tar "$in/giant.tar.zst" "$T_TMP/giant:/usr/bin/giant" "$fx/uselib:/usr/bin/uselib"
t_mk_tar "$in/big.tar.zst" "$T_TMP/big:/usr/bin/big"
t_diag "giant.tar.zst: $(stat -c %s "$in/giant.tar.zst") bytes"

# parakit under a file size limit: writing 128 MB anywhere kills it.
real=$PARAKIT
PARAKIT=$T_TMP/limited
printf '#!/bin/bash\nulimit -f 131072\nexec "%s" "$@"\n' "$real" > "$PARAKIT"
chmod +x "$PARAKIT"
mkdir -p "$T_TMP/spill"

db=$T_TMP/t.db
TMPDIR=$T_TMP/spill t_scan "$db" --max-member 16M "$in"
t_is "$T_RC" 1 "--max-member 16M: the run exits 1 (not killed for writing 128 MB)"
t_is "$(t_sql "$db" "SELECT member_path || ': ' || reason FROM v_scan_errors ORDER BY 1")" \
"/usr/bin/big: member of $(stat -c %s "$T_TMP/big") bytes not read: over --max-member (16777216 bytes)
/usr/bin/giant: member of 1073741824 bytes not read: over --max-member (16777216 bytes)" \
	"each member over it is an error with its declared size"
t_is "$(grep -c "member of .* not read" "$T_ERR")" 2 "one line each on stderr"
t_readelf_imports "$fx/uselib" "/usr/bin/uselib	" > "$T_TMP/want"
t_db_imports "$db" 1 > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "the archive's other member is read"
t_pk scan --max-member 12X "$in"
t_is "$T_RC" 2 "a size that is none: exit 2"

if [ "$(id -u)" -ne 0 ]; then
	t_skip "mounting a tmpfs needs root"
elif ! mount -t tmpfs -o size=300m,mode=0755 tmpfs "$T_TMP/spill" 2>/dev/null; then
	t_skip "cannot mount a tmpfs here"
else
	trap 'umount "$T_TMP/spill" 2>/dev/null; t_cleanup' EXIT
	db=$T_TMP/t2.db
	TMPDIR=$T_TMP/spill t_scan "$db" "$in"
	t_is "$T_RC" 1 "TMPDIR a 300 MB tmpfs: the run exits 1 (not killed for writing 128 MB)"
	t_like "$(t_sql "$db" "SELECT member_path || ': ' || reason FROM v_scan_errors")" \
		"^/usr/bin/giant: member of 1073741824 bytes not read: the free space of TMPDIR \('$T_TMP/spill'\) less 64 MiB is [0-9]+ bytes\$" \
		"the giant is an error: over TMPDIR's free space less the margin"
	t_readelf_imports "$T_TMP/big" "/usr/bin/big	" > "$T_TMP/want"
	t_db_imports "$db" "member_path = '/usr/bin/big'" > "$T_TMP/got"
	t_cmp "$T_TMP/got" "$T_TMP/want" "the 20 MB member is spilled and read"
	t_is "$(df -k --output=used "$T_TMP/spill" | tail -1 | tr -d ' ')" 0 "TMPDIR is left empty"
	umount "$T_TMP/spill"
fi
t_done
