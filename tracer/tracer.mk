# parakit trace: the eBPF syscall tracer (tracer/). Included by the top
# Makefile before it computes the object list.
#
# The BPF object is built with its own flags (never the sanitizers of the
# user-space build): clang -target bpf against a vmlinux.h dumped from the
# running kernel's BTF, stripped, then turned into a skeleton header.

# This fragment's rules come before the top Makefile's 'all': keep it the
# default goal.
.DEFAULT_GOAL := all

PARAKIT_SRCS += \
	tracer/cmd_trace.c \
	tracer/trace.c \
	tracer/trace_db.c \
	tracer/trace_fn.c \
	tracer/trace_fn_out.c \
	tracer/trace_launch.c \
	tracer/trace_ldso.c \
	tracer/trace_names.c \
	tracer/trace_out.c

DEB_PKGS += clang llvm bpftool libbpf-dev libseccomp-dev linux-libc-dev \
	strace sqlite3 nginx-light curl procps \
	binutils gzip jq ltrace sed tar coreutils

TRACE_LIBS := libbpf libseccomp
CPPFLAGS += $(shell pkg-config --cflags $(TRACE_LIBS) 2>/dev/null)
LDLIBS   += $(or $(shell pkg-config --libs $(TRACE_LIBS) 2>/dev/null),-lbpf -lseccomp)

BPFTOOL   ?= $(or $(shell command -v bpftool 2>/dev/null),/usr/sbin/bpftool)
BPF_CLANG ?= clang
LLVM_STRIP ?= llvm-strip
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

$(O)/vmlinux.h:
	@mkdir -p $(@D)
	$(call quiet,GEN,$@)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(O)/tracer/trace.bpf.o: tracer/trace.bpf.c tracer/trace.h $(O)/vmlinux.h
	@mkdir -p $(@D)
	$(call quiet,BPF,$@)$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall \
		-I$(O) -I. -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(O)/tracer/trace.skel.h: $(O)/tracer/trace.bpf.o tracer/tracer.mk
	$(call quiet,GENSKEL,$@)$(BPFTOOL) gen skeleton $< name trace_bpf > $@

# Every file that includes trace_int.h (the skeleton) waits for it.
$(O)/tracer/trace.o $(O)/tracer/trace_fn.o: $(O)/tracer/trace.skel.h
