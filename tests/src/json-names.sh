#!/bin/bash
# Description: every command's --json stays valid JSON whatever the names
# it prints: a database path, a tree and a binary whose names hold a quote,
# a backslash and a Latin-1 byte (not UTF-8) come back byte for byte from
# parakit scan, src and shim --json (common/json.c: \udcHH, Python's
# surrogateescape). A binary that routes nothing (true) still gets a shim.
. "$(dirname "$0")/../lib/t.sh"
t_require python3 cc
cd "$T_TMP" || exit 1
dir=$T_TMP/$'we"ird\\ \xe9'
mkdir -p "$dir/tree"
printf '#include <unistd.h>\nint main(void) { char c; return (int)read(0, &c, 1); }\n' > "$dir/tree/m.c"
cp /usr/bin/true "$dir/bin"

# json_field FILE KEY: the string at KEY, as the bytes it stands for (hex).
json_field()
{
	python3 -c 'import json, sys
v = json.load(open(sys.argv[1], encoding="utf-8"))[sys.argv[2]]
print(v.encode("utf-8", "surrogateescape").hex())' "$1" "$2"
}
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

t_pk scan --db "$dir/db" --json "$dir/bin"
printf '%s' "$T_OUT" > scan.json
t_is "$(json_field scan.json db)" "$(hex "$dir/db")" "scan --json: the database path, byte for byte"
t_pk src --db "$dir/db" --json "$dir/tree" -- -I.
printf '%s' "$T_OUT" > src.json
t_is "$(json_field src.json tree)" "$(hex "$dir/tree")" "src --json: the tree, byte for byte"
t_pk shim --db "$dir/db" --json -o "$T_TMP/bin.pk.so" "$dir/bin"
printf "%s" "$T_OUT" > shim.json
t_is "$(json_field shim.json binary)" "$(hex "$dir/bin")" "shim --json: the binary, byte for byte"
t_done
