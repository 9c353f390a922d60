#!/bin/bash
# Description: a translation unit port cannot parse at all is an error, as
# for src (issue 15): port exits 1 and v_port_sites holds a row that says
# the unit's calls are unknown (they used to appear nowhere, exit 0); a
# unit that parses with errors is still ported; compile_commands.json
# entries outside the tree, or reached through a symbolic link that
# leaves it, are named on stderr instead of dropped in silence.
. "$(dirname "$0")/../lib/t.sh"

tree=$T_TMP/tree
mkdir -p "$tree" "$T_TMP/outside"
printf '#include <unistd.h>\nint main(void)\n{\n\tchar b[4];\n\treturn (int)read(0, b, 4);\n}\n' > "$tree/a.c"
printf '#include <unistd.h>\nint f(void)\n{\n\tchar b[4];\n\treturn (int)write(1, b, 4);\n}\n' > "$tree/b.c"
cp "$tree/b.c" "$T_TMP/outside/c.c"
cp "$tree/b.c" "$T_TMP/outside/d.c"
ln -s ../outside/d.c "$tree/link.c"
cat > "$tree/compile_commands.json" <<EOF2
[{"directory": "$tree", "file": "a.c", "arguments": ["cc", "-c", "a.c"]},
 {"directory": "$tree", "file": "b.c", "arguments": ["cc", "-c", "b.c", "-include", "/nonexistent/x.h"]},
 {"directory": "$tree", "file": "gone.c", "arguments": ["cc", "-c", "gone.c"]},
 {"directory": "$T_TMP/outside", "file": "c.c", "arguments": ["cc", "-c", "c.c"]},
 {"directory": "$tree", "file": "link.c", "arguments": ["cc", "-c", "link.c"]}]
EOF2
db=$T_TMP/port.db
t_pk port --db "$db" --diff "$T_TMP/p.diff" "$tree"
t_is "$T_RC" 1 "a unit that does not parse at all: exit 1, as src"
t_like "$(cat "$T_ERR")" "cannot parse 'gone.c': cannot open: No such file or directory" "and stderr says which and why"
t_like "$(cat "$T_ERR")" "gone.c': its calls are not known, none is ported" "and what it means for the port"
t_is "$(t_sql "$db" "SELECT file || ':' || action || ':' || reason FROM v_port_sites WHERE tree = '$tree' AND callee = '*'")" \
	"gone.c:left:the unit did not parse: its calls are not known (v_src_errors)" \
	"v_port_sites: one row for the unit, left, with the reason"
t_is "$(t_sql "$db" "SELECT group_concat(file || ':' || callee || ':' || action, ' ') FROM
			(SELECT * FROM v_port_sites WHERE tree = '$tree' AND callee <> '*' ORDER BY file)")" \
	"a.c:read:rewritten b.c:write:rewritten" "the units that parse are ported, with errors too (b.c)"
t_like "$(cat "$T_ERR")" "'$T_TMP/outside/c.c' is outside the tree" "an entry outside the tree is named"
t_like "$(cat "$T_ERR")" "'$T_TMP/outside/d.c' is outside the tree" "and so is a file reached through a link that leaves it"
t_done
