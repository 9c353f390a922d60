# parakit scan: ELF files and package archives (libelf, libarchive), their
# imports mapped to the POSIX catalogue. (parakit src has analyzer/src.mk.)
PARAKIT_SRCS += \
	analyzer/cmd_scan.c \
	analyzer/elf_identify.c \
	analyzer/elf_read.c \
	analyzer/pkg_archive.c \
	analyzer/pkg_dpkg.c \
	analyzer/pkg_rpm.c \
	analyzer/scan_alias.c \
	analyzer/scan_inputs.c \
	analyzer/scan_result.c \
	analyzer/scan_writer.c
