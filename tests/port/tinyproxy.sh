#!/bin/bash
# Description: issue 14 on a real autotools tree, tinyproxy from Debian's
# sources (apt-get source, cached under the build directory with its
# original build): parakit src and parakit port --verify at both levels
# over it with the original build's compile_commands.json; --verify says
# "adapted", the diff edits configure.ac and src/Makefile.am and nothing
# generated, and alone builds the tree (autoreconf -fi && ./configure &&
# make) into a tinyproxy that links libpk on libpk.pc's rpath. On
# loopback, in front of a small origin, the ported tinyproxies (compat,
# and fibers: threads, locks, pthread_kill moved) and the original answer
# curl alike: pages, a large file, the origin's 404, a POST, its own
# error pages (an origin that refuses, a CONNECT it forbids), and all stop
# on SIGTERM. Run as a daemon (it forks; the fibers build from a fiber),
# the original and the fibers build serve, stop on SIGTERM and release
# their port for a restart. A fetch that fails fails the test.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
t_require sqlite3 patch jq make cc pkg-config autoreconf curl python3 apt-get dpkg-source bear readelf flock
port_build_libpk

port_tinyproxy_checks "$PORT_O/cache/tinyproxy"

db=$T_TMP/port.db
t_pk src --db "$db" -p "$orig" "$tree"
t_is "$T_RC" 0 "parakit src: every TU parses cleanly with the build's flags"
mkdir -p "$T_TMP/tmp"

# ported LEVEL: parakit port --level LEVEL --verify; the diff alone, applied
# to a fresh copy, builds as the user would build it, into
# $T_TMP/LEVEL/src/tinyproxy.
ported()
{
	local level=$1 dir=$T_TMP/$1 regen=
	TMPDIR=$T_TMP/tmp t_pk port --db "$db" --level "$level" --verify --json --diff "$T_TMP/$level.patch" \
		-p "$orig" "$tree"
	printf '%s\n' "$T_OUT" > "$T_TMP/$level.json"
	t_is "$T_RC" 0 "$level: parakit port --verify exits 0"
	t_is "$(jq -r '[.build, .build_system] | @tsv' "$T_TMP/$level.json")" "adapted	autotools" \
		"$level: --verify built the ported copy: 'adapted' (autotools)"
	t_diag "$(jq -r '"port: \(.rewritten) sites rewritten, \(.left) left, \(.files_changed) files, \(.seconds) s"' \
		"$T_TMP/$level.json")"
	t_is "$(grep '^+++ ' "$T_TMP/$level.patch" | grep -v '\.[ch]$' | sort | tr '\n' ' ')" \
		"+++ b/configure.ac +++ b/src/Makefile.am " "$level: the build files edited are configure.ac and src/Makefile.am"
	t_ok "$level: configure.ac: PKG_CHECK_MODULES([LIBPK], [libpk])" \
		grep -q '^+PKG_CHECK_MODULES(\[LIBPK\], \[libpk\])$' "$T_TMP/$level.patch"
	t_ok "$level: src/Makefile.am: tinyproxy_LDADD += \$(LIBPK_LIBS)" \
		grep -q '^+tinyproxy_LDADD += \$(LIBPK_LIBS)$' "$T_TMP/$level.patch"
	cp -a "$tree" "$dir"
	t_ok "$level: the diff applies with patch -p1" patch -s -p1 -d "$dir" -i "$T_TMP/$level.patch"
	grep -q '^+++ b/configure.ac' "$T_TMP/$level.patch" && regen="autoreconf -fi && "
	if (cd "$dir" && sh -c "${regen}./configure && make -j2") > "$T_TMP/$level.log" 2>&1; then
		t_pass "$level: the ported tree builds: ${regen}./configure && make"
	else
		t_fail "$level: the ported tree builds: ${regen}./configure && make"
		t_diag "$(tail -20 "$T_TMP/$level.log")"
		t_done
	fi
	port_linked "$dir/src/tinyproxy" "the $level tinyproxy"
}
ported compat
ported fibers
t_is "$(jq -r '[.sites[] | select(.callee | test("^pthread_(create|mutex_lock|kill)$")) | .action] | unique | join(",")' \
	"$T_TMP/fibers.json")" rewritten "fibers: its threads, locks and pthread_kill move to libpk"

# The origin: files, a 404, and POST answered with the body's size and hash.
www=$T_TMP/www
mkdir -p "$www/sub"
printf '<html><body>hello from the origin</body></html>\n' > "$www/index.html"
printf 'a page in a directory\n' > "$www/sub/page.txt"
head -c 3000000 /dev/urandom > "$www/big.bin"
head -c 200000 /dev/urandom > "$T_TMP/post.bin"
cat > "$T_TMP/origin.py" <<'EOF2'
import hashlib, http.server, os, sys

root = sys.argv[2]

class Origin(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = os.path.normpath(os.path.join(root, self.path.lstrip('/')))
        if not path.startswith(root) or not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, 'rb') as f:
            data = f.read()
        self.send_response(200)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        out = b'%s %d %s\n' % (self.path.encode(), len(body), hashlib.sha256(body).hexdigest().encode())
        self.send_response(200)
        self.send_header('Content-Length', str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Origin).serve_forever()
EOF2
declare -A proxy_port proxy_pid
# What runs in the background ends with the test, however it ends.
stop_all()
{
	kill "$origin_pid" "${proxy_pid[@]}" 2>/dev/null
	t_cleanup
}
trap stop_all EXIT
oport=$(port_free_port)
python3 "$T_TMP/origin.py" "$oport" "$www" 9>&- &
origin_pid=$!
dead=$(port_free_port)

# proxy NAME BIN: starts tinyproxy BIN in the foreground on a port of its own.
proxy()
{
	local p
	p=$(port_free_port)
	cat > "$T_TMP/$1.conf" <<EOF2
Port $p
Listen 127.0.0.1
Timeout 30
MaxClients 50
LogLevel Warning
Allow 127.0.0.1
ViaProxyName "parakit-test"
ConnectPort 443
EOF2
	"$2" -d -c "$T_TMP/$1.conf" > "$T_TMP/$1.out" 2>&1 9>&- &
	proxy_pid[$1]=$!
	proxy_port[$1]=$p
}
proxy orig "$orig/src/tinyproxy"
proxy compat "$T_TMP/compat/src/tinyproxy"
proxy fibers "$T_TMP/fibers/src/tinyproxy"
t_ok "the origin listens" port_wait_port "$oport"
for b in orig compat fibers; do
	t_ok "the $b tinyproxy listens" port_wait_port "${proxy_port[$b]}"
done

# ask NAME CASE CURL_ARGS...: curl through proxy NAME; status, headers
# (less Date) and body in $T_TMP/ask/NAME-CASE.
mkdir -p "$T_TMP/ask"
ask()
{
	local name=$1 case=$2 out=$T_TMP/ask/$1-$2
	shift 2
	: > "$out.body"
	curl -s -S --max-time 20 --proxy "http://127.0.0.1:${proxy_port[$name]}" -D "$out.hdr" -o "$out.body" \
		-w '%{http_code} %{http_connect}\n' "$@" > "$out.code" 2> "$out.err"
	sed -i '/^Date:/d' "$out.hdr"
}
o=http://127.0.0.1:$oport
cases="index sub big missing post refused connect"
for name in orig compat fibers; do
	ask "$name" index "$o/index.html"
	ask "$name" sub "$o/sub/page.txt"
	ask "$name" big "$o/big.bin"
	ask "$name" missing "$o/nothing-here"
	ask "$name" post --data-binary "@$T_TMP/post.bin" "$o/form"
	ask "$name" refused "http://127.0.0.1:$dead/"
	ask "$name" connect -p "$o/index.html"
done
for level in compat fibers; do
	for c in $cases; do
		a=$T_TMP/ask/orig-$c b=$T_TMP/ask/$level-$c
		if cmp -s "$a.code" "$b.code" && cmp -s "$a.hdr" "$b.hdr" && cmp -s "$a.body" "$b.body"; then
			t_pass "$level: $c: the same answer ($(cut -d' ' -f1 "$a.code"), $(wc -c < "$a.body") bytes)"
		else
			t_fail "$level: $c: the same answer"
			t_diag "$(cat "$a.code" "$b.code")" "$(diff "$a.hdr" "$b.hdr" | head -8)" "$(cmp "$a.body" "$b.body")"
		fi
	done
	t_is "$(cat "$T_TMP/ask/$level-index.code") $(cat "$T_TMP/ask/$level-missing.code") $(cat "$T_TMP/ask/$level-refused.code")" \
		"200 000 404 000 500 000" \
		"$level: the answers are the origin's and tinyproxy's own: 200, the origin's 404, an error page (500)"
	t_ok "$level: the large file comes through whole" cmp "$www/big.bin" "$T_TMP/ask/$level-big.body"
	t_is "$(cat "$T_TMP/ask/$level-post.body")" "/form 200000 $(sha256sum < "$T_TMP/post.bin" | cut -d' ' -f1)" \
		"$level: the POST's body reaches the origin whole"
	t_like "$(cat "$T_TMP/ask/$level-refused.body")" 'Unable to connect' "$level: the error page says why"
	t_like "$(cat "$T_TMP/ask/$level-connect.code")" '^000 403$' "$level: a CONNECT to a port it does not allow is refused (403)"
done

t_diag "the fibers tinyproxy's descriptors: $(ls -l /proc/${proxy_pid[fibers]}/fd 2>/dev/null | awk 'NR > 1 { print $NF }' | sort | uniq -c | tr -s ' \n' ' ')"
for b in orig compat fibers; do
	t_ok "the $b tinyproxy stops on SIGTERM" port_stops "${proxy_pid[$b]}" 10
done

# As a daemon (tinyproxy's default: it forks and the parent exits; under
# --level fibers the fork comes from a fiber): it serves, stops on SIGTERM,
# and releases its port, so that a restart right after serves again.
daemon()
{
	local b=$1 bin=$2 conf=$T_TMP/$1.daemon.conf pid
	sed "/^Port /a PidFile \"$T_TMP/$b.pid\"" "$T_TMP/$b.conf" > "$conf"
	rm -f "$T_TMP/$b.pid"
	"$bin" -c "$conf" > "$T_TMP/$b.daemon.out" 2>&1 9>&-
	t_is "$?" 0 "$b as a daemon: the parent exits 0"
	for _ in $(seq 50); do [ -s "$T_TMP/$b.pid" ] && break; sleep 0.1; done
	pid=$(cat "$T_TMP/$b.pid" 2>/dev/null)
	proxy_pid[$b.daemon]=$pid
	t_is "$(curl -s --max-time 10 --proxy "http://127.0.0.1:${proxy_port[$b]}" "$o/index.html")" \
		"$(cat "$www/index.html")" "$b as a daemon: serves"
	t_ok "$b as a daemon: stops on SIGTERM" port_stops "$pid" 10
	"$bin" -d -c "$T_TMP/$b.conf" > "$T_TMP/$b.again.out" 2>&1 9>&- &
	proxy_pid[$b.again]=$!
	t_ok "$b: a restart right after listens on the same port" port_wait_port "${proxy_port[$b]}"
	t_ok "and stops" port_stops "${proxy_pid[$b.again]}" 10
}
daemon orig "$orig/src/tinyproxy"
daemon fibers "$T_TMP/fibers/src/tinyproxy"
kill "$origin_pid" 2>/dev/null
wait "$origin_pid" 2>/dev/null
t_done
