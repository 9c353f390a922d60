# Fixture builders for the shell tests, sourced by t.sh. Everything is built
# at test time from the sources here; nothing binary is committed.
#
# Files to put in packages are given as SRC:DEST pairs, DEST absolute.

# t_fx_elfs_build DIR: small ELF files whose imports are known.
#   fortify   -O2 -D_FORTIFY_SOURCE=2 -D_FILE_OFFSET_BITS=64: __printf_chk,
#             __read_chk, __isoc99_sscanf, open64, __fprintf_chk, ...
#   libver.so a shared library with a version script: versioned exports
#             (ver_new@@VER_2, ver_old@VER_1), a weak import (weak_hook)
#   uselib    imports ver_new@VER_2 from libver.so and glibc's functions
#   plain     -O0, no fortification: printf, stat, fopen, pthread_create
t_fx_elfs_build()
{
	local d=$1
	mkdir -p "$d"
	cat > "$d/fortify.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	char buf[64];
	struct stat st;
	int a = 0, fd = open(argv[0], O_RDONLY);

	if (read(fd, buf, argc * 8) < 0 || fstat(fd, &st))
		return 1;
	if (sscanf(argv[0], "%d", &a) != 1)
		fprintf(stderr, "%s\n", argv[0]);
	memcpy(buf, argv[0], argc);
	snprintf(buf, argc * 4, "%d", a);
	lseek(fd, 0, SEEK_SET);
	printf("%d %s %ld\n", a, buf, (long)st.st_size);
	return close(fd);
}
EOF
	cat > "$d/libver.c" <<'EOF'
extern int weak_hook(int) __attribute__((weak));
extern int puts(const char *);
int ver_new_2(int x) { return weak_hook ? weak_hook(x) : puts("new"); }
int ver_old_1(int x) { return x + 1; }
int ver_plain(int x) { return x - 1; }
__asm__(".symver ver_old_1, ver_old@VER_1");
__asm__(".symver ver_new_2, ver_new@@VER_2");
EOF
	printf 'VER_1 { global: ver_old; local: *; };\nVER_2 { global: ver_plain; } VER_1;\n' > "$d/libver.map"
	cat > "$d/uselib.c" <<'EOF'
#include <stdio.h>
extern int ver_new(int);
int main(void) { return printf("%d\n", ver_new(1)) < 0; }
EOF
	cat > "$d/plain.c" <<'EOF'
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
static void *run(void *p) { return p; }
int main(int argc, char **argv)
{
	struct stat st;
	pthread_t t;
	FILE *f = fopen(argv[0], "r");

	pthread_create(&t, NULL, run, NULL);
	pthread_join(t, NULL);
	printf("%d %d\n", stat(argv[0], &st), argc);
	return f ? fclose(f) : 1;
}
EOF
	gcc -O2 -D_FORTIFY_SOURCE=2 -D_FILE_OFFSET_BITS=64 -o "$d/fortify" "$d/fortify.c" &&
	gcc -O2 -fPIC -shared -Wl,--version-script="$d/libver.map" -Wl,-soname,libver.so.1 \
		-o "$d/libver.so" "$d/libver.c" &&
	gcc -O2 -o "$d/uselib" "$d/uselib.c" "$d/libver.so" &&
	gcc -O0 -pthread -o "$d/plain" "$d/plain.c" &&
	rm -f "$d"/*.c "$d"/*.map
}

# t_fx_elfs DIR: copies the fixtures into DIR. They are built once per
# version of this file and of gcc, by the first test that needs them, and
# kept in a per-user cache: a dozen tests use them, and four gcc runs each
# would be most of the suite's time.
t_fx_elfs()
{
	local key cache tmp
	key=$({ cat "$T_LIB/fixtures.sh"; gcc --version; } | sha1sum | cut -c1-16)
	cache=${TMPDIR:-/tmp}/parakit-fixtures.$(id -u)/$key
	if [ ! -f "$cache/done" ]; then
		mkdir -p -m 700 "$(dirname "$cache")" || return 1
		tmp=$(mktemp -d "$cache.XXXXXX") || return 1
		t_fx_elfs_build "$tmp" && touch "$tmp/done" || { rm -rf "$tmp"; return 1; }
		# Another test may have won the race: either copy will do.
		mv -T "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
	fi
	mkdir -p "$1" && cp "$cache"/fortify "$cache"/libver.so "$cache"/uselib "$cache"/plain "$1"/
}

# t_fx_asm_so OUT ARCH SYM...: a shared object that imports each SYM and
# nothing else, assembled and linked with binutils alone (no cross
# compiler is needed): ARCH is s390x (64-bit big-endian), s390 (32-bit
# big-endian), i386 (32-bit little-endian) or x86_64. SYM is NAME
# (unversioned), NAME@VER (bound to a stub library that exports it with
# that version, OUT.stub.so, linked in) or NAME% (a weak import).
t_fx_asm_so()
{
	local out=$1 arch=$2 as ld word s name
	shift 2
	case $arch in
	s390x) as="s390x-linux-gnu-as -m64"; ld="s390x-linux-gnu-ld -m elf64_s390"; word=.quad ;;
	s390)  as="s390x-linux-gnu-as -m31"; ld="s390x-linux-gnu-ld -m elf_s390"; word=.long ;;
	i386)  as="as --32"; ld="ld -m elf_i386"; word=.long ;;
	x86_64) as="as --64"; ld="ld -m elf_x86_64"; word=.quad ;;
	*) return 1 ;;
	esac
	: > "$out.stub.s"
	: > "$out.stub.map"
	{
		echo '.data'
		echo '.globl fx_table'
		echo 'fx_table:'
		for s in "$@"; do
			name=${s%%@*}
			name=${name%\%}
			case $s in
			*%) echo "	.weak $name" ;;
			*@*)
				echo ".globl $name" >> "$out.stub.s"
				echo ".type $name, @object" >> "$out.stub.s"
				echo ".size $name, 4" >> "$out.stub.s"
				echo "$name: .long 0" >> "$out.stub.s"
				echo "${s#*@} $name" >> "$out.stub.map"
				;;
			esac
			echo "	$word $name"
		done
	} > "$out.s"
	sort -u "$out.stub.map" | awk '
		$1 != v { if (v != "") print "};"; v = $1; printf "%s { global:", v }
		{ printf " %s;", $2 }
		END { if (v != "") print " };"; else print "V { global: *; };" }' > "$out.stub.ver"
	(echo .data; cat "$out.stub.s") > "$out.stub.s2"
	$as -o "$out.stub.o" "$out.stub.s2" &&
	$ld -shared -soname libfxstub.so --version-script="$out.stub.ver" -o "$out.stub.so" "$out.stub.o" &&
	$as -o "$out.o" "$out.s" &&
	$ld -shared -soname "$(basename "$out")" -o "$out" "$out.o" "$out.stub.so" &&
	rm -f "$out.s" "$out.o" "$out.stub.s" "$out.stub.s2" "$out.stub.o" "$out.stub.map" "$out.stub.ver"
}

# t_fx_stage DIR SRC:DEST...: copies files into a staging root.
t_fx_stage()
{
	local root=$1 pair src dest
	shift
	mkdir -p "$root"
	for pair in "$@"; do
		src=${pair%%:*}
		dest=${pair#*:}
		mkdir -p "$root$(dirname "$dest")"
		cp "$src" "$root$dest"
	done
}

# t_mk_deb OUT NAME VERSION DEPENDS PRE_DEPENDS SRC:DEST...
t_mk_deb()
{
	local out=$1 name=$2 ver=$3 dep=$4 pre=$5 root
	shift 5
	root=$(mktemp -d "$T_TMP/deb.XXXXXX")
	t_fx_stage "$root" "$@"
	mkdir -p "$root/DEBIAN"
	{
		echo "Package: $name"
		echo "Version: $ver"
		echo "Architecture: amd64"
		echo "Maintainer: parakit tests <t@example.org>"
		[ -n "$pre" ] && echo "Pre-Depends: $pre"
		[ -n "$dep" ] && echo "Depends: $dep"
		echo "Description: parakit test fixture"
		echo " built by tests/lib/fixtures.sh"
	} > "$root/DEBIAN/control"
	dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null &&
	rm -rf "$root"
}

# t_mk_rpm OUT NAME [EPOCH:]VERSION RELEASE REQUIRES SRC:DEST...: rpmbuild from a
# spec that installs prebuilt files, with stripping, debuginfo and build-id
# links off so the payload holds exactly the files given.
t_mk_rpm()
{
	local out=$1 name=$2 ver=$3 rel=$4 req=$5 top pair i=0
	shift 5
	top=$(mktemp -d "$T_TMP/rpm.XXXXXX")
	mkdir -p "$top/SOURCES" "$top/SPECS"
	{
		echo "Name: $name"
		case $ver in
		*:*) echo "Epoch: ${ver%%:*}"; echo "Version: ${ver#*:}" ;;
		*) echo "Version: $ver" ;;
		esac
		echo "Release: $rel"
		echo "Summary: parakit test fixture"
		echo "License: MIT"
		echo "BuildArch: x86_64"
		echo "AutoReqProv: no"
		[ -n "$req" ] && echo "Requires: $req"
		echo "%define __strip /bin/true"
		echo "%define debug_package %{nil}"
		echo "%define _build_id_links none"
		echo "%define __os_install_post %{nil}"
		echo "%description"
		echo "parakit test fixture"
		echo "%install"
		for pair in "$@"; do
			cp "${pair%%:*}" "$top/SOURCES/f$i"
			echo "mkdir -p %{buildroot}$(dirname "${pair#*:}")"
			echo "cp %{_sourcedir}/f$i %{buildroot}${pair#*:}"
			i=$((i + 1))
		done
		echo "%files"
		for pair in "$@"; do
			echo "${pair#*:}"
		done
	} > "$top/SPECS/t.spec"
	rpmbuild --quiet --define "_topdir $top" --define '_binary_payload w9.gzdio' \
		-bb "$top/SPECS/t.spec" >/dev/null 2>"$top/log" || { cat "$top/log" >&2; return 1; }
	mv "$top"/RPMS/*/*.rpm "$out" && rm -rf "$top"
}

# t_mk_alpine_apk OUT NAME VERSION DEPENDS SRC:DEST...: Alpine's layout,
# three gzip'd tar segments: the signature, the control data (.PKGINFO),
# then the files (DEPENDS: space separated). As abuild does (abuild-tar
# --cut), the first two lose their end-of-archive blocks, so the three
# read as one tar.
t_mk_alpine_apk()
{
	local out=$1 name=$2 ver=$3 deps=$4 root d
	shift 4
	root=$(mktemp -d "$T_TMP/apk.XXXXXX")
	t_fx_stage "$root/data" "$@"
	mkdir -p "$root/ctl" "$root/sig"
	head -c 256 /dev/urandom > "$root/sig/.SIGN.RSA.fixture.rsa.pub"
	{
		echo "# Generated by abuild"
		echo "pkgname = $name"
		echo "pkgver = $ver"
		echo "pkgdesc = parakit test fixture"
		echo "arch = x86_64"
		for d in $deps; do
			echo "depend = $d"
		done
	} > "$root/ctl/.PKGINFO"
	(cd "$root/sig" && tar --format=ustar -b 1 -cf - .SIGN.*) | head -c -1024 | gzip -n > "$root/sig.tar.gz" &&
	(cd "$root/ctl" && tar --format=ustar -b 1 -cf - .PKGINFO) | head -c -1024 | gzip -n > "$root/ctl.tar.gz" &&
	(cd "$root/data" && tar --format=ustar -cf - --owner=0 --group=0 *) | gzip -n > "$root/data.tar.gz" &&
	cat "$root/sig.tar.gz" "$root/ctl.tar.gz" "$root/data.tar.gz" > "$out" && rm -rf "$root"
}

# t_mk_android_apk OUT SRC:ZIPPATH...: a zip with native libraries.
t_mk_android_apk()
{
	local out=$1 root
	shift
	root=$(mktemp -d "$T_TMP/android.XXXXXX")
	t_fx_stage "$root" "$@"
	echo '<manifest/>' > "$root/AndroidManifest.xml"
	(cd "$root" && zip -qr -X "$root.zip" .) && mv "$root.zip" "$out" && rm -rf "$root"
}

# t_mk_tar OUT SRC:DEST...: compression from OUT's name (.tar.gz, .tar.xz,
# .tar.zst, .tar).
t_mk_tar()
{
	local out=$1 root
	shift
	root=$(mktemp -d "$T_TMP/tar.XXXXXX")
	t_fx_stage "$root" "$@"
	case $out in
	*.tar.gz)  (cd "$root" && tar -cf - ./*) | gzip -n > "$out" ;;
	*.tar.xz)  (cd "$root" && tar -cf - ./*) | xz > "$out" ;;
	*.tar.zst) (cd "$root" && tar -cf - ./*) | zstd -q > "$out" ;;
	*.tar)     (cd "$root" && tar -cf - ./*) > "$out" ;;
	*) return 1 ;;
	esac
	rm -rf "$root"
}

# t_poke FILE OFFSET SIZE VALUE: writes VALUE as a SIZE-byte little-endian
# integer at OFFSET, in place (corrupting ELF headers).
t_poke()
{
	local file=$1 off=$2 size=$3 val=$4 i esc=
	for ((i = 0; i < size; i++)); do
		esc+=$(printf '\\x%02x' $(((val >> (8 * i)) & 255)))
	done
	printf "$esc" | dd of="$file" bs=1 seek="$off" conv=notrunc status=none
}

# t_elf_field FILE FIELD: a number from readelf -h ("Start of section headers").
t_elf_field()
{
	readelf -h -W "$1" | sed -n "s/^ *$2: *\([0-9]*\).*/\1/p"
}

# t_shdr FILE NAME: the byte offset of section NAME's header (ELF64).
t_shdr()
{
	local idx
	idx=$(readelf -S -W "$1" | sed -n "s/^ *\[ *\([0-9]*\)\] $2 .*/\1/p")
	echo $(($(t_elf_field "$1" "Start of section headers") + 64 * idx))
}

# t_sstrip IN OUT: OUT is IN stripped of its section headers as sstrip
# does it (e_shoff, e_shnum and e_shstrndx zeroed, the file cut after its
# last segment; Debian 12 has no sstrip).
t_sstrip()
{
	local end=0 type off vaddr paddr filesz rest
	cp "$1" "$2" || return 1
	while read -r type off vaddr paddr filesz rest; do
		case $off in 0x*) ;; *) continue ;; esac
		[ $((off + filesz)) -gt "$end" ] && end=$((off + filesz))
	done < <(readelf -lW "$1" | sed -n '/^ *Type /,/^$/p')
	truncate -s "$end" "$2" || return 1
	if [ "$(od -An -tu1 -j4 -N1 "$2" | tr -d ' ')" = 2 ]; then
		t_poke "$2" $((0x28)) 8 0 && t_poke "$2" $((0x3c)) 4 0	# e_shoff; e_shnum, e_shstrndx
	else
		t_poke "$2" $((0x20)) 4 0 && t_poke "$2" $((0x30)) 4 0
	fi
}

# t_fx_go_synth OUT LAYOUT: a small static x86-64 executable laid out as a
# Go binary of pclntab LAYOUT (1.2, 1.16, 1.18 or 1.20: each Go's table
# header and entries; 1.2's table follows its header), with build info
# naming go9.LAYOUT, made with the
# assembler: main.main calls syscall.Syscall (the register ABI: getpid in
# AX) and syscall.rawSyscallNoError (the stack ABI0: getppid at 0(SP)),
# then exits. Its set is exactly exit, getpid and getppid; it runs.
t_fx_go_synth()
{
	local out=$1 layout=$2 magic hdr ent fn
	case $layout in
	1.2) magic=0xfffffffb ;;
	1.16) magic=0xfffffffa ;;
	1.18) magic=0xfffffff0 ;;
	1.20) magic=0xfffffff1 ;;
	*) return 1 ;;
	esac
	# The header after magic, pad and sizes; a function's table entry and
	# the start of its _func.
	case $layout in
	1.2)
		hdr='.quad 3'
		ent() { echo ".quad $1, $2 - pcln"; }
		fn() { echo ".quad $1; .long $2 - pcln"; }
		;;
	1.16)
		hdr='.quad 3, 0, names - pcln, 0, 0, 0, table - pcln'
		ent() { echo ".quad $1, $2 - table"; }
		fn() { echo ".quad $1; .long $2 - names"; }
		;;
	*)
		hdr='.quad 3, 0, text0, names - pcln, 0, 0, 0, table - pcln'
		ent() { echo ".long $1 - text0, $2 - table"; }
		fn() { echo ".long $1 - text0, $2 - names"; }
		;;
	esac
	cat > "$out.s" <<ASM
	.text
	.globl _start
text0:
_start:
	mov \$39, %eax
	xor %ebx, %ebx
	call f1
	sub \$16, %rsp
	movq \$110, (%rsp)
	call f2
	add \$16, %rsp
	mov \$60, %eax
	xor %edi, %edi
	syscall
	int3
	.balign 32, 0xcc
f1:
	syscall
	ret
	.balign 32, 0xcc
f2:
	mov 8(%rsp), %rax
	syscall
	ret
	.balign 32, 0xcc
end:
	.section .gopclntab, "a"
	.balign 8
pcln:
	.long $magic
	.byte 0, 0, 1, 8
	$hdr
table:
	$(ent _start fn0)
	$(ent f1 fn1)
	$(ent f2 fn2)
	$(ent end fn0)
names:
n0:	.asciz "main.main"
n1:	.asciz "syscall.Syscall"
n2:	.asciz "syscall.rawSyscallNoError"
	.balign 8
fn0:	$(fn _start n0); .quad 0, 0
fn1:	$(fn f1 n1); .quad 0, 0
fn2:	$(fn f2 n2); .quad 0, 0
	.section .go.buildinfo, "aw"
	.balign 16
	.ascii "\377 Go buildinf:"
	.byte 8, 2
	.quad 0, 0
	.byte 2f - 1f
1:	.ascii "go9.$layout"
2:
ASM
	unset -f ent fn
	gcc -nostdlib -static -no-pie -o "$out" "$out.s" && rm -f "$out.s"
}
