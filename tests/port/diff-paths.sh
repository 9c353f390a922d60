#!/bin/bash
# Description: the paths of a port diff. --diff with a relative FILE writes
# it in the directory parakit was started from (libclang's
# -working-directory moves the process into the tree while it parses),
# and file names with a blank, quotes, a backslash or a tab are quoted in
# the diff as GNU diff quotes them, so patch -p1 applies it and the result
# is what --apply writes.
. "$(dirname "$0")/../lib/t.sh"
t_require patch

tree=$T_TMP/t
mkdir -p "$tree/sub dir" "$T_TMP/cwd"
names=("plain.c" "sub dir/a b.c" "q\"uote.c" "back\\slash.c" "tab	name.c")
for n in "${names[@]}"; do
	printf '#include <unistd.h>\n\nint f_%s(int fd, char *b)\n{\n\treturn (int)read(fd, b, 1);\n}\n' \
		"$(printf '%s' "$n" | md5sum | cut -c1-8)" > "$tree/$n"
done
cp -r "$tree" "$T_TMP/patched"
db=$T_TMP/port.db

T_OUT=$(cd "$T_TMP/cwd" && "$PARAKIT" port --db "$db" --diff rel.patch "$tree" 2> "$T_ERR") && T_RC=0 || T_RC=$?
t_is "$T_RC" 0 "port --diff rel.patch exits 0"
t_ok "the diff is written where parakit was started" test -s "$T_TMP/cwd/rel.patch"
t_ok "and not in the tree" test ! -e "$tree/rel.patch"
t_is "$(grep -c '^+++ ' "$T_TMP/cwd/rel.patch")" "${#names[@]}" "one file diff per file"
t_is "$(grep '^+++ ' "$T_TMP/cwd/rel.patch" | LC_ALL=C sort)" \
	"$(printf '%s\n' '+++ "b/back\\slash.c"' '+++ "b/q\"uote.c"' '+++ "b/sub dir/a b.c"' '+++ "b/tab\tname.c"' \
		'+++ b/plain.c' | LC_ALL=C sort)" "names that need it are quoted with C escapes, the others bare"
t_ok "patch -p1 applies it" patch -s -p1 -d "$T_TMP/patched" -i "$T_TMP/cwd/rel.patch"
t_pk port --db "$db" --apply "$tree"
t_is "$T_RC" 0 "--apply exits 0"
t_ok "the patched copy is what --apply writes" diff -r "$T_TMP/patched" "$tree"
for n in "${names[@]}"; do
	grep -q 'pk_read' "$tree/$n" || t_diag "not ported: $n"
done
t_is "$(grep -l 'return (int)pk_read(fd, b, 1);' "$tree"/*.c "$tree"/sub*/*.c | wc -l)" "${#names[@]}" \
	"every file's read is rewritten"
t_done
