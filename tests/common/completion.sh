#!/bin/bash
# Description: the bash completion comes from the option tables (parakit
# --completion, written into build/parakit.bash): sourced, its _parakit
# completes the commands (parakit po<TAB>), each command's options as
# --help lists them (parakit port --le<TAB>), the values of an option with
# a fixed set (parakit port --level <TAB>), files and directories where an
# option or the arguments name one, db's subcommands and the command after
# trace's and shim's '--'; 'make install PREFIX=P' puts it where
# bash-completion's loader finds it (XDG_DATA_DIRS=P/share).
. "$(dirname "$0")/../lib/t.sh"
t_require make
SRC=$(cd "$T_LIB/../.." && pwd)
O=$(cd "$(dirname "$PARAKIT")" && pwd)
cd "$T_TMP" || exit 1

t_pk --completion
t_is "$T_RC" 0 "parakit --completion exits 0"
printf '%s\n' "$T_OUT" > parakit.bash
t_ok "it is the script the build wrote" cmp -s parakit.bash "$O/parakit.bash"
t_ok "bash reads it" bash -n parakit.bash
# shellcheck disable=SC1091
. ./parakit.bash
t_is "$(complete -p parakit)" "complete -F _parakit parakit" "it completes parakit with _parakit"

# complete WORDS...: what _parakit offers for the last word (the one being
# completed, "" after a space), sorted, on one line.
complete_words()
{
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_parakit parakit "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

t_pk --help
cmds=$(printf '%s\n' "$T_OUT" | sed -nE 's/^   ([a-z]+) .*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
t_is "$(complete_words parakit po)" "port" "parakit po<TAB>: port"
t_is "$(complete_words parakit '')" "$(printf '%s\n' help $cmds | sort | tr '\n' ' ' | sed 's/ $//')" \
	"parakit <TAB>: the commands and help"
t_is "$(complete_words parakit help sc)" "scan" "parakit help sc<TAB>: scan"
t_is "$(complete_words parakit --v)" "--version" "parakit --v<TAB>: --version"
t_is "$(complete_words parakit port --le)" "--level" "parakit port --le<TAB>: --level"
t_is "$(complete_words parakit port --level '')" "compat fibers" "parakit port --level <TAB>: compat fibers"
t_is "$(complete_words parakit port --level f)" "fibers" "parakit port --level f<TAB>: fibers"
t_is "$(complete_words parakit report --weights '')" "equal pagerank" "parakit report --weights <TAB>"
t_is "$(complete_words parakit db '')" "merge migrate summary" "parakit db <TAB>: its subcommands"
t_is "$(complete_words parakit db summary --t)" "--top" "parakit db summary --t<TAB>: --top"
t_is "$(complete_words parakit scan --jobs '')" "" "parakit scan --jobs <TAB>: a number, nothing offered"

# Every command: its options are what --help lists.
for cmd in $cmds; do
	t_pk $cmd --help
	want=$(printf '%s\n' "$T_OUT" | sed -nE 's/^  (-[a-zA-Z], |    )(--[a-z-]+).*/\2/p' | sort | tr '\n' ' ' |
		sed 's/ $//')
	t_is "$(complete_words parakit $cmd --)" "$want" "parakit $cmd --<TAB>: the options --help lists"
done

# Files and directories.
mkdir -p tree/sub
: > tree/a.db
: > tree/t.csv
cd tree || exit 1
t_is "$(complete_words parakit scan --db '')" "a.db sub t.csv" "parakit scan --db <TAB>: files"
t_is "$(complete_words parakit src -p '')" "sub" "parakit src -p <TAB>: directories only"
t_is "$(complete_words parakit port '')" "sub" "parakit port <TAB>: TREE, a directory"
t_is "$(complete_words parakit report --compare-with '')" "a.db android-2016 none sub t.csv ubuntu-2016" \
	"parakit report --compare-with <TAB>: the published sets, none, and files"
t_is "$(complete_words parakit scan --jobs 2 '')" "a.db sub t.csv" "parakit scan --jobs 2 <TAB>: PATHs"
t_is "$(complete_words parakit scan -- '')" "a.db sub t.csv" "after --, files"
cd .. || exit 1

# A command to run, then its arguments.
t_like "$(complete_words parakit trace -- ca)" "(^| )cat( |$)" "parakit trace -- ca<TAB>: commands (cat)"
t_like "$(complete_words parakit shim --run -- ca)" "(^| )cat( |$)" "parakit shim --run -- ca<TAB>: commands"
t_like "$(complete_words parakit trace -p 1 -- ls --color '')" "tree" "trace -- ls --color <TAB>: ls's files"
t_is "$(complete_words parakit trace ls --co)" "" "trace ls --co<TAB>: ls's option, not trace's"

# Installed where bash-completion looks: P/share/bash-completion/completions.
unset MAKEFLAGS MFLAGS MAKELEVEL
san=
nm -D "$PARAKIT" 2>/dev/null | grep -q __asan_init && san=SAN=1
P=$(mktemp -d "$T_TMP/prefix.XXXXXX")
make -s -C "$SRC" O="$O" $san install PREFIX="$P" > make.log 2>&1
t_ok "make install PREFIX=P installs the completion" \
	cmp -s "$P/share/bash-completion/completions/parakit" "$O/parakit.bash"
loader=/usr/share/bash-completion/bash_completion
if [ -r "$loader" ]; then
	got=$(XDG_DATA_DIRS=$P/share:/usr/share bash -c '. "$1"; __load_completion parakit && complete -p parakit' \
		- "$loader" 2>/dev/null)
	t_is "$got" "complete -F _parakit parakit" "bash-completion's loader finds it with XDG_DATA_DIRS=P/share"
else
	t_skip "bash-completion is not installed"
fi
make -s -C "$SRC" O="$O" uninstall PREFIX="$P" >> make.log 2>&1
t_is "$(find "$P" ! -type d | wc -l)" 0 "make uninstall removes it"
t_done
