#!/bin/bash
# Description: the LD_PRELOAD traps of issue 8, each under a shim with the
# same output as without it: fork (the child gets its own ring), vfork and
# posix_spawn, exec (LD_PRELOAD passes on), a signal during a routed read
# (EINTR without SA_RESTART, restarted with it), O_NONBLOCK (EAGAIN, never
# a hang, also on a number libc closed and pipe2 gave back), errno right
# after routed calls, threads, a program that closes
# every descriptor or calls closefrom or close_range (the ring survives),
# inherited descriptors, close with a read in flight, and an allocator that
# reads a file before libpk is ready.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
s_require
cd "$T_TMP" || exit 1

cp "$(dirname "$0")/traps.c.in" traps.c 2>/dev/null || cp "$OLDPWD/$(dirname "$0")/traps.c.in" traps.c
cc -O2 -fno-builtin -pthread -o traps traps.c || t_skip_all "cannot build the fixture"
printf 'abcdefghijklmnopqrstuvwxyz\n' > abc
s_shim "$T_TMP/traps" || { t_fail "shim for traps"; t_done; }
SO=$S_SO
t_is "$(t_sql "$S_DB" "SELECT count(*) FROM v_shims WHERE binary LIKE '%/traps' AND decision = 'routed'
	AND function IN ('read', 'write', 'open', 'close')")" 4 "the fixture's read, write, open, close are routed"

s_same "fork: child and parent share the offset, each its own ring" "$SO" ./traps fork abc
S_KERNEL_FDS=1	# printf
s_uring "fork: the child's reads go through its own ring" "$SO" ./traps fork abc
t_is "$(grep -c 'io_uring_setup(' shim.strace)" 2 "fork: parent and child each set up one ring"
# Polling rings: the child's fork handler closes the parent's through libc,
# which is the shim's close; it once came back into libpk and hung.
PK_SQPOLL=1 PK_SQPOLL_SLOTS=64 s_same "fork under PK_SQPOLL=1: no hang, same output" "$SO" timeout 20 ./traps fork abc
s_same "vfork + exec, posix_spawn" "$SO" ./traps vfork abc
s_same "exec" "$SO" ./traps exec abc
S_KERNEL_FDS=
s_uring "exec passes the preload on: cat's reads go through io_uring" "$SO" ./traps exec abc
S_KERNEL_FDS=1
s_same "signal during a read without SA_RESTART: EINTR" "$SO" timeout 10 ./traps eintr
s_same "signal during a read with SA_RESTART: restarted" "$SO" timeout 10 ./traps restart
s_same "O_NONBLOCK pipe: EAGAIN, never a hang" "$SO" timeout 10 ./traps nonblock
s_same "errno right after routed calls" "$SO" ./traps errno
s_same "threads each with a ring" "$SO" ./traps threads abc
s_same "a program that closes every descriptor keeps working" "$SO" ./traps closeall abc
s_uring "after closing every descriptor, still io_uring" "$SO" ./traps closeall abc
s_same "fd 0 closed by fclose, back from pipe2 non-blocking: EAGAIN, no hang" "$SO" \
	sh -c 'timeout 10 ./traps reuse < abc'
s_same "closefrom and close_range keep working" "$SO" ./traps closefrom abc
s_uring "after closefrom and close_range, still io_uring" "$SO" ./traps closefrom abc
t_is "$(grep -c 'io_uring_setup(' shim.strace)" 1 "closefrom and close_range: the one ring survived"
s_same "inherited descriptor" "$SO" sh -c './traps inherited 5< abc'
s_same "close, then read: EBADF" "$SO" timeout 10 ./traps closeinflight
s_same "an allocator that reads a file before libpk is ready" "$SO" ./traps errno
t_done
