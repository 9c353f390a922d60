# parakit scan: ELF files and package archives (libelf, libarchive), their
# imports mapped to the POSIX catalogue. (parakit src has analyzer/src.mk.)
PARAKIT_SRCS += \
	analyzer/cmd_scan.c \
	analyzer/elf_identify.c \
	analyzer/elf_read.c \
	analyzer/pkg_archive.c \
	analyzer/pkg_dpkg.c \
	analyzer/pkg_rpm.c \
	analyzer/pkg_unpack.c \
	analyzer/scan_inputs.c \
	analyzer/scan_result.c \
	analyzer/scan_sys.c \
	analyzer/scan_writer.c \
	analyzer/scan_writer_req.c \
	analyzer/sys_analyze.c \
	analyzer/sys_arm64.c \
	analyzer/sys_ehframe.c \
	analyzer/sys_go.c \
	analyzer/sys_names.c \
	analyzer/sys_requests.c \
	analyzer/sys_resolve.c \
	analyzer/sys_why.c \
	analyzer/sys_x86.c

# The catalogue of ioctl/fcntl/prctl request names, from this machine's
# kernel headers (linux-libc-dev) at build time (analyzer/gen_requests.sh).
GEN_SRCS += $(O)/analyzer/sys_request_names.c
# The request test checks recall against strace (issue 17).
DEB_PKGS += linux-libc-dev strace

$(O)/analyzer/sys_request_names.c: analyzer/gen_requests.sh
	@mkdir -p $(@D)
	$(call quiet,GEN,$@)sh analyzer/gen_requests.sh $(CC) > $@

$(O)/analyzer/sys_request_names.o: $(O)/analyzer/sys_request_names.c
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# zlib decodes gzip itself (libarchive 3.6 does not check gzip's CRC, see
# pkg_unpack.c); nettle hashes RPM headers and payloads against their
# digests.
DEB_PKGS += zlib1g-dev nettle-dev
CPPFLAGS += $(shell pkg-config --cflags zlib nettle 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs zlib nettle 2>/dev/null)

# The system call footprint (issue 17): capstone decodes the binaries'
# code (x86-64 and i386 now; the ELF machine picks the decoder), libseccomp
# names the system calls of each ABI. The recall test traces real programs
# (nginx under curl's load among them) against their static sets.
DEB_PKGS += libcapstone-dev libseccomp-dev nginx curl
# Go binaries (tests/scan/syscalls-go.sh): Debian's Go toolchain builds the
# Go fixture; shfmt and runc are real Debian Go programs, traced for recall.
DEB_PKGS += golang-go shfmt runc
# i386 (tests/scan/syscalls-i386.sh): gcc -m32 builds the fixtures whose
# syscall() numbers and request codes are on the stack (gcc-12-multilib:
# gcc-multilib conflicts with runtime.mk's gcc-aarch64-linux-gnu).
DEB_PKGS += gcc-12-multilib libc6-dev-i386
# AArch64 (tests/scan/syscalls-aarch64.sh): clang cross-builds the
# fixtures against Debian's cross libc and binutils, whose libc.so.6 is
# also the real AArch64
# library the test reads; qemu-user runs the fixtures for recall.
DEB_PKGS += libc6-dev-arm64-cross libgcc-12-dev-arm64-cross binutils-aarch64-linux-gnu qemu-user-static
CPPFLAGS += $(shell pkg-config --cflags capstone 2>/dev/null)
LDLIBS   += $(or $(shell pkg-config --libs capstone 2>/dev/null),-lcapstone) -lseccomp
