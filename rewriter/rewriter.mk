# parakit port: rewrites C trees onto libpk. Uses parakit src's libclang
# walk (analyzer/src.mk brings libclang's flags and libraries).
# coccinelle: the baseline of bench/port.sh; strace: the tests count the
# system calls of ported programs.
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
	rewriter/port_lex.c \
	rewriter/port_verify.c

DEB_PKGS += coccinelle strace patch git
