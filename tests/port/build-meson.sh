#!/bin/bash
# Description: parakit port on a Meson tree: the top meson.build declares
# libpk_dep = dependency('libpk') after project(), and the targets of
# src/meson.build get it in their dependencies (added as an argument, or
# the value they have wrapped in a list). The header no target lists makes
# every target get it. meson setup B && meson compile -C B builds the
# patched copy, which links libpk on libpk.pc's rpath and counts as the
# original; --verify says so ("adapted").
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
t_require sqlite3 patch jq cc pkg-config meson ninja readelf
port_build_libpk

tree=$T_TMP/pwc
port_pwc_tree "$tree"
cat > "$tree/meson.build" <<'EOF2'
project('pwc', 'c',
  version : '1.0')

subdir('src')
EOF2
cat > "$tree/src/meson.build" <<'EOF2'
# The header is not listed: Meson finds it.
pwc_sources = files('main.c', 'count.c')
pwc = executable('pwc', pwc_sources,
  c_args : ['-DPWC_VERSION="1.0"'],
  install : false,
)
m = dependency('threads')
pwc_threads = executable('pwc-threads', 'main.c', 'count.c', dependencies : m)
EOF2

meson_build()
{
	meson setup "$PWD.build" && meson compile -C "$PWD.build"
}
port_build_case meson meson_build @.build/src/pwc

t_is "$(sed -n 3,5p "$T_TMP/ported/meson.build" | tr '\n' '|')" \
	"|# parakit port: the pk_ calls come from libpk|libpk_dep = dependency('libpk')|" \
	"meson.build: libpk_dep after project()"
t_is "$(grep -c 'install : false, dependencies: libpk_dep,$' "$T_TMP/ported/src/meson.build")" 1 \
	"src/meson.build: a target without dependencies gets the argument"
t_is "$(grep -c "dependencies : \[m, libpk_dep\])$" "$T_TMP/ported/src/meson.build")" 1 \
	"src/meson.build: a target's dependencies become a list with libpk_dep"
port_linked "$T_TMP/ported.build/src/pwc-threads" "the other target"
t_done
