#!/bin/bash
# Builds the harnesses' seed corpora, DIR/<harness>/, from the test
# fixtures (tests/lib/fixtures.sh): nothing binary is committed. A seed
# only has to reach code for the fuzzer to start from; small ones mutate
# faster, so archives hold the small assembled ELF files, and each archive
# format comes uncompressed as well as compressed (mutations of a
# compressed stream mostly break its checksum).
#
#	bash fuzz/seeds.sh DIR
set -eu
out=$1
T_LIB=$(cd "$(dirname "$0")/../tests/lib" && pwd)
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/parakit-seeds.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT
. "$T_LIB/fixtures.sh"

mkdir -p "$out"/{archive,elf,escape,names,rpm}
fx=$T_TMP/fx

# ELF: the fixtures (fortified, versioned library, its user, -O0 threads),
# both classes and byte orders assembled with binutils, an object file, a
# stripped compact executable, and a file cut inside its headers.
t_fx_elfs "$fx"
cp "$fx"/fortify "$fx"/libver.so "$fx"/uselib "$fx"/plain "$out/elf/"
t_fx_asm_so "$fx/s390x.so" s390x open64 '__printf_chk@GLIBC_2.3.4' 'weak_fn%'
t_fx_asm_so "$fx/s390.so" s390 read '__xstat64@GLIBC_2.2'
t_fx_asm_so "$fx/i386.so" i386 __isoc99_sscanf 'stat@V1' 'hook%'
t_fx_asm_so "$fx/x86_64.so" x86_64 fopen64 'open@GLIBC_2.2.5'
for a in s390x s390 i386 x86_64; do
	cp "$fx/$a.so" "$out/elf/$a.so"
done
printf 'int f(int x) { return x + 1; }\n' > "$T_TMP/obj.c"
gcc -c -o "$out/elf/obj.o" "$T_TMP/obj.c"
printf '#include <stdio.h>\nint main(void) { return puts("x") < 0; }\n' > "$T_TMP/small.c"
gcc -Os -s -Wl,-z,noseparate-code -o "$fx/small" "$T_TMP/small.c"
cp "$fx/small" "$out/elf/small"
head -c 100 "$fx/small" > "$out/elf/cut-header"
# AArch64 code for its decoder (analyzer/sys_arm64.c), when the cross
# libc and binutils are there (tests/scan/syscalls-aarch64.sh's): a small
# program, a library with a PLT, both stripped.
if command -v aarch64-linux-gnu-ld >/dev/null && [ -f /usr/aarch64-linux-gnu/lib/libc.so.6 ]; then
	printf '#include <unistd.h>\nlong f(long x) { return syscall(x) + getpid(); }\n' > "$T_TMP/a64.c"
	clang --target=aarch64-linux-gnu -fuse-ld="$(command -v aarch64-linux-gnu-ld)" -Os -s -fPIC -shared \
		-o "$out/elf/aarch64.so" "$T_TMP/a64.c"
	clang --target=aarch64-linux-gnu -fuse-ld="$(command -v aarch64-linux-gnu-ld)" -Os -s \
		-o "$out/elf/aarch64-small" "$T_TMP/small.c"
fi
# Go binaries' pclntab and build info, small: two of the table layouts.
t_fx_go_synth "$out/elf/go-1.2" 1.2
t_fx_go_synth "$out/elf/go-1.18" 1.18

# Archives: .deb (no compression, gzip, xz), tar, tar.gz, an Alpine .apk,
# an Android .apk, a tar with a hard link, and an .rpm (its payload goes
# through libarchive's cpio reader after the header).
members="$fx/x86_64.so:/usr/lib/libx.so.1 $fx/i386.so:/usr/bin/tool"
mk_deb()
{
	local out=$1 z=$2 root
	shift 2
	root=$(mktemp -d "$T_TMP/deb.XXXXXX")
	t_fx_stage "$root" "$@"
	mkdir -p "$root/DEBIAN"
	printf '%s\n' 'Package: seed' 'Version: 1:2.0-1' 'Architecture: amd64' \
		'Maintainer: parakit <t@example.org>' 'Pre-Depends: libc6 (>= 2.34)' \
		'Depends: libx | liby:any (<< 2), libz' 'Description: fuzzing seed' > "$root/DEBIAN/control"
	dpkg-deb --root-owner-group -Z"$z" --build "$root" "$out" >/dev/null
}
# $members is split on purpose: one SRC:DEST pair a word.
mk_deb "$out/archive/none.deb" none $members
mk_deb "$out/archive/gzip.deb" gzip "$fx/s390.so:/usr/lib/libs.so"
mk_deb "$out/archive/xz.deb" xz "$fx/s390x.so:/usr/lib/libs.so"
t_mk_tar "$out/archive/plain.tar" $members
t_mk_tar "$out/archive/seed.tar.gz" "$fx/s390.so:/lib/libs.so"
t_mk_alpine_apk "$out/archive/alpine.apk" seed 1.0-r0 'so:libc.musl-x86_64.so.1 busybox' $members
t_mk_android_apk "$out/archive/android.apk" "$fx/x86_64.so:/lib/x86_64/libseed.so"
t_mk_rpm "$out/archive/seed.rpm" seed 3:1.0 2 'glibc >= 2.34, libx' "$fx/i386.so:/usr/bin/tool"
mkdir -p "$T_TMP/links/usr/bin"
cp "$fx/s390x.so" "$T_TMP/links/usr/bin/a"
ln "$T_TMP/links/usr/bin/a" "$T_TMP/links/usr/bin/b"
(cd "$T_TMP/links" && tar --format=ustar -cf - ./usr) > "$out/archive/hardlink.tar"

# RPM headers: the .rpm above and one with no epoch, many Requires with
# every comparison.
cp "$out/archive/seed.rpm" "$out/rpm/"
t_mk_rpm "$out/rpm/requires.rpm" req 1.0 1 'a = 1, b < 2, c <= 3, d > 4, e >= 5, f' "$fx/s390.so:/lib/s"

# Names: glibc's renames and near misses.
for s in printf __printf_chk __fprintf_chk __read_chk __pread64_chk open64 __open64_2 \
	__isoc99_sscanf __isoc23_strtol __xstat64 __fxstatat __xpg_basename __xpg_strerror_r \
	__stat64_time64 __mq_timedsend_time64 __strtol_internal __strdup __sched_yield \
	readdir64_r _IO_getc __fdelt_chk __libc_start_main __cxa_finalize \
	_ZNSt8ios_base4InitC1Ev mmap64 lseek64 __assert_fail; do
	printf -- %s "$s" > "$out/names/$s"
done

# Escaper inputs: markup, formulas, quotes, separators, control
# characters, UTF-8 of each length, and bytes that are not UTF-8
# (overlong, surrogate, past U+10FFFF, cut off).
i=0
for s in 'plain_name' '<script>alert(1)</script>' 'a&amp;b' "it's \"quoted\"" \
	'=HYPERLINK("x")' '+1' '-2' '@SUM(A1)' '\tcell' 'a,b' 'line\nbreak\r\n' \
	'caf\303\251' '\342\202\254' '\360\237\222\251' '\300\257' '\355\240\200' \
	'\364\220\200\200' '\342\202' '\377\376' '\001\037\177' 'back\\x41slash' '\\udc80'; do
	printf -- "$s" > "$out/escape/$i"
	i=$((i + 1))
done
