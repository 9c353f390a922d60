#!/bin/bash
# Description: cat, dd, tee, head and tail from Debian's coreutils, shimmed,
# give the same output, error messages and exit status as without the shim
# on files of several sizes, a sparse file, pipes, /dev/null and a missing
# file, and their reads and writes reach the kernel as io_uring_enter only.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
s_require

cd "$T_TMP" || exit 1
for n in 0 1 4095 4096 131073 3000007; do
	head -c $n /dev/urandom > "f$n"
done
truncate -s 5M sparse && printf 'tail' >> sparse
seq 1 100000 > lines

for b in cat dd tee head tail; do
	s_shim "$(command -v $b)" || { t_fail "shim for $b"; continue; }
	eval "SO_$b=\$S_SO"
	t_pass "shim for $b built"
done

for n in 0 1 4095 4096 131073 3000007; do
	s_same "cat f$n" "$SO_cat" cat "f$n"
done
s_same "cat of a sparse file" "$SO_cat" cat sparse
s_same "cat of several files and a missing one" "$SO_cat" cat f1 missing f4096
s_same "cat /dev/null" "$SO_cat" cat /dev/null
s_same "cat -n" "$SO_cat" cat -n lines
s_same "cat from a pipe" "$SO_cat" sh -c 'seq 1 50000 | cat'
s_same "cat to a pipe" "$SO_cat" sh -c 'cat f3000007 | od | tail -3'
s_same "dd bs=64k" "$SO_dd" sh -c 'dd if=f3000007 bs=64k 2>/dev/null | cksum'
s_same "dd count and skip, status=none" "$SO_dd" dd if=f131073 bs=1000 skip=7 count=50 status=none
s_same "dd of a missing file" "$SO_dd" dd if=missing of=/dev/null
s_same "dd of=file conv=fsync" "$SO_dd" sh -c 'dd if=f131073 of=out.dd conv=fsync status=none; cksum out.dd'
s_same "tee into files" "$SO_tee" sh -c 'tee t1 t2 < f3000007 | cksum; cksum t1 t2'
s_same "tee -a" "$SO_tee" sh -c 'rm -f t3; echo x | tee -a t3; echo y | tee -a t3; cat t3'
s_same "tee into a missing directory" "$SO_tee" sh -c 'tee nodir/x < f1'
s_same "head -c" "$SO_head" head -c 100000 f3000007
s_same "head -n" "$SO_head" head -n 777 lines
s_same "head -n -5 from a pipe" "$SO_head" sh -c 'seq 1 1000 | head -n -5'
s_same "head of a missing file" "$SO_head" head missing
s_same "tail -n" "$SO_tail" tail -n 10 lines
s_same "tail -c" "$SO_tail" tail -c 5000 f3000007
s_same "tail of a sparse file" "$SO_tail" tail -c 4 sparse
s_same "tail from a pipe" "$SO_tail" sh -c 'seq 1 100000 | tail -n 3'
s_same "tail of a missing file" "$SO_tail" tail missing

s_uring "cat of 3 MB" "$SO_cat" cat f3000007
S_PIPE=1 s_uring "cat of a pipe" "$SO_cat" sh -c 'seq 1 50000 | cat >/dev/null'
S_KERNEL_FDS=2	# its statistics: fprintf to stderr
s_uring "dd bs=64k" "$SO_dd" dd if=f3000007 of=out2 bs=64k
S_KERNEL_FDS=
# head, tail and tee write to stdout through stdio (fwrite): glibc's
# internal write, on the kernel path, as their decisions say; tee's files
# are fopen'd, so their writes are routed (tests/shim/stdio.sh).
stdio_reason()
{
	t_sql "$S_DB" "SELECT count(*) FROM v_shims WHERE binary LIKE '%/$1' AND function = 'fwrite'
		AND decision = 'passed' AND reason LIKE 'kernel path: stdio%'"
}
for b in head tail tee; do
	t_is "$(stdio_reason $b)" 1 "v_shims says $b's fwrite stays on the kernel path"
done
S_KERNEL_FDS=1
s_uring "tee (its reads, and its writes to a file)" "$SO_tee" sh -c 'tee t4 < f3000007 > /dev/null'
S_KERNEL_FDS=1
s_uring "head -c (its reads)" "$SO_head" head -c 1000000 f3000007
s_uring "tail -c (its reads)" "$SO_tail" tail -c 1000000 f3000007
S_KERNEL_FDS=

# PK_SQPOLL=1: the data path needs (almost) no system call.
head -c 32M /dev/urandom > f32M
export PK_SQPOLL=1 PK_SQPOLL_SLOTS=0	# no slot limit here: that is pipeline.sh's
s_same "cat of 32 MB under PK_SQPOLL=1" "$SO_cat" cat f32M
strace -f -qq -o plain.sq cat f32M >/dev/null
strace -f -qq -E LD_PRELOAD="$SO_cat" -o shim.sq cat f32M >/dev/null
plain=$(grep -Ec "^[0-9]+ +($S_RW)\(" plain.sq)
shim=$(grep -Ec "^[0-9]+ +($S_RW|io_uring_enter)\(" shim.sq)
t_diag "PK_SQPOLL=1 cat 32 MB: plain read/write $plain; shim read/write + io_uring_enter $shim"
if [ "$shim" -le $((plain / 10)) ]; then
	t_pass "PK_SQPOLL=1: read/write + io_uring_enter at most a tenth of the plain run's ($shim <= $plain/10)"
else
	t_fail "PK_SQPOLL=1: $shim read/write + io_uring_enter, plain run $plain"
fi
unset PK_SQPOLL PK_SQPOLL_SLOTS
t_done
