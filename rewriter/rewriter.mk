# parakit port: rewrites C trees onto libpk. Uses parakit src's libclang
# walk (analyzer/src.mk brings libclang's flags and libraries).
# coccinelle: the baseline of bench/port.sh; strace: the tests count the
# system calls of ported programs. autoconf, automake, cmake, meson,
# ninja-build: the tests build ported trees with their own build
# (tests/port/build-*.sh, port --verify, json-c.sh with its ctest); bear,
# curl, python3: the tinyproxy test builds the original under bear and
# asks both through curl in front of a python3 origin.
PARAKIT_SRCS += \
	rewriter/cmd_port.c \
	rewriter/port_build.c \
	rewriter/port_build_autotools.c \
	rewriter/port_build_cmake.c \
	rewriter/port_build_make.c \
	rewriter/port_build_meson.c \
	rewriter/port_compat.c \
	rewriter/port_edit.c \
	rewriter/port_fibers.c \
	rewriter/port_gather.c \
	rewriter/port_lex.c \
	rewriter/port_out.c \
	rewriter/port_sites.c \
	rewriter/port_verify.c

DEB_PKGS += coccinelle strace patch git jq autoconf automake cmake meson ninja-build bear curl python3 \
	apache2-utils
