#!/bin/bash
# Description: inputs that cannot be read are recorded, not fatal and not
# silently dropped: a file and a .deb without read permission (named on the
# command line, or met in a walk), a directory that cannot be listed, a
# dangling symbolic link named on the command line, a FIFO named on the
# command line (which must not hang the run); each gets a reason in
# v_scan_errors and a line on stderr, the good file beside them is read,
# and the run exits 1. Permissions do not stop root, so as root parakit
# runs as nobody (setpriv), for whom they really fail.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 mkfifo

as_user=()
if [ "$(id -u)" -eq 0 ]; then
	t_require setpriv
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	chmod 755 "$T_TMP"
	# The checkout may sit where nobody cannot reach it.
	mkdir -p "$T_TMP/bin"
	cp "$PARAKIT" "$T_TMP/bin/parakit"
	PARAKIT=$T_TMP/bin/parakit
	t_ok "parakit runs as nobody" bash -c '"$@" > /dev/null' _ "${as_user[@]}" "$PARAKIT" --version
fi
fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
chmod -R a+rX "$fx"
in=$T_TMP/in
mkdir -p "$in/closed-dir" "$in/sub"
cp "$fx/uselib" "$in/good"
cp "$fx/plain" "$in/no-read-walked"
cp "$fx/plain" "$in/closed-dir/hidden"
cp "$fx/plain" "$T_TMP/no-read-named"
t_ok ".deb builds" t_mk_deb "$in/sub/no-read_1_amd64.deb" noread 1 '' '' "$fx/plain:/usr/bin/plain"
chmod -R a+rX "$in"
chmod 000 "$in/no-read-walked" "$T_TMP/no-read-named" "$in/sub/no-read_1_amd64.deb" "$in/closed-dir"
ln -s "$T_TMP/nowhere" "$T_TMP/dangling"
mkfifo "$T_TMP/fifo" "$in/fifo-walked"
mkdir -p "$T_TMP/db" && chmod 777 "$T_TMP/db"
db=$T_TMP/db/t.db

t_ok "the files really are unreadable for the scanning user" \
	bash -c '! "$@" cat "'"$in/no-read-walked"'" 2>/dev/null' _ "${as_user[@]}"
T_RC=0
mkdir -p "$T_TMP/no-dpkg"
timeout 60 "${as_user[@]}" "$PARAKIT" scan --db "$db" --jobs 2 --admindir "$T_TMP/no-dpkg" \
	"$in" "$T_TMP/no-read-named" "$T_TMP/dangling" "$T_TMP/fifo" > /dev/null 2> "$T_ERR" || T_RC=$?
if grep -Eq 'runtime error:|Sanitizer' "$T_ERR"; then
	t_sanitizer=$((t_sanitizer + 1))
	t_diag "$(head -30 "$T_ERR")"
fi
t_is "$T_RC" 1 "the run exits 1 (and does not hang on the FIFO)"
t_readelf_imports "$fx/uselib" "$in/good	" > "$T_TMP/want"
t_db_imports "$db" 1 > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "the good file is read"

reason() { t_sql "$db" "SELECT group_concat(reason, ' / ') FROM scan_error WHERE input = '$1'"; }
t_like "$(reason "$T_TMP/no-read-named")" "^cannot open: Permission denied$" "unreadable file named on the command line"
t_like "$(reason "$in/no-read-walked")" "^cannot open: Permission denied$" "unreadable file met in the walk"
t_like "$(reason "$in/sub/no-read_1_amd64.deb")" "^cannot open: Permission denied$" "unreadable .deb met in the walk"
t_like "$(reason "$in/closed-dir")" "Permission denied" "directory that cannot be listed"
t_like "$(reason "$T_TMP/dangling")" "No such file or directory" "dangling symbolic link named on the command line"
t_like "$(reason "$T_TMP/fifo")" "not a regular file" "FIFO named on the command line"
t_is "$(reason "$in/fifo-walked")" "" "a FIFO met in the walk is no input and no error"
for f in "$T_TMP/no-read-named" "$in/no-read-walked" "$in/sub/no-read_1_amd64.deb" "$in/closed-dir" \
	"$T_TMP/dangling" "$T_TMP/fifo"; do
	t_ok "${f#"$T_TMP"/}: one line on stderr" test "$(grep -c "^parakit scan: '$f'" "$T_ERR")" -eq 1
done
t_is "$(t_sql "$db" "SELECT count(*) FROM v_scan_errors")" 6 "six errors, no more"
t_done
