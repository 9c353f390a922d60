#!/bin/bash
# Description: parakit port --apply edits the tree in place: refused (exit
# 1, nothing touched) when the git work tree has uncommitted changes,
# done with --force, done on a clean tree, and the result is what the
# diff gives; bad usage exits 2; --only limits the functions.
. "$(dirname "$0")/../lib/t.sh"
t_require git patch

tree=$T_TMP/t
mkdir -p "$tree"
cat > "$tree/a.c" <<'EOF2'
#include <unistd.h>

int main(void)
{
	char c;

	while (read(0, &c, 1) == 1)
		if (write(1, &c, 1) != 1)
			return 1;
	sleep(0);
	return 0;
}
EOF2
git -C "$tree" init -q && git -C "$tree" add a.c &&
	git -C "$tree" -c user.email=t@t -c user.name=t commit -qm fixture
cp -r "$tree" "$T_TMP/copy"
db=$T_TMP/port.db

t_pk port --db "$db" "$tree"
printf '%s\n' "$T_OUT" > "$T_TMP/diff"
echo '/* dirty */' >> "$tree/a.c"
before=$(sha1sum "$tree/a.c")
t_pk port --db "$db" --apply "$tree"
t_is "$T_RC" 1 "--apply on a dirty git tree exits 1"
t_like "$(cat "$T_ERR")" "uncommitted changes: commit or stash them, or add --force" "and says why"
t_is "$(sha1sum "$tree/a.c")" "$before" "and touches nothing"
t_pk port --db "$db" --apply --force "$tree"
t_is "$T_RC" 0 "--apply --force edits the dirty tree"
t_like "$(tr "\n" " " < "$tree/a.c")" "pk_read\(0, &c, 1\).*pk_write\(1, &c, 1\).*pk_sleep\(0\).*dirty" "with the rewrites and the user's change"
git -C "$tree" checkout -q a.c
t_pk port --db "$db" --apply "$tree"
t_is "$T_RC" 0 "--apply on a clean tree"
patch -s -p1 -d "$T_TMP/copy" -i "$T_TMP/diff"
t_ok "gives what the diff gives" cmp "$tree/a.c" "$T_TMP/copy/a.c"
t_like "$T_OUT" "call sites +3 rewritten" "the summary goes to stdout with --apply"

git -C "$tree" checkout -q a.c
t_pk port --db "$db" --only read "$tree"
t_like "$T_OUT" "pk_read" "--only read rewrites read"
t_ok "and nothing else" sh -c "! printf '%s' \"\$1\" | grep -q 'pk_write'" _ "$T_OUT"
t_pk port --db "$db" --level threads "$tree"
t_is "$T_RC" 2 "a bad --level is bad usage (2)"
t_pk port --db "$db" --apply --diff x "$tree"
t_is "$T_RC" 2 "--apply with --diff is bad usage (2)"
t_pk port --db "$db" "$T_TMP/nope"
t_is "$T_RC" 1 "a missing tree exits 1"
t_like "$(cat "$T_ERR")" "parakit port: cannot open tree '.*nope': No such file or directory" "and says so"
t_done
