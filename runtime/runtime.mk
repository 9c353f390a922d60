# libpk, the reference parakernel runtime: build/runtime/libpk.{so,a,pc}
# with a copy of pk.h beside them (where a shim built in the tree finds
# it), and its tests (tests/runtime/*.c -> build/tests/<name>.t).
#
# libpk is preloaded into uninstrumented programs, so it is built with its
# own flags, never with the global CFLAGS' ASan: an ASan runtime cannot be
# loaded after the program started. The same goes for its tests, which
# exercise guard pages and stack switching the way a shim will.

all: libpk

# gcc-aarch64-linux-gnu only recommends the AArch64 libc (headers, crt
# files) that tests/runtime/switch-aarch64 compiles against, and make deps
# installs no recommendations: it is named (tests/runtime/deps-named).
DEB_PKGS += liburing-dev libxdp-dev libbpf-dev clang llvm bpftool iproute2 \
	iputils-ping fio strace gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
	qemu-user-static

RUNTIME_SRCS := \
	runtime/chan.c \
	runtime/fd.c \
	runtime/fiber.c \
	runtime/fiber_attr.c \
	runtime/fiber_key.c \
	runtime/io.c \
	runtime/posix.c \
	runtime/sched.c \
	runtime/signal.c \
	runtime/sync.c \
	runtime/udp_xdp.c
# The context switch of the target: x86_64 or aarch64.
RUNTIME_ARCH := $(firstword $(subst -, ,$(shell $(CC) -dumpmachine)))
RUNTIME_ASM := runtime/switch_$(RUNTIME_ARCH).S

RUNTIME_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -MMD -MP -fPIC \
	-fvisibility=hidden -fno-strict-aliasing -fno-omit-frame-pointer
ifeq ($(SAN),1)
RUNTIME_CFLAGS += -Werror
endif
RUNTIME_CPPFLAGS := -D_GNU_SOURCE -Iruntime -I$(O)/runtime
RUNTIME_PKGS := liburing libxdp libbpf
RUNTIME_LIBS := $(shell pkg-config --libs $(RUNTIME_PKGS) 2>/dev/null || echo -luring -lxdp -lbpf) -lpthread

RUNTIME_OBJS := $(RUNTIME_SRCS:%.c=$(O)/%.o) $(RUNTIME_ASM:%.S=$(O)/%.o)
LIBPK := $(O)/runtime/libpk.so $(O)/runtime/libpk.so.0 $(O)/runtime/libpk.a $(O)/runtime/libpk.pc \
	$(O)/runtime/pk.h $(O)/runtime/libpk-uninstalled.pc

.PHONY: libpk install-libpk uninstall-libpk
libpk: $(LIBPK)

$(O)/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(RUNTIME_CPPFLAGS) $(RUNTIME_CFLAGS) -c -o $@ $<

# The XDP program: clang -target bpf, stripped, embedded through a bpftool skeleton.
$(O)/runtime/pk_xdp.bpf.o: runtime/pk_xdp.bpf.c
	@mkdir -p $(@D)
	$(call quiet,BPF,$@)clang -g -O2 -target bpf -D__TARGET_ARCH_x86 \
		-I/usr/include/$(shell $(CC) -dumpmachine) -c -o $@ $< && llvm-strip -g $@

$(O)/runtime/pk_xdp.skel.h: $(O)/runtime/pk_xdp.bpf.o
	$(call quiet,GEN,$@)bpftool gen skeleton $< name pk_xdp > $@

$(O)/runtime/udp_xdp.o: $(O)/runtime/pk_xdp.skel.h

$(O)/runtime/%.o: runtime/%.S
	@mkdir -p $(@D)
	$(call quiet,AS,$@)$(CC) $(RUNTIME_CPPFLAGS) -MMD -MP -c -o $@ $<

$(O)/runtime/libpk.so: $(RUNTIME_OBJS) runtime/libpk.map runtime/runtime.mk
	$(call quiet,LINK,$@)$(CC) -shared -Wl,-soname,libpk.so.0 \
		-Wl,--version-script=runtime/libpk.map -Wl,--no-undefined \
		-o $@ $(RUNTIME_OBJS) $(RUNTIME_LIBS)

$(O)/runtime/libpk.a: $(RUNTIME_OBJS) runtime/runtime.mk
	$(call quiet,AR,$@)rm -f $@ && ar rcs $@ $(RUNTIME_OBJS)

$(O)/runtime/pk.h: runtime/pk.h
	@mkdir -p $(@D)
	$(call quiet,CP,$@)cp $< $@

# The soname, so a program linked against the build tree runs from it.
$(O)/runtime/libpk.so.0: $(O)/runtime/libpk.so
	$(Q)ln -sf libpk.so $@

$(O)/runtime/libpk.pc: runtime/libpk.pc.in
	@mkdir -p $(@D)
	$(call quiet,GEN,$@)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

# What install-libpk puts under $(PREFIX), added to the top Makefile's
# INSTALLED (which make uninstall removes; uninstall-libpk removes these).
# parakit looks for this layout beside itself (pk_install_prefix()).
LIBPK_INSTALLED := lib/libpk.so.0 lib/libpk.so lib/libpk.a lib/pkgconfig/libpk.pc include/pk.h
INSTALLED += $(LIBPK_INSTALLED)

# The build tree as a pkg-config package: pkg-config prefers
# libpk-uninstalled.pc to libpk.pc in the same directory, so
# PKG_CONFIG_PATH=$(O)/runtime builds a ported tree against this build
# (parakit port --verify does when no libpk is installed). Its libdir is
# also the rpath libpk.pc gives, so the program runs without
# LD_LIBRARY_PATH.
$(O)/runtime/libpk-uninstalled.pc: runtime/libpk.pc.in runtime/runtime.mk
	@mkdir -p $(@D)
	$(call quiet,GEN,$@)sed -e 's|@PREFIX@|$(abspath $(O))|' -e 's|@VERSION@|$(VERSION)|' \
		-e 's|^libdir=.*|libdir=$(abspath $(O))/runtime|' -e 's|^includedir=.*|includedir=$(abspath $(O))/runtime|' \
		$< > $@

install: install-libpk
install-libpk: $(LIBPK)
	install -D -m 0755 $(O)/runtime/libpk.so $(DESTDIR)$(PREFIX)/lib/libpk.so.0
	ln -sf libpk.so.0 $(DESTDIR)$(PREFIX)/lib/libpk.so
	install -D -m 0644 $(O)/runtime/libpk.a $(DESTDIR)$(PREFIX)/lib/libpk.a
	install -D -m 0644 runtime/pk.h $(DESTDIR)$(PREFIX)/include/pk.h
	@mkdir -p $(DESTDIR)$(PREFIX)/lib/pkgconfig
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' runtime/libpk.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/libpk.pc

uninstall-libpk:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(LIBPK_INSTALLED))

# Tests link the static library: no rpath, and the binary is what runs.
RUNTIME_TEST_C := $(sort $(wildcard tests/runtime/*.c))
RUNTIME_TESTS := $(patsubst tests/runtime/%.c,$(O)/tests/%.t,$(RUNTIME_TEST_C))
PART_TESTS += $(RUNTIME_TESTS)

$(RUNTIME_TESTS): $(O)/tests/%.t: tests/runtime/%.c tests/runtime/t_pk.h $(O)/runtime/libpk.a
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(RUNTIME_CPPFLAGS) $(RUNTIME_CFLAGS) -o $@ $< \
		$(O)/runtime/libpk.a $(RUNTIME_LIBS) -lm

# The AArch64 switch test cross-compiles runtime/switch_aarch64.S at run time.
$(O)/tests/switch-aarch64.t: RUNTIME_CPPFLAGS += -DPK_SRCDIR='"$(CURDIR)"'

# Benchmarks: bench/pk-*.c -> build/bench/pk-*
RUNTIME_BENCH_C := $(sort $(wildcard bench/pk-*.c))
RUNTIME_BENCH := $(patsubst bench/%.c,$(O)/bench/%,$(RUNTIME_BENCH_C))
.PHONY: bench-libpk
bench-libpk: $(RUNTIME_BENCH)
	@for b in $(RUNTIME_BENCH); do echo "== $$b"; $$b || exit 1; done

$(RUNTIME_BENCH): $(O)/bench/%: bench/%.c $(O)/runtime/libpk.a
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(RUNTIME_CPPFLAGS) $(RUNTIME_CFLAGS) -o $@ $< \
		$(O)/runtime/libpk.a $(RUNTIME_LIBS) -lm

-include $(RUNTIME_OBJS:.o=.d) $(RUNTIME_TESTS:.t=.d) $(RUNTIME_BENCH:=.d)
