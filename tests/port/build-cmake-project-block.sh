#!/bin/bash
# Description: parakit port on a CMake tree whose project() sits in a
# block, as json-c's does (project() in both branches of if (CMAKE_VERSION
# VERSION_LESS 3.0)): pkg_check_modules goes after the endif(), where
# project() has run whichever branch was taken. It used to go right after
# the first project(), in the branch CMake skips, so the ported tree did
# not find pk.h and --verify said "failed". A project() in a function
# only runs when the function is called: it does not count.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
t_require sqlite3 patch jq make cc pkg-config cmake readelf
port_build_libpk

tree=$T_TMP/pwc
port_pwc_tree "$tree"
cat > "$tree/CMakeLists.txt" <<'EOF2'
cmake_minimum_required(VERSION 3.13)

function(subproject name)
	project(${name} C)
endfunction()

if (CMAKE_VERSION VERSION_LESS 3.0)
	project(pwc)
else()
	if (CMAKE_VERSION VERSION_LESS 3.1)
		project(pwc LANGUAGES C)
	else()
		project(pwc LANGUAGES C VERSION 1.0)
	endif()
endif()

add_executable(pwc src/main.c src/count.c src/count.h)
EOF2

cmake_build()
{
	cmake -S . -B "$PWD.build" && cmake --build "$PWD.build"
}
port_build_case cmake cmake_build @.build/pwc

t_is "$(sed -n '/^endif()$/,/^add_executable/p' "$T_TMP/ported/CMakeLists.txt" | grep -v '^#' | tail -n +2 | tr '\n' '|')" \
	'|find_package(PkgConfig REQUIRED)|pkg_check_modules(LIBPK REQUIRED IMPORTED_TARGET libpk)||add_executable(pwc src/main.c src/count.c src/count.h)|' \
	"CMakeLists.txt: pkg_check_modules after the endif() of the block that runs project()"
t_is "$(grep -c LIBPK "$T_TMP/ported/CMakeLists.txt")" 2 "and nowhere else but the target's link"
t_done
