#!/bin/bash
# Description: for real single-process commands (tar, find, sha256sum, cp
# over a tree built here) the per-syscall call counts equal strace -f -c's,
# syscall by syscall (exit and exit_group aside: strace does not count them).
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require strace sqlite3 tar find sha256sum
tr_require_bpf
db=$T_TMP/t.db
tree=$T_TMP/tree
for d in a b c/d c/e; do
	mkdir -p "$tree/$d"
	for i in 1 2 3 4 5 6 7; do
		head -c $((i * 3000)) /dev/urandom > "$tree/$d/f$i"
	done
done
ln -s a/f1 "$tree/link"
cd "$T_TMP" || exit 1

run=0
compare()
{
	local name=$1
	shift
	rm -rf "$T_TMP/scratch"
	# Same stdio as under strace: isatty() and friends differ by file type.
	T_RC=0
	"$PARAKIT" trace --db "$db" -o "$T_TMP/$name.table" -- "$@" </dev/null >/dev/null 2>&1 || T_RC=$?
	run=$((run + 1))
	t_is "$T_RC" 0 "$name: traced run succeeds"
	rm -rf "$T_TMP/scratch"
	tr_strace_counts "$T_TMP/$name.strace" "$@"
	tr_db_counts "$db" $run "$T_TMP/$name.ours"
	t_cmp "$T_TMP/$name.ours" "$T_TMP/$name.strace" "$name: per-syscall calls equal strace -f -c's"
}

compare tar tar -cf "$T_TMP/out.tar" -C "$tree" .
compare tar-x sh -c "mkdir scratch && tar -xf out.tar -C scratch"
compare find find "$tree" -name 'f*' -newer "$tree/a/f1"
compare sha256sum sha256sum "$tree"/a/f1 "$tree"/a/f2 "$tree"/c/d/f7 "$tree/link"
compare sort sort "$tree/a/f3" -o "$T_TMP/sorted"
t_done
