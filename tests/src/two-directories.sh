#!/bin/bash
# Description: translation units compiled in different directories, parsed
# side by side (--jobs 2), interleaved: 40 TUs in a/ call read through
# a/inc's macro and 40 in b/ call write through b/inc's, each finding its
# own header through a relative -I; 20 files b/ lacks (a/ has them) are
# reported missing from b/. libclang moves the whole process to a TU's
# directory, so src_parse() lets one directory be parsed at a time and
# goes back to where it started (the race is too narrow for a test to
# catch reliably; this checks the behaviour it protects).
. "$(dirname "$0")/../lib/t.sh"
t_require sqlite3
tree=$T_TMP/tree
for d in a b; do
	mkdir -p "$tree/$d/inc"
	fn=read; [ $d = b ] && fn=write
	printf '#include <unistd.h>\n#define IO(fd, buf, n) %s(fd, buf, n)\n' $fn > "$tree/$d/inc/io.h"
	for i in $(seq 1 40); do
		printf '#include "io.h"\nint f%s%d(char *p) { return (int)IO(0, p, 1); }\n' $d "$i" > "$tree/$d/t$i.c"
	done
done
{
	echo '['
	for i in $(seq 1 40); do
		for d in a b; do
			printf '{"directory":"%s","file":"t%d.c","arguments":["cc","-Iinc","-c","t%d.c"]},\n' "$tree/$d" "$i" "$i"
		done
	done
	# b/ lacks these files, a/ has them: only b/'s directory tells.
	for i in $(seq 1 20); do
		printf '{"directory":"%s","file":"t%d.c","arguments":["cc","-Iinc","-c","t%d.c"]},\n' "$tree/b" "$((i + 100))" "$((i + 100))"
		printf '{"directory":"%s","file":"t%d.c","arguments":["cc","-Iinc","-c","t%d.c"]},\n' "$tree/a" "$i" "$i"
	done | sed '$ s/,$//'
	echo ']'
} > "$tree/compile_commands.json"
for i in $(seq 101 120); do cp "$tree/a/t1.c" "$tree/a/t$i.c"; done

cd "$T_TMP" || exit 1
t_pk src --db s.db --jobs 2 -p "$tree" "$tree"
t_is "$T_RC" 1 "parakit src --jobs 2 over two directories (exit 1: b/ lacks 20 files)"
t_is "$(t_sql s.db "SELECT count(*) FROM v_src_errors WHERE tu LIKE 'b/t1__.c' AND message LIKE 'cannot open%'")" 20 \
	"each file b/ lacks is reported as missing from b/, not parsed from a/"
t_is "$(t_sql s.db "SELECT count(*) FROM v_call_sites WHERE file LIKE 'a/%' AND callee = 'read'")" 40 \
	"every TU of a/ calls read (a/inc/io.h)"
t_is "$(t_sql s.db "SELECT count(*) FROM v_call_sites WHERE file LIKE 'b/%' AND callee = 'write'")" 40 \
	"every TU of b/ calls write (b/inc/io.h)"
t_is "$(t_sql s.db "SELECT count(*) FROM v_call_sites WHERE (file LIKE 'a/%' AND callee = 'write')
	OR (file LIKE 'b/%' AND callee = 'read')")" 0 "no TU took the other directory's header"
t_is "$(pwd)" "$T_TMP" "the shell's directory is untouched"
t_ok "parakit src wrote its database where it was started" test -s "$T_TMP/s.db"
t_done
