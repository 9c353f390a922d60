# Helpers for tests/report/*.sh, sourced after t.sh:
#
#	. "$(dirname "$0")/../lib/t.sh"
#	. "$(dirname "$0")/../lib/report.sh"
#
# r_fx_db builds the report's fixture database from compiled fixtures;
# r_usage_oracle computes what its usage counts must be, from readelf;
# r_dom and r_shot run headless Chromium with no network; r_png_colours
# tells a blank screenshot; r_rows counts a table's rows in a page.

# The hostile names, each the length of its placeholder in the fixture's
# .dynstr (replaced in place, as tests/scan/bad-hostile-names.sh does).
R_XSS='<script>alert(1)</script>'
R_XSS_PH=HOSTILE_SCRIPT_0123456789
R_FORMULA='=HYPERLINK("x")'
R_FORMULA_PH=HOSTILE_FORM_01
R_BADUTF_PH=HOSTILE_9

# r_fx_db DB: a database of six fixture .debs, scanned:
#   fxlib     libver.so (imports puts); depended on by most others
#   fxapp     uselib (Depends: fxlib)
#   fxtools   fortify and plain (Depends: fxlib, fxapp | fxnone)
#   fxstatic  a static binary: ELF, but no import at all
#   fxdata    no ELF file (Depends: fxlib)
#   fxhostile a library importing read and the hostile names above
#             ('bad_\xffutf8' for the non-UTF-8 one)
# plus two trace runs written into parakit trace's tables (run 1 with
# latency histograms for two syscalls and 2 threads for 2 ms, run 2
# without histograms, 1 thread for 2 ms, and a syscall named `touch
# PWNED`), so the trace sections have known contents without BPF.
r_fx_db()
{
	local db=$1 d=$T_TMP/fx
	mkdir -p "$d"
	t_fx_elfs "$d" || return 1
	echo 'int main(void) { return 0; }' > "$d/st.c"
	gcc -static -O2 -o "$d/static" "$d/st.c" || return 1
	t_fx_asm_so "$d/hostile.so" x86_64 read "$R_XSS_PH" "$R_FORMULA_PH" "$R_BADUTF_PH" || return 1
	rm -f "$d"/*.stub.so
	R_XSS="$R_XSS" R_FORMULA="$R_FORMULA" perl -0777 -pi -e '
		s/HOSTILE_SCRIPT_0123456789/$ENV{R_XSS}/;
		s/HOSTILE_FORM_01/$ENV{R_FORMULA}/;
		s/HOSTILE_9/bad_\xffutf8/' "$d/hostile.so" || return 1
	echo data > "$d/readme"
	t_mk_deb "$d/fxlib.deb" fxlib 1.0 "" "" "$d/libver.so:/usr/lib/libver.so.1" &&
	t_mk_deb "$d/fxapp.deb" fxapp 1.0 "fxlib (>= 1.0)" "" "$d/uselib:/usr/bin/uselib" &&
	t_mk_deb "$d/fxtools.deb" fxtools 2.0 "fxlib, fxapp | fxnone" "" \
		"$d/fortify:/usr/bin/fortify" "$d/plain:/usr/bin/plain" &&
	t_mk_deb "$d/fxstatic.deb" fxstatic 1.0 "" "" "$d/static:/usr/bin/static" &&
	t_mk_deb "$d/fxdata.deb" fxdata 1.0 "fxlib" "" "$d/readme:/usr/share/doc/fxdata/readme" &&
	t_mk_deb "$d/fxhostile.deb" fxhostile 1.0 "" "" "$d/hostile.so:/usr/lib/hostile.so" || return 1
	t_scan "$db" "$d"/*.deb
	[ "$T_RC" -eq 0 ] || { cat "$T_ERR" >&2; return 1; }
	sqlite3 "$db" "
		INSERT INTO trace_run(id, command, target, mode, parakit_version, started, duration_ns, exit_status,
				      threads, thread_ns)
		VALUES (1, 'cat /etc/passwd', 'command', 'latency', '0.1.0', '2026-01-01T00:00:00Z', 1000000, 0,
			2, 2000000),
		       (2, 'sleep 1', 'command', 'count', '0.1.0', '2026-01-01T00:01:00Z', 2000000, 0, 1, 2000000);
		INSERT INTO trace_syscall(run_id, nr, name, calls, errors, total_ns, max_ns, offcpu_ns, vcsw, ivcsw)
		VALUES (1, 0, 'read', 10, 0, 50000, 20000, 30000, 3, 1),
		       (1, 1, 'write', 5, 1, 20000, 9000, 0, 0, 2),
		       (1, 257, 'openat', 2, 1, 4000, 3000, 0, 0, 0),
		       (2, 230, 'clock_nanosleep', 1, 0, 1500000, 1500000, 1400000, 1, 0),
		       (2, 9, '\`touch PWNED\`', 3, 0, 300, 200, 0, 0, 0);
		INSERT INTO trace_hist(run_id, nr, lo_ns, hi_ns, count)
		VALUES (1, 0, 1024, 2048, 6), (1, 0, 2048, 4096, 3), (1, 0, 16384, 32768, 1),
		       (1, 1, 2048, 4096, 5), (2, 9, 128, 256, 3);" || return 1
}

# The glibc renames the fixtures are compiled to produce (-D_FORTIFY_SOURCE=2,
# -D_FILE_OFFSET_BITS=64), as "symbol function" lines: the oracle's own list,
# not the scanner's rules.
R_RENAMES='__fprintf_chk fprintf
__isoc99_sscanf sscanf
__memcpy_chk memcpy
__printf_chk printf
__read_chk read
__snprintf_chk snprintf
fstat64 fstat
lseek64 lseek
open64 open'

# r_usage_oracle OUT PACKAGE=FILE...: the usage counts a database of these
# packages must give, from readelf alone, for tests to compare the views
# and the report with. A package counts once, whatever number of its files
# (or versions) import a function; a binary is its content (md5sum). A
# symbol's function is its own name when the catalogue
# (db/catalog/posix-functions.tsv) has it, else its R_RENAMES rename, else
# none. Writes OUT.imports ("package<TAB>binary<TAB>symbol<TAB>version"),
# OUT.functions ("function<TAB>packages<TAB>binaries", every catalogue
# function), OUT.nonposix ("symbol<TAB>packages"), both sorted, and OUT.counts
# ("catalogue functions<TAB>imports", an import being a binary, a symbol
# and a version).
r_usage_oracle()
{
	local out=$1 pf
	shift
	for pf in "$@"; do
		t_readelf_imports "${pf#*=}" "${pf%%=*}	$(md5sum < "${pf#*=}" | cut -c1-32)	"
	done > "$out.imports"
	printf '%s\n' "$R_RENAMES" | awk -v imports="$out.imports" -v o="$out" '
		BEGIN { FS = "\t" }
		FILENAME != "-" && !/^#/ && NF && !head++ { next }	# the header line
		FILENAME != "-" && !/^#/ && NF { cat[$1] = 1; ncat++; next }
		FILENAME == "-" { split($0, r, " "); ren[r[1]] = r[2]; next }
		END {
			while ((getline l < imports) > 0) {
				split(l, f, "\t")
				imp[f[2] "\t" f[3] "\t" f[4]] = 1
				fn = f[3] in cat ? f[3] : (f[3] in ren ? ren[f[3]] : "")
				if (fn != "") {
					if (!((fn, f[1]) in pk)) { pk[fn, f[1]] = 1; npk[fn]++ }
					if (!((fn, f[2]) in bn)) { bn[fn, f[2]] = 1; nbn[fn]++ }
				} else if (!((f[3], f[1]) in npx)) {
					npx[f[3], f[1]] = 1; nonposix[f[3]]++
				}
			}
			for (fn in cat)
				printf "%s\t%d\t%d\n", fn, npk[fn], nbn[fn] > (o ".functions")
			for (s in nonposix)
				printf "%s\t%d\n", s, nonposix[s] > (o ".nonposix")
			n = 0
			for (k in imp)
				n++
			printf "%d\t%d\n", ncat, n > (o ".counts")
		}' "$T_LIB/../../db/catalog/posix-functions.tsv" - &&
	sort -o "$out.functions" "$out.functions" &&
	touch "$out.nonposix" && sort -o "$out.nonposix" "$out.nonposix"
}

# Every Chromium run: headless, and nothing from the network (every
# request fails; the page must need none).
R_CHROMIUM_FLAGS=(--headless --no-sandbox --disable-gpu --disable-background-networking
	--disable-component-update --disable-sync --no-first-run --disable-extensions
	--proxy-server=127.0.0.1:9 '--host-resolver-rules=MAP * ~NOTFOUND')

# As root, Chromium also runs in a network namespace of its own: no
# network at all.
r_chromium()
{
	local prof
	prof=$(mktemp -d "$T_TMP/chromium.XXXXXX")
	if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
		timeout 120 unshare -n chromium "${R_CHROMIUM_FLAGS[@]}" --user-data-dir="$prof" "$@"
	else
		timeout 120 chromium "${R_CHROMIUM_FLAGS[@]}" --user-data-dir="$prof" "$@"
	fi
}

# r_dom HTML OUT: the DOM after load, as Chromium serialises it.
r_dom()
{
	r_chromium --dump-dom "file://$1" > "$2" 2>"$T_TMP/chromium.err"
}

# r_shot HTML PNG
r_shot()
{
	r_chromium --window-size=1200,2400 --screenshot="$2" "file://$1" >/dev/null 2>"$T_TMP/chromium.err"
}

# r_png_colours PNG: the number of distinct colours among sampled pixels
# (8-bit RGB or RGBA PNG, filters undone with python3's zlib).
r_png_colours()
{
	python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat = 8, b''
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
bpp = {2: 3, 6: 4}[ctype]
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours = set()
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:
        for x in range(0, stride, bpp * 3):
            colours.add(bytes(line[x:x + 3]))
    prev = line
print(len(colours))
PY
}

# r_rows PAGE ID: the rows in the body of table t-ID.
r_rows()
{
	python3 - "$1" "$2" <<'PY'
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.on = s.body = False; s.rows = 0
    def handle_starttag(s, tag, a):
        if tag == 'table' and dict(a).get('id') == 't-' + sys.argv[2]: s.on = True
        elif s.on and tag == 'tbody': s.body = True
        elif s.on and s.body and tag == 'tr': s.rows += 1
    def handle_endtag(s, tag):
        if s.on and tag == 'table': s.on = s.body = False
p = P()
p.feed(open(sys.argv[1], encoding='utf-8', errors='surrogateescape').read())
print(p.rows)
PY
}

# r_charts PAGE: the number of <figure class=chart> holding an <svg>.
r_charts()
{
	python3 - "$1" <<'PY'
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.fig = 0; s.n = 0; s.seen = False
    def handle_starttag(s, tag, a):
        if tag == 'figure' and 'chart' in (dict(a).get('class') or '').split(): s.fig = 1; s.seen = False
        elif s.fig and tag == 'svg' and not s.seen: s.n += 1; s.seen = True
    def handle_endtag(s, tag):
        if tag == 'figure': s.fig = 0
p = P()
p.feed(open(sys.argv[1], encoding='utf-8', errors='surrogateescape').read())
print(p.n)
PY
}

# r_csv CSV COLUMN...: those columns of a report CSV, tab-separated, header
# dropped (python's csv module, so quoted cells come back as written).
r_csv()
{
	python3 - "$@" <<'PY'
import csv, sys
rows = csv.reader(open(sys.argv[1], newline='', encoding='utf-8', errors='surrogateescape'))
head = next(rows)
idx = [head.index(c) for c in sys.argv[2:]]
for r in rows:
    line = '\t'.join(r[i] for i in idx) + '\n'
    sys.stdout.buffer.write(line.encode('utf-8', 'surrogateescape'))
PY
}
