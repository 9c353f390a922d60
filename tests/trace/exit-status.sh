#!/bin/bash
# Description: parakit trace -- COMMAND returns the command's status and
# follows env(1) for its own: 126 cannot run, 127 not found, 128+N killed by
# signal N, 125 when tracing is impossible (with the reason); 2 on bad usage.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
tr_require_bpf
cd "$T_TMP" || exit 1

t_pk trace --no-db -o /dev/null -- sh -c 'exit 3'
t_is "$T_RC" 3 "the command's exit status"
t_pk trace --no-db -o /dev/null -- sh -c 'kill -9 $$'
t_is "$T_RC" 137 "killed by SIGKILL: 128+9"
t_pk trace --no-db -o /dev/null -- parakit-no-such-command
t_is "$T_RC" 127 "not found on PATH: 127"
t_like "$(cat "$T_ERR")" "parakit trace: cannot run 'parakit-no-such-command': command not found" "says so"
t_pk trace --no-db -o /dev/null -- "$T_TMP/missing"
t_is "$T_RC" 127 "missing path: 127"
printf 'not a program\n' > "$T_TMP/data"
t_pk trace --no-db -o /dev/null -- "$T_TMP/data"
t_is "$T_RC" 126 "not executable: 126"
chmod +x "$T_TMP/data"
printf '\177ELFjunk' > "$T_TMP/data"
t_pk trace --no-db -o /dev/null -- "$T_TMP/data"
t_is "$T_RC" 126 "exec format error: 126"
t_like "$(cat "$T_ERR")" "cannot run '.*data': Exec format error" "with the reason"

t_pk trace --help
t_is "$T_RC" 0 "--help"
t_like "$T_OUT" "^usage: parakit trace" "--help prints the synopsis"
t_pk trace
t_is "$T_RC" 2 "no target: bad usage"
t_pk trace -p 1 -- true
t_is "$T_RC" 2 "two targets: bad usage"
t_pk trace --bogus -- true
t_is "$T_RC" 2 "unknown option: bad usage"
t_pk trace --filter getppid,nosuchcall -- true
t_is "$T_RC" 2 "unknown syscall in --filter: bad usage"
t_pk trace -p 999999999 --no-db
t_is "$T_RC" 125 "-p of a missing process: 125"

# Without privileges: as nobody, which root (tr_require_bpf) can become.
# parakit is run through a descriptor root opened (/proc/self/fd/N does
# not search the directories of its path), so the check does not depend on
# where the tree is: a tree under /root or in a private temporary
# directory is not one nobody may enter.
t_require setpriv
rc=0
setpriv --reuid=65534 --regid=65534 --clear-groups /proc/self/fd/3 trace --no-db -- true \
	3<"$PARAKIT" >/dev/null 2>"$T_TMP/nobody" || rc=$?
t_is "$rc" 125 "without privileges: 125"
t_like "$(cat "$T_TMP/nobody")" "needs root, or CAP_BPF and CAP_PERFMON" "and says what is missing"
t_done
