#!/bin/bash
# Description: parakit port on a tree shipped with a configure script and
# Makefile.in's but no configure.ac or Makefile.am: the Makefile.in of the
# directory that compiles the changed files (src/) gets the pkg-config
# lines, on LIBS, which its link reads; configure's output is left alone.
# ./configure && make builds the patched copy, which links libpk on
# libpk.pc's rpath and counts as the original; --verify says so.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
t_require sqlite3 patch jq make cc pkg-config autoconf readelf
port_build_libpk

tree=$T_TMP/pwc
port_pwc_tree "$tree"
cat > "$tree/configure.ac" <<'EOF2'
AC_INIT([pwc], [1.0])
AC_CONFIG_SRCDIR([src/main.c])
AC_PROG_CC
AC_CONFIG_FILES([Makefile src/Makefile])
AC_OUTPUT
EOF2
cat > "$tree/Makefile.in" <<'EOF2'
all:
	cd src && $(MAKE)
EOF2
cat > "$tree/src/Makefile.in" <<'EOF2'
CC = @CC@
CFLAGS = @CFLAGS@
CPPFLAGS = @CPPFLAGS@
LDFLAGS = @LDFLAGS@
LIBS = @LIBS@

pwc: main.o count.o
	$(CC) $(LDFLAGS) -o $@ main.o count.o $(LIBS)
main.o count.o: count.h
EOF2
(cd "$tree" && autoconf && rm -rf configure.ac autom4te.cache)

configure_build()
{
	./configure && make
}
port_build_case configure configure_build @/src/pwc

t_is "$(grep '^+++' "$T_TMP/pwc.patch" | grep -v '\.[ch]$')" "+++ b/src/Makefile.in" "only src/Makefile.in is edited"
t_is "$(grep pkg-config "$T_TMP/ported/src/Makefile.in" | tr '\n' '|')" \
	'override CFLAGS += $(shell pkg-config --cflags libpk)|override LIBS += $(shell pkg-config --libs libpk)|' \
	"src/Makefile.in gets the pkg-config lines, on LIBS"
t_done
