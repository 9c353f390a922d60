#!/bin/bash
# Description: parakit port on a tree of plain Makefiles where the top one
# only descends into src/ and passes CFLAGS on make's command line: the
# lines go into src/Makefile, the one that compiles the changed files, as
# 'override' (a command-line CFLAGS hides a plain '+='), and the top
# Makefile is left alone. make builds the patched copy, which links libpk
# on libpk.pc's rpath and counts as the original; --verify says so.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
t_require sqlite3 patch jq make cc pkg-config readelf
port_build_libpk

tree=$T_TMP/pwc
port_pwc_tree "$tree"
cat > "$tree/Makefile" <<'EOF2'
CFLAGS = -O2 -Wall
all:
	$(MAKE) -C src CFLAGS="$(CFLAGS)"
clean:
	$(MAKE) -C src clean
EOF2
cat > "$tree/src/Makefile" <<'EOF2'
pwc: main.o count.o
	$(CC) $(LDFLAGS) -o $@ main.o count.o $(LDLIBS)
main.o count.o: count.h
clean:
	rm -f pwc *.o
EOF2

make_build()
{
	make
}
port_build_case make make_build @/src/pwc

t_is "$(grep '^+++' "$T_TMP/pwc.patch" | grep -c Makefile)" 1 "one Makefile is edited"
t_is "$(grep pkg-config "$T_TMP/ported/src/Makefile" | tr '\n' '|')" \
	'override CFLAGS += $(shell pkg-config --cflags libpk)|override LDLIBS += $(shell pkg-config --libs libpk)|' \
	"src/Makefile gets the pkg-config lines, with override"
t_done
