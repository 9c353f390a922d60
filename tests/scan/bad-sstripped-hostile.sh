#!/bin/bash
# Description: a file without section headers is read through PT_DYNAMIC,
# and each table found there is checked against the file: a DT_STRSZ, a
# DT_SYMTAB, a DT_GNU_HASH bucket count or a PT_DYNAMIC that points past
# the file's segments, and a file cut inside its symbol table, are each
# recorded with the reason (issue 15, item 13); the sound stripped file
# beside them is read, and the run exits 1.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 truncate od

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
in=$T_TMP/in
mkdir -p "$in"
src=$T_TMP/uselib
# As sstrip does it: no section headers, nothing after the last segment.
cp "$fx/uselib" "$src"
while read -r type off vaddr paddr filesz rest; do
	case $off in 0x*) ;; *) continue ;; esac
	[ $((off + filesz)) -gt "${last:-0}" ] && last=$((off + filesz))
done < <(readelf -lW "$src" | sed -n '/^ *Type /,/^$/p')
truncate -s "$last" "$src"
t_poke "$src" $((0x28)) 8 0
t_poke "$src" $((0x3c)) 4 0
cp "$src" "$in/good"
t_is "$(readelf -lW "$src" | awk '$1 == "LOAD" { print $2, $3; exit }')" "0x000000 0x0000000000000000" \
	"its first segment maps offset 0 at address 0 (an address there is an offset)"

dyn=$(($(readelf -lW "$src" | awk '$1 == "DYNAMIC" { print $2 }')))
# dyn_val TAG: the offset of the value of the first dynamic entry TAG.
dyn_val()
{
	local i t
	for ((i = 0; i < 128; i++)); do
		t=$(od -An -tu8 -j $((dyn + 16 * i)) -N8 "$src" | tr -d ' ')
		[ "$t" = "$1" ] && { echo $((dyn + 16 * i + 8)); return 0; }
		[ "$t" = 0 ] && return 1
	done
	return 1
}
val() { od -An -tu8 -j "$1" -N8 "$src" | tr -d ' '; }
bad() { cp "$src" "$in/$1"; t_poke "$in/$1" "$2" "$3" "$4"; }

bad strsz-huge "$(dyn_val 10)" 8 $((0x7fffffffffff))
bad symtab-nowhere "$(dyn_val 6)" 8 $((0x7fffffff0000))
bad gnu-hash-buckets "$(val "$(dyn_val $((0x6ffffef5)))")" 4 $((0xffffffff))
# Elf64_Phdr: 56 bytes from e_phoff (0x40), p_offset at +8.
idx=$(readelf -lW "$src" | sed -n '/^ *Type /,/^$/p' | awk '$2 ~ /^0x/ { if ($1 == "DYNAMIC") print n; n++ }')
bad dynamic-past-end $((0x40 + 56 * idx + 8)) 8 $((1 << 40))
symtab=$(val "$(dyn_val 6)")
head -c $((symtab + 40)) "$src" > "$in/cut-in-symtab"

db=$T_TMP/t.db
t_scan "$db" "$in"
t_is "$T_RC" 1 "the run exits 1"
t_readelf_imports "$fx/uselib" "$in/good	" > "$T_TMP/want"
t_db_imports "$db" 1 > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "the sound stripped file is read"
reason() { t_sql "$db" "SELECT reason FROM v_scan_errors WHERE member_path = '$in/$1'"; }
t_is "$(reason strsz-huge)" "cannot read ELF: DT_STRTAB and DT_STRSZ lie outside the file's segments" "DT_STRSZ past the segment"
t_is "$(reason symtab-nowhere)" "cannot read ELF: DT_SYMTAB lies outside the file's segments" "DT_SYMTAB nowhere"
t_is "$(reason gnu-hash-buckets)" \
	"cannot read ELF: no DT_GNU_HASH or DT_HASH inside the file: the number of dynamic symbols is unknown" \
	"DT_GNU_HASH with more buckets than its segment holds"
t_is "$(reason dynamic-past-end)" "cannot read ELF: PT_DYNAMIC lies outside the file" "PT_DYNAMIC past the end"
t_like "$(reason cut-in-symtab)" "^cannot read ELF: (PT_DYNAMIC lies outside the file|DT_[A-Z]+ (and DT_STRSZ )?lies? outside the file's segments)\$" \
	"cut inside its symbol table"
for f in strsz-huge symtab-nowhere gnu-hash-buckets dynamic-past-end cut-in-symtab; do
	t_is "$(grep -c "^parakit scan: '$in/$f'" "$T_ERR")" 1 "$f: one line on stderr"
done
t_is "$(t_sql "$db" "SELECT count(*) FROM binary")" 1 "no binary row for a bad file"
t_done
