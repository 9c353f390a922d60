#!/bin/bash
# Description: ELF files stripped of their section headers as sstrip does
# it (e_shoff, e_shnum and e_shstrndx zeroed, the file cut after its last
# segment; Debian 12 has no sstrip) are read through PT_DYNAMIC: each gives
# the same imports (with versions and weak bindings), exports, DT_NEEDED
# and SONAME as the unstripped file, for gcc's binaries with DT_GNU_HASH
# and with DT_HASH only, a library with version definitions, and both
# classes and byte orders (i386, s390 and s390x, whose DT_HASH entries are
# 8 bytes). They were recorded as unread, "no section headers: dynamic
# symbols not read" (issue 15, item 13).
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 truncate as ld s390x-linux-gnu-as s390x-linux-gnu-ld

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
printf '#include <stdio.h>\nint main(int c, char **v) { return printf("%%s\\n", v[c - 1]) < 0; }\n' > "$T_TMP/p.c"
t_ok "a binary with DT_HASH alone builds" gcc -O2 -Wl,--hash-style=sysv -o "$fx/plain-sysv" "$T_TMP/p.c"
syms="read@STUB_1 open64@STUB_1 __printf_chk@STUB_2 hook% plainsym"
for a in s390x s390 i386; do
	# shellcheck disable=SC2086
	t_ok "$a fixture builds" t_fx_asm_so "$fx/$a.so" $a $syms
	rm -f "$fx/$a.so.stub.so"
done
# s390x with DT_HASH alone, whose entries are 8 bytes there.
printf '.data\n.weak hook\n.globl t\nt: .quad read\n.quad hook\n' > "$T_TMP/s.s"
t_ok "an s390x object with DT_HASH alone builds" eval 's390x-linux-gnu-as -m64 -o "$T_TMP/s.o" "$T_TMP/s.s" &&
	s390x-linux-gnu-ld -m elf64_s390 -shared --hash-style=sysv -soname s390x-sysv.so \
		-o "$fx/s390x-sysv.so" "$T_TMP/s.o"'
files="fortify libver.so uselib plain plain-sysv s390x.so s390.so i386.so s390x-sysv.so"
mkdir -p "$T_TMP/full" "$T_TMP/sstripped"
for f in $files; do
	cp "$fx/$f" "$T_TMP/full/$f"
	t_sstrip "$fx/$f" "$T_TMP/sstripped/$f"
done
t_is "$(readelf -hW "$T_TMP/sstripped/libver.so" | sed -n 's/^ *Number of section headers: *//p')" 0 \
	"the stripped copies have no section headers"
t_like "$(readelf -dW "$T_TMP/full/plain-sysv")" '\(HASH\)' "plain-sysv has DT_HASH"
t_is "$(readelf -dW "$T_TMP/full/plain-sysv" "$T_TMP/full/s390x-sysv.so" | grep -c GNU_HASH)" 0 \
	"neither it nor s390x-sysv.so has DT_GNU_HASH"

db=$T_TMP/t.db
t_scan "$db" "$T_TMP/full" "$T_TMP/sstripped"
t_is "$T_RC" 0 "the run exits 0"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_scan_errors")" 0 "no errors"

# What the database says of one file: imports, exports, needed, soname.
facts()
{
	t_sql "$db" "SELECT 'I', s.name, coalesce(v.name, ''), i.weak FROM file f JOIN import i ON i.binary_id = f.binary_id
		     JOIN symbol s ON s.id = i.symbol_id LEFT JOIN symver v ON v.id = i.symver_id WHERE f.path = '$1'
		     UNION ALL SELECT 'E', e.name, coalesce(v.name, ''), e.is_default FROM file f
		     JOIN export e ON e.binary_id = f.binary_id LEFT JOIN symver v ON v.id = e.symver_id WHERE f.path = '$1'
		     UNION ALL SELECT 'N', n.seq, n.lib, '' FROM file f JOIN needed n ON n.binary_id = f.binary_id
		     WHERE f.path = '$1'
		     UNION ALL SELECT 'S', b.soname, b.static, b.interp FROM file f JOIN binary b ON b.id = f.binary_id
		     WHERE f.path = '$1'" | sort
}
for f in $files; do
	t_readelf_imports "$T_TMP/full/$f" > "$T_TMP/want"
	t_db_imports "$db" "member_path = '$T_TMP/sstripped/$f'" | cut -f2- > "$T_TMP/got"
	t_cmp "$T_TMP/got" "$T_TMP/want" "$f: the imports readelf finds in the unstripped file"
	facts "$T_TMP/full/$f" > "$T_TMP/want"
	facts "$T_TMP/sstripped/$f" > "$T_TMP/got"
	t_cmp "$T_TMP/got" "$T_TMP/want" "$f: imports, exports, DT_NEEDED, SONAME as the unstripped file's"
done
t_done
