# parakit — one CLI over one SQLite database.
#
#   make            build everything under build/ (the CLI is build/parakit)
#   make test       install missing Debian packages, build, run every test with prove
#   make demo       install missing Debian packages, scan this machine, print a summary
#   make install    PREFIX=/usr/local (DESTDIR= to stage); make uninstall
#   make deb        the Debian packages parakit, libpk0, libpk-dev in build/deb/
#   make clean      remove build/
#   make compdb     compile_commands.json through bear
#
# Under CI=true (or SAN=1) everything is built with -Werror and
# -fsanitize=address,undefined, except code preloaded into uninstrumented
# programs (shims, libpk), which the parts build without ASan themselves.

VERSION  := 0.1.0
PREFIX   ?= /usr/local
O        := build
CC       ?= cc

ifeq ($(CI),true)
SAN ?= 1
endif

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -MMD -MP -fno-strict-aliasing
CPPFLAGS += -D_GNU_SOURCE -DPARAKIT_VERSION='"$(VERSION)"' -I. -I$(O)
LDLIBS   += -lpthread
ifeq ($(SAN),1)
CFLAGS   += -Werror -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=address,undefined
endif

# Debian packages the build, the tests and the demo need (see README.md).
DEB_PKGS := gcc make clang llvm pkg-config libelf-dev libarchive-dev \
	libsqlite3-dev libxxhash-dev sqlite3 dpkg-dev rpm zip unzip xz-utils \
	zstd pax-utils binutils binutils-s390x-linux-gnu perl coreutils

PKG_LIBS := libelf libarchive sqlite3 libxxhash
CPPFLAGS += $(shell pkg-config --cflags $(PKG_LIBS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKG_LIBS) 2>/dev/null)

ifneq ($(V),1)
Q = @
quiet = @printf '  %-7s %s\n' $(1) $(2);
endif

.DELETE_ON_ERROR:
.PHONY: all test test-slow demo install uninstall clean deps compdb bench deb

# The dispatcher; each part lists its own sources (explicit and sorted) in
# its fragment below.
PARAKIT_SRCS := parakit.c

GEN_SRCS := $(O)/db/embedded.c

# What 'make install' puts under $(PREFIX) (parts add theirs), and all that
# 'make uninstall' removes. The installed parakit finds libpk beside
# itself, <dir of its executable>/../{lib,include} (pk_install_prefix()),
# so this layout is fixed: no LIBDIR to move it.
INSTALLED := bin/parakit

# The manual pages and the bash completion, written by parakit itself from
# its commands' option tables and usage (common/options.h), so that they
# say what --help says: parakit(1) and parakit-CMD(1) for each command of
# parakit.c's table.
MAN_CMDS  := $(shell sed -n 's/^\t{ "\([a-z]*\)", cmd_[a-z]*,.*/\1/p' parakit.c)
MAN_PAGES := $(O)/man/parakit.1 $(MAN_CMDS:%=$(O)/man/parakit-%.1)
INSTALLED += $(MAN_PAGES:$(O)/man/%=share/man/man1/%) share/bash-completion/completions/parakit

# Each part brings its own fragment: it appends to PARAKIT_SRCS, DEB_PKGS,
# LDLIBS, PART_TESTS (test programs to build) and adds its own rules (BPF
# skeletons, libpk).
PART_MKS := common/common.mk db/db.mk analyzer/scan.mk analyzer/src.mk tracer/tracer.mk \
	runtime/runtime.mk reports/reports.mk shimgen/shimgen.mk rewriter/rewriter.mk fuzz/fuzz.mk \
	contrib/contrib.mk
include $(PART_MKS)
EMBEDDED := $(sort $(wildcard db/migrations/*.sql)) db/catalog/posix-functions.tsv

OBJS := $(PARAKIT_SRCS:%.c=$(O)/%.o) $(GEN_SRCS:.c=.o)

all: $(O)/parakit $(MAN_PAGES) $(O)/parakit.bash

$(O)/parakit: $(OBJS)
	$(call quiet,LINK,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/man/parakit.1: $(O)/parakit
	@mkdir -p $(@D)
	$(call quiet,GEN,$@)$(O)/parakit --man > $@

$(O)/man/parakit-%.1: $(O)/parakit
	@mkdir -p $(@D)
	$(call quiet,GEN,$@)$(O)/parakit --man $* > $@

$(O)/parakit.bash: $(O)/parakit
	$(call quiet,GEN,$@)$(O)/parakit --completion > $@

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/db/embedded.o: $(O)/db/embedded.c
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/db/embedded.c: db/embed.sh $(EMBEDDED) $(O)/db/embedded.list
	@mkdir -p $(@D)
	$(call quiet,GEN,$@)sh db/embed.sh $(EMBEDDED) > $@

# The names embedded, rewritten only when they change: a migration renamed
# (git mv keeps its old time) or removed must embed again too.
$(O)/db/embedded.list: FORCE
	@mkdir -p $(@D)
	@echo '$(EMBEDDED)' | cmp -s - $@ || echo '$(EMBEDDED)' > $@

.PHONY: FORCE

# Tests: the parts' test programs (PART_TESTS, built by their fragments)
# and the shell tests (tests/*/*.sh), which run as they are.
TEST_SH  := $(sort $(filter-out tests/lib/% %-slow.sh,$(wildcard tests/*/*.sh)))
# Tests over real trees that take minutes to prepare (tests/*/*-slow.sh):
# `make test-slow`, kept out of `make test` to keep the suite short.
TEST_SLOW := $(sort $(wildcard tests/*/*-slow.sh))

# Under CI=true a skip fails unless tests/lib/allowed-skips declares it;
# the list is printed first, so a run says what it let pass.
ALLOWED_SKIPS := $(CURDIR)/tests/lib/allowed-skips
SHOW_ALLOWED_SKIPS = @awk -F'\t' '!/^\#/ && NF { n++; printf "allowed skip under CI=true: %s: %s (%s)\n", $$1, $$2, $$3 } \
	END { printf "%d skips allowed under CI=true (tests/lib/allowed-skips)\n", n }' $(ALLOWED_SKIPS)

test: deps all $(PART_TESTS)
	$(SHOW_ALLOWED_SKIPS)
	PARAKIT=$(CURDIR)/$(O)/parakit T_ALLOWED_SKIPS=$(ALLOWED_SKIPS) \
		prove -f --timer --exec tests/lib/run-one $(PART_TESTS) $(TEST_SH)

test-slow: deps all
	$(SHOW_ALLOWED_SKIPS)
	PARAKIT=$(CURDIR)/$(O)/parakit T_ALLOWED_SKIPS=$(ALLOWED_SKIPS) T_TIMEOUT=3000 \
		prove -f --timer --exec tests/lib/run-one $(TEST_SLOW)

# The main job on this machine's own files. scan exits 1 when some inputs
# were recorded as errors: that is a finding, not a failure of the demo.
demo: deps all
	$(O)/parakit scan --syscalls --db parakit.db /usr /var/cache/apt/archives || [ $$? -eq 1 ]
	$(O)/parakit src --db parakit.db examples/pcp
	$(O)/parakit db summary parakit.db
	$(O)/parakit report --db parakit.db --out parakit-report --title 'POSIX usage of this machine'
	bash examples/demo-moves.sh $(O)/parakit $(O)

bench: deps all
	bash bench/scan-usr.sh $(O)/parakit
	bash bench/scan-debs.sh $(O)/parakit
	bash bench/report.sh $(O)/parakit

deps:
	@sh tests/lib/deps.sh $(DEB_PKGS)

install: all
	install -D -m 0755 $(O)/parakit $(DESTDIR)$(PREFIX)/bin/parakit
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -D -m 0644 $(O)/parakit.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/parakit

# Files only: a directory install made may have been there before.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED))

# Debian packages from debian/ (its rules run 'make install PREFIX=/usr'),
# built in a copy of the tree under $(O)/deb: dpkg-buildpackage writes the
# .deb files beside the tree it builds, so they land in $(O)/deb, not in
# the tree's parent. The copy holds what git would commit (this tree's
# edits included) or, where git cannot tell, everything but $(O). This
# make's variables (O=, CI=) are not the package build's.
DEB_PKGS += build-essential debhelper lintian
DEB_DIR := $(O)/deb
DEB_SRC := $(DEB_DIR)/parakit-$(VERSION)
DEB_FILES = $(if $(shell git ls-files Makefile 2>/dev/null),git ls-files -z -co --exclude-standard, \
	find . -path './$(patsubst $(CURDIR)/%,%,$(abspath $(O)))' -prune -o ! -type d -print0)

deb:
	@v=$$(dpkg-parsechangelog -SVersion) && [ "$$v" = $(VERSION) ] || \
		{ echo "debian/changelog is at $$v, the Makefile's VERSION at $(VERSION)" >&2; exit 1; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	$(DEB_FILES) | tar -c --null -T - -f - | tar -x -C $(DEB_SRC) -f -
	cd $(DEB_SRC) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b -Jauto
	rm -rf $(DEB_SRC)
	@ls $(DEB_DIR)/*.deb

compdb:
	bear -- $(MAKE) -B all

clean:
	rm -rf $(O)

-include $(OBJS:.o=.d)
