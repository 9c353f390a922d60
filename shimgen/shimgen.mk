# parakit shim (shimgen/): the generator in the CLI, its templates embedded
# as C arrays. The shims themselves are built at run time by 'parakit shim'
# (cc, no sanitizer) against the libpk.a and pk.h beside the CLI: in
# $(O)/runtime/ in the build tree, <prefix>/lib and <prefix>/include once
# installed. No path of the source tree is compiled in.

PARAKIT_SRCS += \
	shimgen/cmd_shim.c \
	shimgen/shim_gen.c \
	shimgen/shim_rules.c

GEN_SRCS += $(O)/shimgen/templates.c

DEB_PKGS += socat strace netcat-openbsd coreutils liburing-dev
# tests/shim/nginx.sh and redis.sh; ab (apache2-utils) for bench/shim-servers.sh
DEB_PKGS += nginx redis-server redis-tools curl apache2-utils

SHIM_TEMPLATES := $(sort $(wildcard shimgen/templates/*.c))

$(O)/shimgen/templates.o: $(O)/shimgen/templates.c
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/shimgen/templates.c: db/embed.sh $(SHIM_TEMPLATES)
	@mkdir -p $(@D)
	$(call quiet,GEN,$@)sh db/embed.sh -i shimgen/shim.h -s shim_template -a shim_templates $(SHIM_TEMPLATES) > $@

# The shims link libpk: have it built with the CLI.
all: libpk

.PHONY: bench-shim
bench-shim: all
	bash bench/shim.sh $(O)/parakit

.PHONY: bench-shim-servers
bench-shim-servers: all
	bash bench/shim-servers.sh $(O)/parakit
