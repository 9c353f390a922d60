#!/bin/bash
# Description: a shell pipeline of shimmed programs (cat | dd | tee |
# head) gives the same bytes and status as the plain pipeline, every stage
# reading through io_uring; and with PK_SQPOLL=1 too, where no more stages
# poll than there are spare CPUs.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
s_require
cd "$T_TMP" || exit 1
export XDG_CACHE_HOME=$T_TMP/cache
# SQPOLL slots of our own: another parakit user of this machine must not take them.
export PK_SQPOLL_SLOT_DIR=$T_TMP
head -c 4000000 /dev/urandom > data

R="$PARAKIT shim --run --db $S_DB --"
plain=$(cat data | dd bs=32k status=none | tee copy.plain | head -c 5000000 | cksum)
shim=$($R cat data | $R dd bs=32k status=none | $R tee copy.shim | $R head -c 5000000 | cksum)
t_is "$shim" "$plain" "pipeline of shimmed programs: same bytes"
t_ok "tee's copy is the same" cmp -s copy.plain copy.shim
shim=$(PK_SQPOLL=1 sh -c "$R cat data | $R dd bs=32k status=none | $R head -c 5000000 | cksum")
t_is "$shim" "$plain" "the pipeline under PK_SQPOLL=1: same bytes"
# The kernel will not share an SQPOLL thread across processes, so stages
# take one of CPUs - 1 slots each and the rest keep plain rings: polling
# threads never outnumber the spare CPUs.
PK_SQPOLL=1 strace -f -qq -o sq.strace sh -c "$R cat data | $R dd bs=32k status=none | $R head -c 5000000 >/dev/null"
want=$(( $(nproc) - 1 )); [ "$want" -lt 1 ] && want=1; [ "$want" -gt 3 ] && want=3
t_is "$(grep 'io_uring_setup(.*IORING_SETUP_SQPOLL' sq.strace | awk '{print $1}' | sort -u | wc -l)" "$want" \
	"PK_SQPOLL=1: $want of the 3 stages poll ($(nproc) CPUs)"
shim=$(PK_SQPOLL=1 PK_SQPOLL_SLOTS=0 sh -c "$R cat data | $R dd bs=32k status=none | $R head -c 5000000 | cksum")
t_is "$shim" "$plain" "PK_SQPOLL_SLOTS=0 (every stage polls): same bytes"
set -o pipefail
$R cat missing 2>/dev/null | $R head -c 1 >/dev/null
t_is "$?" 1 "the failing stage's status comes through the pipeline"
set +o pipefail

strace -f -qq -o pipe.strace sh -c "$R cat data | $R dd bs=32k status=none | $R head -c 5000000 >/dev/null"
# head writes through stdio (kernel path, as v_shims says): count reads only.
late=$(awk -v re="^read\\\\((0|3)," '
	{ pid = $1; call = $2 }
	call ~ /^execve\(/ { up[pid] = 0 }
	call ~ /^io_uring_setup\(/ { up[pid] = 1 }
	up[pid] && call ~ re { n++ }
	END { print n + 0 }' pipe.strace)
t_diag "pipeline: $(s_counts pipe.strace), io_uring_setup $(grep -c 'io_uring_setup(' pipe.strace)"
t_is "$late" 0 "no stage reads its data with read system calls"
t_done
