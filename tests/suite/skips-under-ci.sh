#!/bin/bash
# Description: under CI=true a skip fails unless tests/lib/allowed-skips
# declares it (issue 21): t_skip, t_skip_all and t_require in the shell
# tests, t_require in the C tests (tests/runtime/t_pk.h). A declared skip
# passes there and says why it is allowed; outside CI every skip passes.
. "$(dirname "$0")/../lib/t.sh"
t_require cc
cd "$T_TMP" || exit 1

mkdir -p sh
cat > sh/one.sh <<EOS
. "$T_LIB/t.sh"
t_pass "a check"
t_skip "no frobnicator here"
t_done
EOS
cat > sh/all.sh <<EOS
. "$T_LIB/t.sh"
t_skip_all "no frobnicator here"
EOS
cat > sh/cmd.sh <<EOS
. "$T_LIB/t.sh"
t_require parakit-no-such-command
t_done
EOS
cat > skip.c <<'EOS'
#include "t_pk.h"
int main(void)
{
	t_require(0, "no frobnicator here");
	t_plan(1);
	t_ok(1, "a check");
	return t_done();
}
EOS
t_ok "a C test with t_require builds" cc -I"$T_LIB/../runtime" -I"$T_LIB/../../runtime" -o skip.t "$T_TMP/skip.c"

# run NAME CI [ALLOWED]: runs a test under CI=$2 with $3 as the allowed
# skips; RC, OUT and ERR (file) hold the result.
run()
{
	local cmd=(bash "$T_TMP/sh/$1.sh")
	[ "$1" = c ] && cmd=("$T_TMP/skip.t")
	RC=0
	OUT=$(cd / && CI=$2 T_ALLOWED_SKIPS=${3:-/dev/null} "${cmd[@]}" 2>"$T_TMP/err") || RC=$?
	ERR=$(cat "$T_TMP/err")
}

for t in one all cmd c; do
	run $t false
	t_is "$RC" 0 "$t: outside CI a skip passes"
	t_like "$OUT" '# SKIP ' "$t: ... and is reported as a skip"
	run $t true
	t_is "$RC" 1 "$t: under CI=true an undeclared skip fails"
	t_like "$OUT" '^not ok .*(no frobnicator here|parakit-no-such-command)' "$t: ... with its reason"
done

# Declared: the test's file and a glob of its reason, then why.
printf '# a comment\n%s\tno frob*\tfrobnicators are rare\n%s\tno frob*\tsame\n%s\t* is not installed\tnot packaged\n' \
	"$T_TMP/sh/one.sh" "$T_TMP/sh/all.sh" "$T_TMP/sh/cmd.sh" > allowed
printf '%s\tno frob*\tfrobnicators are rare\n' "$T_TMP/skip.c" >> allowed
for t in one all cmd c; do
	run $t true "$T_TMP/allowed"
	t_is "$RC" 0 "$t: under CI=true a declared skip passes"
	t_like "$OUT" '# SKIP ' "$t: ... as a skip"
	t_like "$ERR" 'allowed skip under CI=true: .*(frobnicators are rare|same|not packaged)' "$t: ... and says why it is allowed"
done

# A declaration names one test and one reason: not another test's skip,
# nor another reason of the same test.
printf '%s\tno frob*\tfrobnicators are rare\n' "$T_TMP/sh/all.sh" > allowed2
run one true "$T_TMP/allowed2"
t_is "$RC" 1 "a declaration for another test does not allow this one's skip"
printf '%s\tno widget*\twidgets are rare\n' "$T_TMP/sh/one.sh" > allowed3
run one true "$T_TMP/allowed3"
t_is "$RC" 1 "a declaration for another reason does not allow this skip"

t_is "$T_SELF" tests/suite/skips-under-ci.sh "a test is named by its path from the top of the tree"

# The suite's own list: every line is a test that exists, a reason and why.
bad=$(awk -F'\t' '!/^#/ && NF && (NF != 3 || $3 == "") { print NR ": " $0 }' "$T_LIB/allowed-skips")
t_is "$bad" "" "tests/lib/allowed-skips: every declaration has a test, a reason and why"
missing=$(awk -F'\t' '!/^#/ && NF { print $1 }' "$T_LIB/allowed-skips" | while read -r f; do
	[ -e "$T_LIB/../../$f" ] || echo "$f"; done)
t_is "$missing" "" "tests/lib/allowed-skips: every test it names exists"
t_done
