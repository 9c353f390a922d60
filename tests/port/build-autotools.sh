#!/bin/bash
# Description: parakit port on an autotools tree (configure.ac, Makefile.am
# and src/Makefile.am) adapts the files autotools reads, not what it
# generates: configure.ac gets PKG_CHECK_MODULES([LIBPK], [libpk]) before
# AC_OUTPUT, src/Makefile.am hands LIBPK_CFLAGS and LIBPK_LIBS to the
# program whose sources changed (AM_CPPFLAGS, which it already has, and
# LDADD, which it has not). autoreconf -fi && ./configure && make builds
# the patched copy, which links libpk on libpk.pc's rpath and counts as
# the original; --verify says so ("adapted"); a ported tree changes no more.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
t_require sqlite3 patch jq make cc pkg-config autoreconf automake readelf
port_build_libpk

tree=$T_TMP/pwc
port_pwc_tree "$tree"
cat > "$tree/configure.ac" <<'EOF2'
AC_INIT([pwc], [1.0])
AC_CONFIG_SRCDIR([src/main.c])
AM_INIT_AUTOMAKE([foreign])
AC_PROG_CC
AC_CONFIG_FILES([Makefile src/Makefile])
AC_OUTPUT
EOF2
echo 'SUBDIRS = src' > "$tree/Makefile.am"
cat > "$tree/src/Makefile.am" <<'EOF2'
bin_PROGRAMS = pwc
pwc_SOURCES = main.c count.c count.h
AM_CPPFLAGS = -DPWC_VERSION=\"1.0\"
EOF2

autotools_build()
{
	autoreconf -fi && ./configure && make
}
port_build_case autotools autotools_build @/src/pwc

t_like "$(grep -n 'PKG_CHECK_MODULES\|^AC_OUTPUT' "$T_TMP/ported/configure.ac" | cut -d: -f2- | tr '\n' '|')" \
	'^PKG_CHECK_MODULES\(\[LIBPK\], \[libpk\]\)\|AC_OUTPUT\|$' \
	"configure.ac: PKG_CHECK_MODULES([LIBPK], [libpk]), before AC_OUTPUT"
t_is "$(grep -c . "$T_TMP/ported/Makefile.am")" 1 "the top Makefile.am, which builds nothing, is not edited"
t_is "$(grep 'LIBPK' "$T_TMP/ported/src/Makefile.am" | tr '\n' '|')" \
	'AM_CPPFLAGS += $(LIBPK_CFLAGS)|LDADD = $(LIBPK_LIBS)|' \
	"src/Makefile.am: AM_CPPFLAGS appended to, LDADD defined (automake wants '=' first)"
t_is "$(grep -c '^+++ b/.*Makefile\.in$\|^+++ b/configure$' "$T_TMP/pwc.patch")" 0 \
	"nothing generated is edited"
t_done
