#!/bin/bash
# Description: parakit shim decides per imported function, stores the
# decisions (v_shims), and builds a library that exports exactly the names
# it replaces, unversioned (an anonymous version node), without ASan,
# covering glibc's aliases; --keep-source and --json; static, setuid and
# Go binaries are refused with the reason.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
s_require
t_require readelf nm
cd "$T_TMP" || exit 1

t_pk shim --help
t_is "$T_RC" 0 "--help exits 0"
t_like "$T_OUT" 'usage: parakit shim' "--help prints the synopsis"
t_pk shim
t_is "$T_RC" 2 "no binary is bad usage (2)"

t_pk shim --db "$S_DB" --keep-source src -o cat.pk.so "$(command -v cat)"
t_is "$T_RC" 0 "shim for cat built"
t_like "$T_OUT" '^LD_PRELOAD=/.*cat\.pk\.so /.*cat$' "prints the line that runs it"
t_like "$T_OUT" 'read +routed' "the table shows read routed"
t_ok "the source is kept" test -s src/shim.c -a -s src/shim.map
t_ok "the version node is anonymous" grep -q '^{$' src/shim.map
t_is "$(t_sql "$S_DB" "SELECT group_concat(function, ' ') FROM (SELECT function FROM v_shims
	WHERE binary LIKE '%/cat' AND decision = 'routed' ORDER BY function)")" "close open read write" \
	"v_shims: cat's routed functions"
t_is "$(t_sql "$S_DB" "SELECT count(*) FROM v_shims WHERE binary LIKE '%/cat'")" \
	"$(t_readelf_imports "$(command -v cat)" | cut -f1 | sort -u | wc -l)" \
	"v_shims: one decision per imported name"
t_is "$(t_sql "$S_DB" "SELECT decision || ': ' || reason FROM v_shims WHERE binary LIKE '%/cat' AND function = 'lseek'")" \
	"passed: kernel path: libpk has no equivalent yet" "v_shims: lseek passed, with the reason"

exports=$(nm -D --defined-only cat.pk.so | awk '{print $3}' | sort | tr '\n' ' ')
# The routed names with their aliases, and the calls the shim watches
# (descriptor reuse, O_NONBLOCK, its rings): fd.c's "always" block.
t_is "$exports" "__open64_2 __open_2 __read_chk close close_range closefrom dup dup2 dup3 fclose fcntl fcntl64 ioctl open open64 pipe pipe2 read socketpair write " \
	"exports exactly the replaced names, their glibc aliases and the watched calls"
t_is "$(readelf -W --dyn-syms cat.pk.so | awk '$7 != "UND" && $8 ~ /@/' | wc -l)" 0 \
	"exported names carry no version"
t_is "$(readelf -W --version-info cat.pk.so | grep -c 'Version definition')" 0 "no version definition"
t_ok "not linked against ASan" sh -c "! readelf -d cat.pk.so | grep -q asan && ! nm cat.pk.so | grep -q __asan_init"
t_ok "libpk is inside (no libpk.so needed)" sh -c "! readelf -d cat.pk.so | grep -q 'libpk'"

# A program that imports every alias of the io and open families.
cat > aliases.c <<'C'
#define _GNU_SOURCE
#define _LARGEFILE64_SOURCE
#define _FORTIFY_SOURCE 2
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	char buf[64];
	int fd = open(argv[1], argc > 5 ? O_RDONLY | O_CREAT : O_RDONLY);
	int fd2 = open64(argv[1], O_RDONLY);
	int fd3 = openat(AT_FDCWD, argv[1], O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf));
	ssize_t m = pread64(fd2, buf, 5, 1);
	ssize_t k = pread(fd3, buf + 10, 5, 2);
	printf("%zd %zd %zd %.5s %.5s\n", n, m, k, buf, buf + 10);
	return close(fd) || close(fd2) || close(fd3);
}
C
cc -O2 -o aliases aliases.c && printf 'hello world\n' > hello
names=$(t_readelf_imports aliases | cut -f1 | grep -E 'open|read' | tr '\n' ' ')
t_diag "aliases imports: $names"
s_shim "$T_TMP/aliases"
s_same "fortified and 64-bit aliases" "$S_SO" ./aliases hello
S_KERNEL_FDS=1	# printf
s_uring "fortified and 64-bit aliases" "$S_SO" ./aliases hello
S_KERNEL_FDS=
t_is "$(t_sql "$S_DB" "SELECT count(*) FROM v_shims WHERE binary LIKE '%/aliases' AND decision = 'routed'
	AND function IN ('__open_2', '__read_chk', 'pread64', 'openat', 'open64')")" \
	"$(echo "$names" | tr ' ' '\n' | grep -cxE '__open_2|__read_chk|pread64|openat|open64')" \
	"the aliases the compiler chose are routed"

t_pk shim --db "$S_DB" --json -o cat2.pk.so "$(command -v cat)"
t_like "$T_OUT" '^\{"binary":"/[^"]*cat","hash":"[0-9a-f]{32}",.*"functions":\[\{"function":' "--json"
t_ok "--json is one JSON document" python3 -c 'import json, sys; json.loads(sys.argv[1])' "$T_OUT"

# Refusals.
printf 'int main(void){return 0;}\n' > prog.c
if cc -static -o static prog.c 2>/dev/null; then
	t_pk shim --db "$S_DB" ./static
	t_is "$T_RC" 1 "a static binary is refused (1)"
	t_like "$(cat "$T_ERR")" "cannot shim './static': static binary" "with the reason"
	t_is "$(t_sql "$S_DB" "SELECT decision FROM v_shims WHERE binary LIKE '%/static'")" refused \
		"v_shims records the refusal"
else
	t_fail "cc -static works (libc6-dev)"
fi
cc -o setuid prog.c && chmod u+s setuid
t_pk shim --db "$S_DB" ./setuid
t_is "$T_RC" 1 "a setuid binary is refused (1)"
t_like "$(cat "$T_ERR")" "setuid or setgid binary" "with the reason"
printf 'const char b[] __attribute__((section(".go.buildinfo"), used)) = "\\xff Go buildinf:";\nint main(void){return 0;}\n' > go.c
cc -o gobin go.c
t_pk shim --db "$S_DB" ./gobin
t_is "$T_RC" 1 "a Go binary is refused (1)"
t_like "$(cat "$T_ERR")" "Go binary" "with the reason"
t_pk shim --db "$S_DB" ./missing
t_is "$T_RC" 1 "a missing binary fails (1)"
t_like "$(cat "$T_ERR")" "cannot open './missing': No such file or directory" "and says why"
t_pk shim --db "$S_DB" ./hello
t_like "$(cat "$T_ERR")" "not an ELF file" "a text file is not an ELF file"
t_done
