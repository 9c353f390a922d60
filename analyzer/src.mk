# parakit src: call sites of C trees through libclang. Included by the top
# Makefile before it computes the object list.
#
# libclang 14: Debian 12's default clang is 14, so the libclang that parses
# a tree is the compiler its compile_commands.json was most likely written
# for (same builtin headers, same _FORTIFY_SOURCE macros), and its builtin
# headers come with the clang package the build already needs. 16 is
# packaged too; set LLVM_VERSION=16 to use it. Debian ships no pkg-config
# file for libclang: llvm-config-NN says where it is.
LLVM_VERSION ?= 14
LLVM_CONFIG  ?= llvm-config-$(LLVM_VERSION)

PARAKIT_SRCS += \
	analyzer/cmd_src.c \
	analyzer/src_inputs.c \
	analyzer/src_parse.c \
	analyzer/src_run.c \
	analyzer/src_writer.c

DEB_PKGS += clang-$(LLVM_VERSION) libclang-$(LLVM_VERSION)-dev llvm-$(LLVM_VERSION) \
	libclang-common-$(LLVM_VERSION)-dev clang python3 openvswitch-source

LLVM_INCDIR := $(shell $(LLVM_CONFIG) --includedir 2>/dev/null || echo /usr/lib/llvm-$(LLVM_VERSION)/include)
LLVM_LIBDIR := $(shell $(LLVM_CONFIG) --libdir 2>/dev/null || echo /usr/lib/llvm-$(LLVM_VERSION)/lib)
CPPFLAGS += -isystem $(LLVM_INCDIR)
# Debian's libclang1-NN also puts libclang's soname on the default search
# path: the package build (debian/rules) drops the rpath with LLVM_RPATH=.
LLVM_RPATH ?= -Wl,-rpath,$(LLVM_LIBDIR)
LDLIBS   += -L$(LLVM_LIBDIR) $(LLVM_RPATH) -lclang
