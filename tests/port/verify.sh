#!/bin/bash
# Description: parakit port --verify builds a copy of the ported tree with
# the tree's own command and says "adapted" only when it built: without
# PKG_CONFIG_PATH (pkg-config knows no libpk, the build tree's
# libpk-uninstalled.pc is used) and whatever the make that runs parakit
# puts in MAKEFLAGS; a build that fails is "failed", exit 1, with its
# log's tail in the JSON and on stderr, and the diff still written; a tree
# whose build is not recognised is "manual". The summary says it too.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
t_require sqlite3 jq make cc pkg-config
port_build_libpk
unset PKG_CONFIG_PATH

tree=$T_TMP/pwc
port_pwc_tree "$tree"
cat > "$tree/Makefile" <<'EOF2'
CFLAGS = -O2
pwc: src/main.o src/count.o
	$(CC) $(LDFLAGS) -o $@ src/main.o src/count.o $(LDLIBS)
EOF2
# An outer make's override must not reach the tree's build.
sed -i '1i #ifdef PK_OUTER\n#error the outer make'"'"'s CFLAGS leaked\n#endif' "$tree/src/main.c"
db=$T_TMP/port.db
mkdir -p "$T_TMP/tmp"

if pkg-config --exists libpk; then
	t_skip "libpk is installed: pkg-config finds it without the build tree"
else
	t_pass "pkg-config knows no libpk: --verify must bring the build tree's"
fi
MAKEFLAGS='CFLAGS=-DPK_OUTER' MAKELEVEL=1 TMPDIR=$T_TMP/tmp t_pk port --db "$db" --json --verify --diff "$T_TMP/p.patch" "$tree"
t_is "$T_RC:$(jq -r '[.build, .build_system, .build_log] | @tsv' <<< "$T_OUT")" "0:adapted	make	" \
	"a build that succeeds: 'adapted', exit 0"
t_is "$(ls -A "$T_TMP/tmp")" "" "no copy left behind"
TMPDIR=$T_TMP/tmp t_pk port --db "$db" --verify --diff "$T_TMP/p2.patch" "$tree"
t_like "$T_OUT" '^  build +adapted \(make\)$' "the summary says it: adapted (make)"
t_cmp "$T_TMP/p2.patch" "$T_TMP/p.patch" "--verify changes nothing in the diff"

# A tree whose build fails (an unrelated file of it does not compile).
broken=$T_TMP/broken
port_tree_copy "$tree" "$broken"
printf '#error this tree does not build\n' > "$broken/src/other.c"
sed -i 's|src/count.o$|src/count.o src/other.o|; s|src/count.o \$(LDLIBS)|src/count.o src/other.o $(LDLIBS)|' "$broken/Makefile"
TMPDIR=$T_TMP/tmp t_pk port --db "$db" --json --verify --diff "$T_TMP/b.patch" "$broken"
t_is "$T_RC:$(jq -r .build <<< "$T_OUT")" "1:failed" "a build that fails: 'failed', exit 1"
t_like "$(jq -r .build_log <<< "$T_OUT")" 'error: #error this tree does not build' "build_log holds the log's tail"
t_ok "the tail is a tail (20 lines at most)" test "$(jq -r .build_log <<< "$T_OUT" | wc -l)" -le 20
t_like "$(cat "$T_ERR")" "does not build \(make\); its log ends with:" "stderr says so"
t_like "$(cat "$T_ERR")" 'error: #error this tree does not build' "with the log's lines"
t_ok "the diff is still written" grep -q '^+++ b/Makefile' "$T_TMP/b.patch"
t_is "$(ls -A "$T_TMP/tmp")" "" "no copy left behind"

# No build at all.
nobuild=$T_TMP/nobuild
port_pwc_tree "$nobuild"
TMPDIR=$T_TMP/tmp t_pk port --db "$db" --json --verify "$nobuild"
t_is "$T_RC:$(jq -r '[.build, .build_system] | @tsv' <<< "$T_OUT")" "0:manual	" "no build recognised: 'manual'"
t_like "$(cat "$T_ERR")" "no build recognised" "and the user is told what to add"
t_like "$(cat "$T_ERR")" "--verify: the build of '.*' was not recognised, nothing was built" "and that nothing was built"
t_done
