#!/bin/bash
# Description: truncated and corrupt ELF files (cut at every stage, absurd
# section counts and offsets in the ELF header, section headers whose
# offset, size or link point nowhere, program headers past the end) are
# each recorded in v_scan_errors with libelf's or parakit's reason and a
# one-line message on stderr; the good file beside them is still read, and
# the run exits 1.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 dd

fx=$T_TMP/fx
t_ok "fixtures build" t_fx_elfs "$fx"
src=$fx/uselib
size=$(stat -c %s "$src")
in=$T_TMP/in
mkdir -p "$in"
cp "$src" "$in/good"

cut_at() { head -c "$2" "$src" > "$in/$1"; }
cut_at trunc-magic 4
cut_at trunc-ident 16
cut_at trunc-ehdr 64
cut_at trunc-phdrs 100
cut_at trunc-half $((size / 2))
cut_at trunc-shdrs $((size - 10))

bad() { cp "$src" "$in/$1"; t_poke "$in/$1" "$2" "$3" "$4"; }
# ELF64 header fields: e_phoff 0x20, e_shoff 0x28, e_phnum 0x38,
# e_shentsize 0x3a, e_shnum 0x3c.
bad shnum-absurd $((0x3c)) 2 $((0xfffe))
bad shoff-absurd $((0x28)) 8 $((0x7ffffffffffffff0))
bad shoff-past-end $((0x28)) 8 $((size + 4096))
bad shentsize-bad $((0x3a)) 2 7
bad phoff-absurd $((0x20)) 8 $((0x7ffffffffffffff0))
bad phnum-absurd $((0x38)) 2 $((0xfff0))
bad class-bad 4 1 7
dynsym=$(t_shdr "$src" .dynsym)
dynstr=$(t_shdr "$src" .dynstr)
# Elf64_Shdr: sh_offset +24, sh_size +32, sh_link +40.
bad dynsym-offset-absurd $((dynsym + 24)) 8 $((0x7ffffffffffffff0))
bad dynsym-size-absurd $((dynsym + 32)) 8 $((0x7ffffffffffffff0))
bad dynsym-size-past-end $((dynsym + 32)) 8 $((size * 2))
bad dynsym-link-nowhere $((dynsym + 40)) 4 999
bad dynstr-too-short $((dynstr + 32)) 8 2
bad dynstr-offset-past-end $((dynstr + 24)) 8 $((size + 100))
nbad=$(($(ls "$in" | wc -l) - 1))

db=$T_TMP/t.db
t_scan "$db" "$in"
t_is "$T_RC" 1 "the run exits 1"
t_readelf_imports "$src" "$in/good	" > "$T_TMP/want"
t_db_imports "$db" 1 > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "the good file is read, the bad ones add no imports"
for f in $(ls "$in" | grep -v '^good$'); do
	reason=$(t_sql "$db" "SELECT reason FROM v_scan_errors WHERE member_path = '$in/$f' AND package = '$f'")
	t_like "$reason" '^cannot (read|map)[^:]*: .+' "$f: recorded with a reason ($reason)"
	t_is "$(grep -c "^parakit scan: '$in/$f'.*: " "$T_ERR")" 1 "$f: one line on stderr"
done
t_is "$(t_sql "$db" "SELECT count(*) FROM v_scan_errors")" "$nbad" "one error per bad file, no more"
t_is "$(t_sql "$db" "SELECT inputs || ' ' || errors FROM v_scan_runs")" "$((nbad + 1)) $nbad" \
	"v_scan_runs counts the inputs and the errors"
t_is "$(t_sql "$db" "SELECT count(*) FROM binary")" 1 "no binary row for a bad file"
t_done
