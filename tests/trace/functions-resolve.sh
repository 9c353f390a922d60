#!/bin/bash
# Description: trace --functions --list binds each catalogue import as the
# dynamic linker does: the same library LD_DEBUG=bindings names (every
# symbol bound at start with LD_BIND_NOW), at the file offset of the
# symbol's version that nm -D shows (the default "@@" one for an
# unversioned import); a fortified import (__printf_chk) is printf's.
# Checked on the fixture and on real Debian programs. --list attaches
# nothing: as root, the kernel logs nothing about uprobes meanwhile.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require cc nm readelf
tr_build_funcs
[ "$(id -u)" -eq 0 ] && tr_guard_start

# off LIB VADDR: the file offset of VADDR (hex, no 0x) in LIB.
off()
{
	local v=$((16#$2)) o a n
	while read -r o a n; do
		if [ "$v" -ge $((a)) ] && [ "$v" -lt $((a + n)) ]; then
			printf '0x%x\n' $((v - a + o))
			return
		fi
	done < <(readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $3, $5 }')
}

for bin in "$T_TMP/funcs" /usr/bin/sort /usr/bin/gzip /usr/bin/find; do
	name=${bin##*/}
	t_pk trace --functions --list -- "$bin"
	t_is "$T_RC" 0 "$name: --list runs"
	printf '%s\n' "$T_OUT" | awk -F'\t' '$1 == "import"' > "$T_TMP/imports"
	t_ok "$name: imports catalogue functions ($(wc -l < "$T_TMP/imports"))" test -s "$T_TMP/imports"
	LD_BIND_NOW=1 LD_DEBUG=bindings LD_DEBUG_OUTPUT=$T_TMP/ld "$bin" --version </dev/null >/dev/null 2>&1
	[ "$name" = funcs ] && LD_BIND_NOW=1 LD_DEBUG=bindings LD_DEBUG_OUTPUT=$T_TMP/ld "$bin" 0 0 0 0 0 \
		</dev/null >/dev/null 2>&1
	# "binding file ./funcs [0] to /lib/.../libc.so.6 [0]: normal symbol `getpid' [GLIBC_2.2.5]"
	cat "$T_TMP"/ld.* 2>/dev/null | awk -v b="$bin" '
		$2 == "binding" && $4 == b { sym = $0; sub(/.*symbol `/, "", sym); sub(/'"'"'.*/, "", sym)
			print sym "\t" $7 }' | sort -u > "$T_TMP/ldso"
	rm -f "$T_TMP"/ld.*
	bad=0 checked=0 bound=0
	while IFS=$'\t' read -r _ fn sym ver lib offset; do
		want=$(awk -F'\t' -v s="$sym" '$1 == s { print $2 }' "$T_TMP/ldso" | head -1)
		if [ -n "$want" ] && [ "$(readlink -f "$want")" != "$(readlink -f "$lib")" ]; then
			t_diag "$name: $sym binds to $lib, ld.so says $want"
			bad=$((bad + 1))
			continue
		fi
		[ -n "$want" ] && bound=$((bound + 1))
		[ "$offset" = - ] && continue
		# The definition nm names: sym@@ver for the default, sym@ver for an old one.
		if [ "$ver" = - ]; then pat="^[0-9a-f]+ [TWi] $sym(@@.*)?\$"; else pat="^[0-9a-f]+ [TWi] $sym@@?$ver\$"; fi
		[ -f "$T_TMP/nm.${lib//\//_}" ] || nm -D --defined-only "$lib" > "$T_TMP/nm.${lib//\//_}"
		line=$(grep -E "$pat" "$T_TMP/nm.${lib//\//_}" | head -1)
		case $line in
		*" i "*) continue ;;	# an IFUNC: the probe is where it resolves, checked by the counts
		esac
		if [ -z "$line" ] || [ "$(off "$lib" "${line%% *}")" != "$offset" ]; then
			t_diag "$name: $sym@$ver in $lib at $offset, nm says '${line:-nothing}'"
			bad=$((bad + 1))
		fi
		checked=$((checked + 1))
	done < "$T_TMP/imports"
	t_is "$bad" 0 "$name: every import in the library ld.so binds it to, at nm's offset ($checked offsets checked)"
	t_ok "$name: ld.so's bindings compared ($bound)" test "$bound" -ge $((checked / 2)) -a "$bound" -gt 0
done

t_pk trace --functions --list -- "$T_TMP/funcs"
t_like "$T_OUT" $'import\tprintf\t__printf_chk\tGLIBC_2.3.4\t[^\t]*libc.so.6\t0x' "__printf_chk binds as printf"
t_like "$T_OUT" $'import\tgetppid\tgetppid\tGLIBC_2.2.5\t' "getppid binds with its version"
t_like "$T_OUT" $'site\tumask\t' "umask, which only the dlopen'd library calls, is probed too"
t_pk trace --functions --list -- /nonexistent/prog
t_is "$T_RC" 127 "a missing command: 127"
[ "$(id -u)" -eq 0 ] && tr_guard_check
t_done
