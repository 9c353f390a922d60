# Fuzzing: one libFuzzer harness per parser of untrusted bytes,
# fuzz/<name>.c -> $(O)/fuzz/bin/<name>. A harness links the parakit
# objects it needs built once more under $(O)/fuzz/ with clang's coverage
# and sanitizers (-fsanitize=fuzzer-no-link,address,undefined): the
# ordinary objects have no coverage counters and, out of CI, no ASan.
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_HARNESSES='elf rpm']
#       runs each harness FUZZ_SECONDS, one after the other at nice 19,
#       its corpus kept in $(O)/fuzz/corpus/<name> (so a run starts where
#       the last one stopped) and seeded from $(O)/fuzz/seeds/<name>, which
#       fuzz/seeds.sh builds from the test fixtures; prints libFuzzer's
#       cov:/ft: lines and a table of coverage (seeds alone, then after the
#       run), execs/s and crashes. A crash's input is kept in
#       $(O)/fuzz/crashes/<name>/; make it a regression test
#       (tests/fuzz/regress/README).
#   make fuzz-bins
#       builds the harnesses (and the seeds) only.
#
# make test runs tests/fuzz/short-runs.sh: every regression input, then a
# few seconds of each harness. The harnesses are built for it only when
# clang has its libFuzzer runtime (Debian: libclang-rt-14-dev); without it
# the test skips, and fails under CI=true.

.DEFAULT_GOAL := all

DEB_PKGS += clang libclang-rt-14-dev dpkg-dev rpm zip binutils-s390x-linux-gnu

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES := archive elf escape names rpm
FUZZ_O       := $(O)/fuzz

FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -MMD -MP -fno-strict-aliasing \
	-fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined
ifeq ($(SAN),1)
FUZZ_CFLAGS += -Werror
endif
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined

# What each harness links besides its own fuzz/<name>.c.
# A scan result holds the syscall footprint, which each ELF file's
# reading makes (analyzer/scan_sys.c): its decoder reads hostile code too.
FUZZ_SCAN := analyzer/scan_result.c common/common.c fuzz/fuzz_scan.c analyzer/scan_sys.c common/strmap.c \
	analyzer/sys_analyze.c analyzer/sys_arm64.c analyzer/sys_ehframe.c analyzer/sys_go.c analyzer/sys_names.c \
	analyzer/sys_requests.c analyzer/sys_resolve.c analyzer/sys_why.c analyzer/sys_x86.c
FUZZ_SRCS_elf := $(FUZZ_SCAN) analyzer/elf_identify.c analyzer/elf_read.c
FUZZ_SRCS_archive := $(FUZZ_SRCS_elf) analyzer/pkg_archive.c analyzer/pkg_rpm.c analyzer/pkg_unpack.c \
	analyzer/scan_inputs.c
FUZZ_SRCS_rpm := $(FUZZ_SRCS_elf) analyzer/pkg_rpm.c
FUZZ_SRCS_names := db/db_alias.c common/common.c db/db.c $(O)/db/embedded.c
FUZZ_SRCS_escape := common/json.c reports/report_escape.c

fuzz_objs = $(patsubst %.c,$(FUZZ_O)/%.o,fuzz/$(1).c $(FUZZ_SRCS_$(1)))
FUZZ_BINS := $(FUZZ_HARNESSES:%=$(FUZZ_O)/bin/%)
FUZZ_OBJS := $(sort $(foreach h,$(FUZZ_HARNESSES),$(call fuzz_objs,$(h))))

.PHONY: fuzz fuzz-bins fuzz-maybe

$(FUZZ_OBJS): $(FUZZ_O)/%.o: %.c
	@mkdir -p $(@D)
	$(call quiet,FUZZCC,$@)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(foreach h,$(FUZZ_HARNESSES),$(eval $(FUZZ_O)/bin/$(h): $(call fuzz_objs,$(h))))
$(FUZZ_BINS): fuzz/fuzz.mk
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $(filter %.o,$^) $(LDLIBS)

$(FUZZ_O)/seeds/.done: fuzz/seeds.sh tests/lib/fixtures.sh
	$(call quiet,GEN,$(FUZZ_O)/seeds)rm -rf $(FUZZ_O)/seeds && bash fuzz/seeds.sh $(FUZZ_O)/seeds && touch $@

fuzz-bins: $(FUZZ_BINS) $(FUZZ_O)/seeds/.done

fuzz: deps fuzz-bins
	bash fuzz/run.sh $(FUZZ_O) $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

# For make test: the harnesses when clang can link a fuzzer, after 'all'
# (both would generate $(O)/db/embedded.c otherwise).
test: fuzz-maybe
fuzz-maybe: deps all
	@mkdir -p $(FUZZ_O)
	$(Q)if printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return !d && n; }\n' | \
		$(FUZZ_CC) -fsanitize=fuzzer -x c -o $(FUZZ_O)/probe - 2>/dev/null; then \
		rm -f $(FUZZ_O)/probe; $(MAKE) --no-print-directory fuzz-bins; \
	else \
		echo "fuzz: $(FUZZ_CC) cannot link a libFuzzer harness (Debian: libclang-rt-14-dev)" >&2; \
	fi

-include $(FUZZ_OBJS:.o=.d)
