# An sshd of the test's own on 127.0.0.1, for GNU parallel's ssh logins
# (tests/contrib/parallel.sh): a spare port, a throwaway host key and
# client key in a directory, logins as the current user by that key only.
# Sourced after t.sh; needs Debian's openssh-server and openssh-client.

# sshd_start DIR: starts it and writes DIR/ssh_config, whose host 'pkhost'
# is this sshd; returns non-zero, saying why, when no login works.
sshd_start()
{
	local d=$1 port i
	SSHD_DIR=$d
	mkdir -p "$d" && chmod 700 "$d" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" && ssh-keygen -q -t ed25519 -N '' -f "$d/id" || return 1
	cp "$d/id.pub" "$d/authorized_keys"
	while :; do
		port=$((20000 + RANDOM % 10000))
		ss -Htan "( sport = :$port or dport = :$port )" 2>/dev/null | grep -q . || break
	done
	# parallel opens a connection per job and more to set up: more than
	# sshd lets wait unauthenticated by default.
	cat > "$d/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $d/host_key
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
StrictModes no
MaxStartups 64
MaxSessions 64
EOF
	cat > "$d/ssh_config" <<EOF
Host pkhost
	HostName 127.0.0.1
	Port $port
	User $(id -un)
	IdentityFile $d/id
	IdentitiesOnly yes
	BatchMode yes
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	LogLevel ERROR
EOF
	# sshd's privilege separation needs this directory (made by its init
	# script, which does not run here); removed again if we made it.
	if [ ! -d /run/sshd ]; then
		mkdir -p -m 755 /run/sshd && SSHD_MADE_RUN=1
	fi
	/usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log" || { echo "sshd did not start: $(tail -3 "$d/sshd.log")" >&2; return 1; }
	for i in $(seq 40); do
		ssh -F "$d/ssh_config" pkhost true 2>/dev/null && return 0
		sleep 0.25
	done
	echo "no ssh login to 127.0.0.1:$port: $(tail -3 "$d/sshd.log")" >&2
	return 1
}

# sshd_stop: stops it, and the sessions it still serves. Idempotent.
sshd_stop()
{
	local d=${SSHD_DIR:-} pid
	[ -n "$d" ] || return 0
	if [ -f "$d/sshd.pid" ] && pid=$(cat "$d/sshd.pid") && kill -0 "$pid" 2>/dev/null; then
		pkill -KILL -P "$pid" 2>/dev/null
		kill "$pid"
		for _ in $(seq 20); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.25
		done
	fi
	[ -n "${SSHD_MADE_RUN:-}" ] && rmdir /run/sshd 2>/dev/null
	SSHD_DIR= SSHD_MADE_RUN=
}
