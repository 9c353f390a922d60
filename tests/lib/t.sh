# Shared helpers for the shell tests (tests/*/*.sh), sourced by each:
#
#	. "$(dirname "$0")/../lib/t.sh"
#
# TAP: t_ok, t_is, t_cmp, t_skip print one test line each and count it;
# t_done prints the plan at the end ("1..N" may close a TAP stream), so a
# test that dies half-way has no plan and prove fails it. Every parakit run
# goes through t_pk, which keeps its status, stdout and stderr and fails the
# test when a sanitizer (ASan, UBSan) spoke, whatever the run's own checks.
#
# Fixtures are built at test time in $T_TMP, removed on exit.

set -u

: "${PARAKIT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/parakit}"
export PARAKIT
T_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# This test as tests/lib/allowed-skips names it: its path from the top of
# the tree (absolute when it lives elsewhere).
T_SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
T_SELF=${T_SELF#"$(cd "$T_LIB/../.." && pwd)/"}
: "${T_ALLOWED_SKIPS:=$T_LIB/allowed-skips}"

# ASan's default exit status (1) is parakit's "some inputs failed": give
# sanitizer deaths their own; UBSan only prints, so stderr is searched too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-exitcode=86:abort_on_error=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:exitcode=87}"
export LC_ALL=C

T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/parakit-test.XXXXXX")
t_cleanup()
{
	# Tests may leave unreadable or read-only entries behind.
	chmod -R u+rwX "$T_TMP" 2>/dev/null
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT

t_count=0
t_failed=0
t_sanitizer=0

t_diag()
{
	printf '%s\n' "$@" | sed 's/^/# /'
}

t_pass()
{
	t_count=$((t_count + 1))
	echo "ok $t_count - $1"
}

t_fail()
{
	t_count=$((t_count + 1))
	t_failed=$((t_failed + 1))
	echo "not ok $t_count - $1"
}

# t_ok DESC CMD...: passes when CMD succeeds.
t_ok()
{
	local desc=$1
	shift
	if "$@"; then
		t_pass "$desc"
	else
		t_fail "$desc"
		t_diag "command failed: $*"
	fi
}

# t_is GOT EXPECTED DESC
t_is()
{
	if [ "$1" = "$2" ]; then
		t_pass "$3"
	else
		t_fail "$3"
		t_diag "got:      '$1'" "expected: '$2'"
	fi
}

# t_like GOT REGEX DESC (grep -E)
t_like()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		t_pass "$3"
	else
		t_fail "$3"
		t_diag "got:       '$1'" "not like:  '$2'"
	fi
}

# t_cmp GOT_FILE EXPECTED_FILE DESC: equal files, and not both empty (an
# empty comparison proves nothing).
t_cmp()
{
	if [ ! -s "$2" ]; then
		t_fail "$3"
		t_diag "the expected side ($2) is empty"
	elif cmp -s "$1" "$2"; then
		t_pass "$3 ($(wc -l < "$2") lines)"
	else
		t_fail "$3"
		diff -u "$2" "$1" | head -40 | cut -c1-300 | t_diag "$(cat)"
	fi
}

# t_skip REASON: one check cannot run here. Under CI=true a skip fails
# unless tests/lib/allowed-skips declares it (issue 21): a test that skips
# in CI proves nothing while prove reports it as passing.
t_skip()
{
	if [ "${CI:-}" = true ] && ! t_skip_allowed "$1"; then
		t_fail "skipped under CI=true: $1"
		t_diag "under CI=true a skip fails unless $T_ALLOWED_SKIPS declares it"
		return
	fi
	t_count=$((t_count + 1))
	echo "ok $t_count # SKIP $1"
}

# t_skip_all REASON: the whole test cannot run here; under CI=true as t_skip.
t_skip_all()
{
	if [ "${CI:-}" = true ] && ! t_skip_allowed "$1"; then
		echo "1..1"
		echo "not ok 1 - cannot run under CI=true: $1"
		t_diag "under CI=true a skip fails unless $T_ALLOWED_SKIPS declares it"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

# t_skip_allowed REASON: whether the list of allowed skips has a line
# "<this test><TAB><glob REASON matches><TAB><why>"; if so, says so on
# stderr (prove shows it, verbose or not).
t_skip_allowed()
{
	local test pat why
	[ -r "$T_ALLOWED_SKIPS" ] || return 1
	while IFS=$'\t' read -r test pat why; do
		case $test in '' | '#'*) continue ;; esac
		# $pat unquoted: a glob.
		[ "$test" = "$T_SELF" ] && [[ $1 == $pat ]] || continue
		echo "# allowed skip under CI=true: $T_SELF: $1 ($why)" >&2
		return 0
	done < "$T_ALLOWED_SKIPS"
	return 1
}

t_require()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || t_skip_all "$c is not installed"
	done
}

t_done()
{
	if [ "$t_sanitizer" -eq 0 ]; then
		t_pass "no sanitizer reports from parakit"
	else
		t_fail "no sanitizer reports from parakit ($t_sanitizer runs reported)"
	fi
	echo "1..$t_count"
	[ "$t_failed" -eq 0 ]
	exit
}

# t_pk ARGS...: runs parakit; T_RC, T_OUT and T_ERR (file) hold the result.
# A caller may set PATH for parakit alone (PATH=... t_pk ...): the check for
# sanitizer reports keeps the test's own.
T_OUT=
T_ERR=$T_TMP/stderr
T_PATH=$PATH
t_pk()
{
	T_RC=0
	T_OUT=$("$PARAKIT" "$@" 2>"$T_ERR") || T_RC=$?
	if [ "$T_RC" -ge 86 ] && [ "$T_RC" -le 87 ] ||
	   PATH=$T_PATH grep -Eq 'runtime error:|Sanitizer|LeakSanitizer|SUMMARY: ' "$T_ERR"; then
		t_sanitizer=$((t_sanitizer + 1))
		t_diag "sanitizer report from parakit $*:" "$(head -30 "$T_ERR")"
	fi
}

# t_scan DB ARGS...: parakit scan --db DB with an empty dpkg database, so
# loose files stay unattributed (package: file name, member_path: path).
t_scan()
{
	local db=$1
	shift
	mkdir -p "$T_TMP/no-dpkg"
	t_pk scan --db "$db" --jobs "${T_JOBS:-2}" --admindir "$T_TMP/no-dpkg" "$@"
}

t_sql()
{
	sqlite3 -batch -noheader -separator '	' "$1" "$2"
}

# t_readelf_imports FILE [PREFIX]: what readelf says FILE imports, one
# "PREFIXsymbol<TAB>version" line per undefined dynamic symbol (the name
# before '@', the version after it, "" when unversioned), sorted.
t_readelf_imports()
{
	readelf --dyn-syms -W "$1" 2>/dev/null | awk -v pre="${2-}" '
		/^Symbol table / { if (seen++) exit }
		$7 == "UND" && NF >= 8 {
			name = $8
			for (i = 9; i <= NF && $i !~ /^\([0-9]+\)$/; i++)
				name = name " " $i
			ver = ""
			at = index(name, "@")
			if (at) { ver = substr(name, at + 1); name = substr(name, 1, at - 1) }
			sub(/^@/, "", ver)
			printf "%s%s\t%s\n", pre, name, ver
		}' | sort
}

# t_readelf_many FILE...: readelf run once over many files, as lines
# "I<TAB>file<TAB>symbol<TAB>version" (imports, as t_readelf_imports),
# "N<TAB>file<TAB>lib" (DT_NEEDED, in order) and "S<TAB>file<TAB>soname".
t_readelf_many()
{
	readelf --dyn-syms -d -W "$@" 2>/dev/null | awk -v one="$1" -v many=$(($# > 1)) '
		BEGIN { file = one }
		many && /^File: / { file = substr($0, 7); insyms = 0; next }
		/^Symbol table / { insyms = ($0 ~ /\.dynsym/); next }
		/^Dynamic section / { insyms = 0; next }
		/\(NEEDED\)/ { if (match($0, /\[.*\]$/)) print "N\t" file "\t" substr($0, RSTART + 1, RLENGTH - 2); next }
		/\(SONAME\)/ { if (match($0, /\[.*\]$/)) print "S\t" file "\t" substr($0, RSTART + 1, RLENGTH - 2); next }
		insyms && $7 == "UND" && NF >= 8 {
			name = $8
			for (i = 9; i <= NF && $i !~ /^\([0-9]+\)$/; i++)
				name = name " " $i
			ver = ""
			at = index(name, "@")
			if (at) { ver = substr(name, at + 1); name = substr(name, 1, at - 1) }
			sub(/^@/, "", ver)
			print "I\t" file "\t" name "\t" ver
		}'
}

# t_readelf_exports FILE [PREFIX]: the defined, non-local dynamic symbols
# as "PREFIXsymbol<TAB>version<TAB>is_default" (1 for name@@VER or no
# version, 0 for name@VER), sorted. readelf omits the version of the
# absolute symbols that name a version definition (VER_1 at ABS, value 0,
# versioned VER_1): it is put back.
t_readelf_exports()
{
	readelf --dyn-syms -W "$1" 2>/dev/null | awk -v pre="${2-}" '
		/^Symbol table / { if (seen++) exit }
		NF >= 8 && $1 ~ /^[0-9]+:$/ && $7 != "UND" && $5 != "LOCAL" && $4 != "SECTION" {
			name = $8
			ver = ""
			def = 1
			at = index(name, "@")
			if (at) {
				ver = substr(name, at + 1)
				name = substr(name, 1, at - 1)
				if (ver ~ /^@/) sub(/^@/, "", ver); else def = 0
			} else if ($7 == "ABS" && $2 ~ /^0+$/ && $4 == "OBJECT") {
				ver = name
			}
			printf "%s%s\t%s\t%s\n", pre, name, ver, def
		}' | sort
}

# t_db_imports DB WHERE: v_imports rows matching WHERE as
# "member_path<TAB>symbol<TAB>version", sorted.
t_db_imports()
{
	t_sql "$1" "SELECT member_path, symbol, coalesce(symbol_version, '')
		    FROM v_imports WHERE $2" | sort
}

t_is_elf()
{
	[ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]
}

# t_sorted_rows DB SQL: the rows, sorted (for set comparisons).
t_sorted_rows()
{
	t_sql "$1" "$2" | sort
}

. "$T_LIB/fixtures.sh"
