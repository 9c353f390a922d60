#!/bin/bash
# Description: ELF files of both classes and both byte orders are read
# exactly: a big-endian s390x (64-bit) and s390 (32-bit) shared object and
# a 32-bit i386 one, made with binutils alone, with versioned, unversioned
# and weak imports; v_imports equals readelf on each, and the binary row
# records class, byte order, machine and type.
. "$(dirname "$0")/../lib/t.sh"
t_require readelf sqlite3 as ld s390x-linux-gnu-as s390x-linux-gnu-ld

fx=$T_TMP/fx
mkdir -p "$fx"
syms="read@STUB_1 open64@STUB_1 __printf_chk@STUB_2 __isoc99_sscanf@STUB_2 hook% plainsym"
for a in s390x s390 i386 x86_64; do
	# shellcheck disable=SC2086
	t_ok "$a fixture builds" t_fx_asm_so "$fx/$a.so" $a $syms
	rm -f "$fx/$a.so.stub.so"
done
db=$T_TMP/t.db
t_scan "$db" "$fx"
t_is "$T_RC" 0 "scan exits 0"

for a in s390x s390 i386 x86_64; do
	t_readelf_imports "$fx/$a.so" "$fx/$a.so	" > "$T_TMP/want"
	t_db_imports "$db" "member_path = '$fx/$a.so'" > "$T_TMP/got"
	t_cmp "$T_TMP/got" "$T_TMP/want" "$a: v_imports equals readelf"
done

facts()
{
	t_sql "$db" "SELECT b.class, b.endian, b.machine, b.elf_type, b.static, coalesce(b.soname, '')
		     FROM binary b JOIN file f ON f.binary_id = b.id WHERE f.path = '$fx/$1'"
}
t_is "$(facts s390x.so)" "64	be	s390	DYN	0	s390x.so" "s390x: 64-bit, big-endian, s390, DYN, SONAME"
t_is "$(facts s390.so)" "32	be	s390	DYN	0	s390.so" "s390: 32-bit, big-endian"
t_is "$(facts i386.so)" "32	le	i386	DYN	0	i386.so" "i386: 32-bit, little-endian"
t_is "$(facts x86_64.so)" "64	le	x86-64	DYN	0	x86_64.so" "x86_64: 64-bit, little-endian"
t_is "$(t_sql "$db" "SELECT group_concat(lib) FROM needed n JOIN file f ON f.binary_id = n.binary_id
		      WHERE f.path = '$fx/s390x.so'")" libfxstub.so "s390x: DT_NEEDED read big-endian"
t_is "$(t_sql "$db" "SELECT posix_name FROM v_imports WHERE member_path = '$fx/s390x.so' AND symbol = '__isoc99_sscanf'")" \
	sscanf "s390x: __isoc99_sscanf maps to sscanf"
t_done
