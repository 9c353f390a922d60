#!/bin/bash
# Description: a Makefile that only mentions libpk in a comment (the demo's
# examples/pcp: "the example program make demo ports onto libpk") is not
# taken for one that asks pkg-config for it already: port adds its lines,
# and the patched copy builds and runs as the original. It used to say
# "build unchanged", and the copy failed on a missing pk.h.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
t_require sqlite3 patch jq make cc pkg-config readelf
port_build_libpk

tree=$T_TMP/pwc
port_pwc_tree "$tree"
cat > "$tree/Makefile" <<'EOF2'
# pwc: counts words; parakit's tests port it onto libpk.
CFLAGS ?= -O2 -Wall
pwc: src/main.c src/count.c src/count.h
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ src/main.c src/count.c $(LDLIBS)
clean:
	rm -f pwc
EOF2
rm -f "$tree/src/Makefile"

make_build()
{
	make
}
port_build_case make make_build @/pwc

t_is "$(grep pkg-config "$T_TMP/ported/Makefile" | tr '\n' '|')" \
	'override CFLAGS += $(shell pkg-config --cflags libpk)|override LDLIBS += $(shell pkg-config --libs libpk)|' \
	"the Makefile gets the pkg-config lines despite the comment naming libpk"
t_done
