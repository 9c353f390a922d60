#!/bin/bash
# Description: the manual pages come from the option tables (parakit --man
# CMD, which the build writes into build/man/): each renders with man -l,
# groff -ww and mandoc -T lint without a warning; its SYNOPSIS is what
# 'parakit help CMD' prints before its first empty line, and its OPTIONS
# are the options --help lists; parakit(1) names every command's page;
# 'make install PREFIX=P' puts them where man finds them (MANPATH=P/share/man
# man -w parakit-scan), and 'make uninstall' takes them away again.
. "$(dirname "$0")/../lib/t.sh"
t_require man groff mandoc col make
SRC=$(cd "$T_LIB/../.." && pwd)
O=$(cd "$(dirname "$PARAKIT")" && pwd)
cd "$T_TMP" || exit 1

# man(1) of a page file, 200 columns, no bold or underline.
render()
{
	MANWIDTH=200 MAN_KEEP_FORMATTING= man --warnings -l "$1" 2>"$1.warn" | col -bx
}

# The SYNOPSIS section of a rendered page, or help's lines before the first
# empty one, as one line: "usage:" and "or:" dropped, spaces squeezed.
squeeze() { sed -E 's/^ *(usage|or)://' | tr -s ' \n' '  ' | sed 's/^ //; s/ $//'; }
synopsis_of_page() { awk '/^SYNOPSIS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' | squeeze; }
synopsis_of_help() { awk '/^$/ { exit } { print }' | squeeze; }
# The long options a page's OPTIONS section, or --help, lists.
options_of_page()
{
	awk '/^OPTIONS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' |
		sed -nE 's/^ {7}(-[a-zA-Z], )?--([a-z-]+).*/\2/p' | sort | tr '\n' ' '
}
options_of_help() { sed -nE 's/^  (-[a-zA-Z], |    )--([a-z-]+).*/\2/p' | sort | tr '\n' ' '; }

t_pk --help
cmds=$(printf '%s\n' "$T_OUT" | sed -nE 's/^   ([a-z]+) .*/\1/p')
t_ok "parakit --help lists the commands ($(echo $cmds))" test -n "$cmds"

for cmd in "" $cmds; do
	page=parakit${cmd:+-$cmd}
	t_pk --man $cmd
	t_is "$T_RC" 0 "parakit --man $cmd exits 0"
	printf '%s\n' "$T_OUT" > "$page.1"
	t_ok "$page.1 is the page the build wrote" cmp -s "$page.1" "$O/man/$page.1"
	render "$page.1" > "$page.txt"
	t_ok "$page: man -l renders it" grep -q "^NAME" "$page.txt"
	t_is "$(cat "$page.1.warn")" "" "$page: man --warnings says nothing"
	t_is "$(groff -ww -z -man "$page.1" 2>&1)" "" "$page: groff -ww says nothing"
	t_is "$(mandoc -T lint -W warning "$page.1" 2>&1)" "" "$page: mandoc -T lint says nothing"
	t_like "$(sed -n '/^NAME/{n;p}' "$page.txt")" "^ +$page - [a-z]" "$page: NAME is '$page - what it does'"
	[ -n "$cmd" ] || continue

	t_pk help "$cmd"
	t_is "$(synopsis_of_page < "$page.txt")" "$(printf '%s\n' "$T_OUT" | synopsis_of_help)" \
		"$page: SYNOPSIS is what 'parakit help $cmd' prints first"
	t_like "$(printf '%s\n' "$T_OUT" | head -1)" "^usage: parakit $cmd " "parakit help $cmd starts with its usage"
	t_is "$(options_of_page < "$page.txt")" "$(printf '%s\n' "$T_OUT" | options_of_help)" \
		"$page: OPTIONS lists what --help lists"
	t_like "$(grep -A3 "parakit-$cmd(1)" parakit.txt | tr -s ' \n' '  ')" "parakit-$cmd\(1\) [a-z]" \
		"parakit(1) names parakit-$cmd(1)"
done
t_like "$(cat parakit-db.txt)" "COMMANDS" "parakit-db(1) lists db's subcommands"
t_like "$(grep -A1 '^ *--level' parakit-port.txt | tr -s ' \n' '  ')" "--level compat\|fibers compat:" \
	"parakit-port(1): an option with a fixed set shows it"
t_like "$(grep -A2 '^ *-d, --db' parakit-scan.txt | tr -s ' \n' '  ')" "default: parakit.db" \
	"parakit-scan(1): --db says its default"

# Installed under PREFIX/share/man/man1, where man finds it.
unset MAKEFLAGS MFLAGS MAKELEVEL
san=
nm -D "$PARAKIT" 2>/dev/null | grep -q __asan_init && san=SAN=1
P=$(mktemp -d "$T_TMP/prefix.XXXXXX")
make -s -C "$SRC" O="$O" $san install PREFIX="$P" > make.log 2>&1
t_ok "make install PREFIX=P" test -x "$P/bin/parakit"
for cmd in "" $cmds; do
	page=parakit${cmd:+-$cmd}
	t_ok "P/share/man/man1/$page.1 is the build's" cmp -s "$P/share/man/man1/$page.1" "$O/man/$page.1"
done
t_is "$(MANPATH=$P/share/man man -w parakit-scan)" "$P/share/man/man1/parakit-scan.1" \
	"MANPATH=P/share/man man -w parakit-scan finds it"
t_like "$(MANPATH=$P/share/man MANWIDTH=200 man parakit-port 2>&1 | col -bx)" "--level compat\|fibers" \
	"and man parakit-port shows it"
make -s -C "$SRC" O="$O" uninstall PREFIX="$P" >> make.log 2>&1
t_is "$(find "$P" ! -type d | wc -l)" 0 "make uninstall removes the pages and everything else it installed"
t_done
