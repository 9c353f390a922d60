#!/bin/bash
# Description: every libpk twin the catalogue names (the pk_equivalent
# column of db/catalog/posix-functions.tsv, the one list port and shim
# read) is a function libpk.so exports and pk.h declares: a twin renamed
# into a ported program, or routed by a shim, always links.
. "$(dirname "$0")/../lib/t.sh"
t_require nm awk

root=$(cd "$(dirname "$0")/../.." && pwd)
so=$(dirname "$PARAKIT")/runtime/libpk.so
[ -f "$so" ] || t_skip_all "libpk is not built in $(dirname "$so")"
tsv=$root/db/catalog/posix-functions.tsv

twins=$(awk -F'\t' '!/^#/ && NR > 1 { for (i = 1; i <= NF; i++) if (h[i] == "pk_equivalent" && $i != "") print $i }
	/^name\t/ { for (i = 1; i <= NF; i++) h[i] = $i }' "$tsv" | sort -u)
t_ok "the catalogue names twins ($(echo "$twins" | wc -l))" test "$(echo "$twins" | wc -l)" -ge 60
exported=$(nm -D --defined-only "$so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u)
t_is "$(comm -23 <(echo "$twins") <(echo "$exported") | tr '\n' ' ')" "" "libpk.so exports every one"
undeclared=
for f in $twins; do
	grep -Eq "[ *]$f\(" "$root/runtime/pk.h" || undeclared="$undeclared $f"
done
t_is "$undeclared" "" "pk.h declares every one"
t_done
