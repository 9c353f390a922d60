#!/bin/bash
# Description: nginx, a real server over 1 MiB, under parakit shim --run
# (issue 13), daemonizing as by default (a master that forks away from its
# launcher, two workers that drop privileges when started by root): the
# same answers as plain for files of 1 KiB, 1 MiB and 10 MiB (sha256),
# Range requests, a 404, several requests on one keep-alive connection and
# three pipelined in one write; the same access and error logs; a clean
# shutdown on SIGQUIT and on SIGTERM (master and workers gone, pid file
# removed) with the statuses of a plain run. Modes: plain, shim (libpk's
# own choice), PK_ROUTE=ring (every routed call through the threads'
# rings) and PK_SQPOLL=1; each server is started once per mode and signal.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
s_require
t_require curl ss sha256sum
NGINX=$(PATH=$PATH:/usr/sbin:/sbin command -v nginx) || t_skip_all "nginx is not installed (make deps)"
cd "$T_TMP" || exit 1
# Started by root, the workers run as nobody and must reach the files.
chmod 755 "$T_TMP"
export XDG_CACHE_HOME=$T_TMP/cache
# SQPOLL slots of our own (another parakit user must not take them), which
# nginx's workers can take when they run as nobody.
mkdir -m 1777 slots
export PK_SQPOLL_SLOT_DIR=$T_TMP/slots
s_reaper || t_skip_all "cannot build the reaper fixture"

size=$(stat -L -c %s "$NGINX")
t_ok "$NGINX is over 1 MiB ($size bytes)" [ "$size" -gt $((1 << 20)) ]

mkdir www
head -c 1024 /dev/urandom > www/1k
head -c $((1 << 20)) /dev/urandom > www/1m
head -c $((10 << 20)) /dev/urandom > www/10m
chmod 644 www/*

# The shim is built (and cached) once, by a run that only prints the version.
"$NGINX" -v > v.plain 2>&1
echo "status $?" >> v.plain
t_pk shim --run --db "$S_DB" -- "$NGINX" -v
{ cat "$T_ERR"; echo "status $T_RC"; } > v.shim
t_cmp v.shim v.plain "nginx -v under the shim: same output and status"
t_is "$(ls cache/parakit/shims/*.so 2>/dev/null | wc -l)" 1 "nginx's shim is cached under \$XDG_CACHE_HOME"

# conf DIR PORT: master + 2 workers, daemon on, everything under DIR.
conf()
{
	cat <<-EOF
	daemon on;
	worker_processes 2;
	pid $1/nginx.pid;
	error_log $1/error.log;
	events { worker_connections 64; }
	http {
	    default_type application/octet-stream;
	    log_format t '\$request \$status \$body_bytes_sent';
	    access_log $1/access.log t;
	    keepalive_requests 100;
	    client_body_temp_path $1/tmp;
	    proxy_temp_path $1/tmp;
	    fastcgi_temp_path $1/tmp;
	    uwsgi_temp_path $1/tmp;
	    scgi_temp_path $1/tmp;
	    server { listen 127.0.0.1:$2; root $T_TMP/www; }
	}
	EOF
}

# start MODE NAME: nginx in MODE, in $T_TMP/NAME (D), on a free port
# (PORT), under the reaper (REAPER); MASTER and WORKERS once it serves.
start()
{
	local mode=$1
	D=$T_TMP/$2
	PORT=$(s_port)
	mkdir -p "$D/tmp"
	conf "$D" "$PORT" > "$D/nginx.conf"
	s_mode "$mode"
	"$T_TMP/reaper" "$D/reaped" "${S_WRAP[@]}" "$NGINX" -p "$D/" -c "$D/nginx.conf" -e "$D/error.log" \
		> "$D/out" 2> "$D/err" < /dev/null &
	REAPER=$!
	MASTER=
	WORKERS=
	if s_until 20 test -s "$D/nginx.pid" && MASTER=$(cat "$D/nginx.pid") &&
	   s_until 20 eval '[ "$(wc -w < "/proc/$MASTER/task/$MASTER/children")" -eq 2 ]'; then
		WORKERS=$(cat "/proc/$MASTER/task/$MASTER/children")
		t_pass "$2: nginx started: master $MASTER, workers $WORKERS"
	else
		t_fail "$2: nginx started (master '$MASTER')"
		t_diag "$(cat "$D/err" "$D/error.log" 2>/dev/null | head -20)"
	fi
	s_sanitizer "$D/err"
}

# stop SIGNAL NAME: signals the master; it, its workers and the reaper end.
stop()
{
	local p left=
	kill -"$1" "$MASTER" 2>/dev/null
	if ! s_until 30 eval '! kill -0 $REAPER 2>/dev/null'; then
		t_diag "$2: still running after SIG$1, killed"
		kill -9 $MASTER $WORKERS 2>/dev/null
		s_kill_tree "$REAPER"
	fi
	wait "$REAPER" 2>/dev/null
	for p in $MASTER $WORKERS; do
		s_alive "$p" && left="$left $p"
	done
	t_ok "$2: SIG$1 ends master and workers${left:+ (left:$left)}" test -z "$left" -a -n "$MASTER"
	t_ok "$2: SIG$1 removes the pid file" [ ! -e "$D/nginx.pid" ]
	# The launcher's status, then the master's: nothing else was left to the reaper.
	cut -d' ' -f2- "$D/reaped" > "$D/statuses"
}

# answers FILE: what the server answers to the requests of this test,
# with Date headers left out, one line per request.
answers()
{
	local u=http://127.0.0.1:$PORT f c
	for f in 1k 1m 10m; do
		c=$(curl -sS --max-time 30 -o body -D hdr -w '%{http_code}' "$u/$f")
		echo "GET /$f: $c $(sha256sum < body | cut -c1-64) $(tr -d '\r' < hdr | grep -v '^Date:' | sort | paste -sd' ')"
	done
	c=$(curl -sS --max-time 30 -r 1000-1999 -o body -D hdr -w '%{http_code}' "$u/1m")
	echo "range 1000-1999 of /1m: $c $(sha256sum < body | cut -c1-64) $(tr -d '\r' < hdr | grep -i '^Content-Range:')"
	c=$(curl -sS --max-time 30 -r -100 -o body -D hdr -w '%{http_code}' "$u/10m")
	echo "range -100 of /10m: $c $(sha256sum < body | cut -c1-64) $(tr -d '\r' < hdr | grep -i '^Content-Range:')"
	c=$(curl -sS --max-time 30 -o body -w '%{http_code}' "$u/missing")
	echo "GET /missing: $c $(sha256sum < body | cut -c1-64)"
	# One connection, four requests: curl reuses it (num_connects 1, then 0).
	curl -sS --max-time 30 -w 'keep-alive: %{http_code} %{num_connects} %{size_download}\n' \
		-o /dev/null -o /dev/null -o /dev/null -o /dev/null "$u/1k" "$u/1m" "$u/missing" "$u/10m"
	# Three requests in one write, before any answer.
	if exec 3<>"/dev/tcp/127.0.0.1/$PORT"; then
		printf 'GET /1k HTTP/1.1\r\nHost: t\r\n\r\nGET /missing HTTP/1.1\r\nHost: t\r\n\r\nGET /1m HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' >&3
		timeout 30 cat <&3 | grep -av '^Date: ' > pipelined
		exec 3<&-
		# A body is followed by the next status line on the same "line".
		echo "pipelined: $(grep -ao 'HTTP/1.1 [0-9]* ' pipelined | wc -l) answers," \
			"$(grep -ao 'HTTP/1.1 [0-9]* ' pipelined | cut -d' ' -f2 | paste -sd' ')," \
			"$(wc -c < pipelined) bytes, $(sha256sum < pipelined | cut -c1-64)"
	fi
}

# What a correct server answers, computed from the files.
want_sha() { sha256sum < "$1" | cut -c1-64; }
{
	for f in 1k 1m 10m; do echo "/$f 200 $(want_sha www/$f)"; done
	echo "range 206 $(tail -c +1001 www/1m | head -c 1000 | sha256sum | cut -c1-64) bytes 1000-1999/1048576"
	echo "range 206 $(tail -c 100 www/10m | sha256sum | cut -c1-64) bytes 10485660-10485759/10485760"
	echo "/missing 404"
	echo "keep-alive 200 1 1024|200 0 1048576|404 0|200 0 10485760"
	echo "pipelined 3 200 404 200"
} > want
# check FILE DESC: the answers in FILE, in the shape of "want".
check()
{
	awk '$1 == "GET" && $2 != "/missing:" { sub(/:$/, "", $2); print $2, $3, $4 }
	     $1 == "range" { print "range", $5, $6, $8, $9 }
	     $1 == "GET" && $2 == "/missing:" { print "/missing", $3 }
	     $1 == "keep-alive:" { k = k (k == "" ? "" : "|") $2 " " $3 ($2 == 404 ? "" : " " $4) }
	     $1 == "pipelined:" { p = "pipelined " $2 " " $4 " " $5 " " $6; gsub(/,/, "", p) }
	     END { print "keep-alive", k; print p }' "$1" > "$1.got"
	t_cmp "$1.got" want "$2: bodies, ranges and statuses are the files'"
}

for mode in plain shim ring sqpoll; do
	start "$mode" "$mode.quit"
	if [ -n "$WORKERS" ]; then
		n=0
		for p in $MASTER $WORKERS; do s_shimmed "$p" && n=$((n + 1)); done
		if [ "$mode" = plain ]; then
			t_is "$n" 0 "$mode: no shim in master and workers"
		else
			t_is "$n" 3 "$mode: master and both workers run with the shim"
		fi
		(cd "$D" && answers) > "answers.$mode"
		check "answers.$mode" "$mode"
		if [ "$mode" = ring ]; then
			n=0
			for p in $WORKERS; do
				ls -l "/proc/$p/fd" 2>/dev/null | grep -q 'anon_inode:\[io_uring\]' && n=$((n + 1))
			done
			t_ok "$mode: a worker that served has its io_uring ring ($n of 2)" [ "$n" -ge 1 ]
		fi
	fi
	stop QUIT "$mode.quit"
	mv "$D/statuses" "quit.$mode"
	# Sorted: two workers log in the order their writes land, and a
	# response reaches the client before its line is written, so the next
	# request's line (the other worker's) may come first.
	sort "$D/access.log" > "access.$mode" 2>/dev/null
	# The error log without times, pids, connection numbers and ports.
	sed -E 's/^[0-9/]+ [0-9:]+ (\[[a-z]+\]) [0-9]+#[0-9]+: (\*[0-9]+ )?/\1 /; s/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g' \
		"$D/error.log" > "errors.$mode"
	cat "$D/err" "$D/out" > "stderr.$mode"

	start "$mode" "$mode.term"
	c=$(curl -sS --max-time 30 -o "$D/body" -w '%{http_code}' "http://127.0.0.1:$PORT/1m")
	t_is "$c $(want_sha "$D/body")" "200 $(want_sha www/1m)" "$mode: the second server serves /1m"
	stop TERM "$mode.term"
	mv "$D/statuses" "term.$mode"
	cat "$D/err" "$D/out" >> "stderr.$mode"
done

t_is "$(paste -sd' ' quit.plain)" "exit 0 exit 0" "plain: SIGQUIT: launcher and master exit 0"
t_is "$(paste -sd' ' term.plain)" "exit 0 exit 0" "plain: SIGTERM: launcher and master exit 0"
for mode in shim ring sqpoll; do
	t_cmp "answers.$mode" answers.plain "$mode: the same answers, headers but Date included"
	t_cmp "access.$mode" access.plain "$mode: the same access log (lines in any order)"
	t_cmp "errors.$mode" errors.plain "$mode: the same error log (times and pids aside)"
	t_is "$(cat "stderr.$mode")" "$(cat stderr.plain)" "$mode: the same messages on stderr (none)"
	t_is "$(paste -sd' ' "quit.$mode")" "$(paste -sd' ' quit.plain)" "$mode: SIGQUIT: the statuses of plain"
	t_is "$(paste -sd' ' "term.$mode")" "$(paste -sd' ' term.plain)" "$mode: SIGTERM: the statuses of plain"
done
t_done
