#!/bin/bash
# Description: a loose file whose content changed between two runs is read
# again and v_imports then shows the new content's imports, not the old
# ones (the file row follows the path to its new binary).
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
mkdir -p "$T_TMP/in"
f=$T_TMP/in/tool
cp "$fx/uselib" "$f"
db=$T_TMP/t.db
t_scan "$db" "$T_TMP/in"
t_is "$T_RC" 0 "first run exits 0"
cp "$fx/plain" "$f"
t_scan "$db" --json "$T_TMP/in"
t_is "$T_RC" 0 "second run exits 0"
t_like "$T_OUT" '"inputs":1,"unchanged":0' "the changed file is read again"
t_readelf_imports "$f" "$f	" > "$T_TMP/want"
t_db_imports "$db" 1 > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "v_imports shows the new content"
t_done
