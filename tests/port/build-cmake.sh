#!/bin/bash
# Description: parakit port on a CMake tree: the top CMakeLists.txt asks
# pkg-config for libpk after project() (find_package(PkgConfig),
# pkg_check_modules(LIBPK REQUIRED IMPORTED_TARGET libpk)), and in
# src/CMakeLists.txt each target whose sources changed links
# PkgConfig::LIBPK: the library with the keyword form, the program, which
# the tree links the plain way, with the plain form (CMake refuses to mix
# them), its sources found through ${VAR}. cmake -S . -B B && cmake --build
# B builds the patched copy, which links libpk on libpk.pc's rpath and
# counts as the original; --verify says so ("adapted"). A header no target
# lists gives every target libpk (link_libraries).
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
t_require sqlite3 patch jq make cc pkg-config cmake readelf
port_build_libpk

tree=$T_TMP/pwc
port_pwc_tree "$tree"
cat > "$tree/CMakeLists.txt" <<'EOF2'
cmake_minimum_required(VERSION 3.13)
project(pwc C)

add_subdirectory(src)
EOF2
cat > "$tree/src/CMakeLists.txt" <<'EOF2'
# The counter, as a library the program links (the plain way).
add_library(pwcount STATIC count.c count.h)
set(PWC_SOURCES main.c)
add_executable(pwc ${PWC_SOURCES})
target_link_libraries(pwc pwcount)
EOF2

cmake_build()
{
	cmake -S . -B "$PWD.build" && cmake --build "$PWD.build"
}
port_build_case cmake cmake_build @.build/src/pwc

t_is "$(sed -n 3,6p "$T_TMP/ported/CMakeLists.txt" | grep -v '^#' | tr '\n' '|')" \
	'|find_package(PkgConfig REQUIRED)|pkg_check_modules(LIBPK REQUIRED IMPORTED_TARGET libpk)|' \
	"CMakeLists.txt: pkg_check_modules after project()"
t_is "$(grep -n LIBPK "$T_TMP/ported/src/CMakeLists.txt" | tr '\n' '|')" \
	'3:target_link_libraries(pwcount PRIVATE PkgConfig::LIBPK)|6:target_link_libraries(pwc PkgConfig::LIBPK)|' \
	"src/CMakeLists.txt: each target links PkgConfig::LIBPK after its add_*, in the form the tree uses"

# The header out of every target: libpk for all of them.
port_tree_copy "$T_TMP/pristine" "$T_TMP/glob"
sed -i 's/ count.h)/)/' "$T_TMP/glob/src/CMakeLists.txt"
t_pk port --db "$T_TMP/port.db" --level compat --diff "$T_TMP/glob.patch" "$T_TMP/glob"
patch -s -p1 -d "$T_TMP/glob" -i "$T_TMP/glob.patch"
t_like "$(grep -A5 '^pkg_check_modules' "$T_TMP/glob/CMakeLists.txt" | tr '\n' '|')" 'link_libraries\(PkgConfig::LIBPK\)' \
	"a changed header no target lists: link_libraries(PkgConfig::LIBPK) for every target"
t_ok "and that tree builds too" sh -c "cd '$T_TMP/glob' && cmake -S . -B b > /dev/null && cmake --build b > /dev/null"
t_done
