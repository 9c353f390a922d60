#!/bin/bash
# Description: `make deps` names every Debian package the tests need.
# tests/lib/deps.sh installs with --no-install-recommends, so a package
# that a named one only recommends is missing on a fresh machine:
# gcc-aarch64-linux-gnu only recommends libc6-dev-arm64-cross, without
# which tests/runtime/switch-aarch64 cannot cross-compile (no stdio.h).
# The packages are those `make -n deps` passes to deps.sh. For each of
# them, every Recommends that their Depends do not bring in anyway must be
# named too, or be listed below with the reason no test needs it: a new
# recommendation is a decision, not something a fresh machine finds out.
. "$(dirname "$0")/../lib/t.sh"
t_require make apt-cache

root=$(cd "$(dirname "$0")/../.." && pwd)

# Recommended packages no test, build or demo needs, and why.
unneeded='build-essential	gcc and make are named themselves
fakeroot	fixtures are built with dpkg-deb --root-owner-group
libalgorithm-merge-perl	dpkg-source merges, never run here
sq	signature checks of dpkg-source, never run here
sqop	signature checks of dpkg-source, never run here
pgpainless-cli	signature checks of dpkg-source, never run here
ca-certificates	git is used on local repositories only
less	git'"'"'s pager; the tests read git'"'"'s output through pipes
ssh-client	git is used on local repositories only
groff	gnuplot'"'"'s help pages
libatm1	iproute2'"'"'s ATM queueing; the tests make veth pairs
llvm-14-dev	LLVM'"'"'s C++ headers: src needs clang-c (libclang-14-dev) and llvm-config-14 (llvm-14)
libclang-rt-14-dev	clang'"'"'s sanitizer runtimes: clang only parses here (-fsyntax-only), gcc builds
netbase	/etc/services and /etc/protocols: socat and nc are given numeric ports and addresses
binfmt-support	switch-aarch64 runs qemu-aarch64-static itself, not through binfmt_misc
systemd	the alternative to binfmt-support, not needed either
chromium-sandbox	headless Chromium runs with --no-sandbox (tests/lib/report.sh)
xauth	X11 forwarding: parallel'"'"'s ssh logins (tests/contrib/parallel.sh) run commands, no X
ncurses-term	terminal descriptions for interactive ssh logins: parallel'"'"'s run commands without a terminal
psmisc	procps'"'"' companions (killall, fuser, pstree): the tests use pgrep, pkill and ps
criu	runc'"'"'s checkpoint and restore: tests/scan/syscalls-go.sh runs runc list, spec and state, no container
gcc-multilib	conflicts with gcc-aarch64-linux-gnu: gcc-12-multilib is named, and tests/scan/syscalls-i386.sh adds the asm/ headers directory gcc-multilib would link'

# Under make test, the outer make's flags (its jobserver) are not ours.
pkgs=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -n -C "$root" deps |
	sed -n 's|^sh tests/lib/deps.sh ||p' | tr ' ' '\n' | sort -u)
t_ok "make -n deps names the packages" test -n "$pkgs"
t_ok "libc6-dev-arm64-cross is named (gcc-aarch64-linux-gnu only recommends it)" \
	grep -qx libc6-dev-arm64-cross <<<"$pkgs"

deps_opts=(--no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances)
# What --no-install-recommends brings in: the named packages and their
# Depends and Pre-Depends, recursively (every alternative of a choice is
# counted, so this errs on the side of silence).
# shellcheck disable=SC2086
apt-cache depends --recurse --no-recommends "${deps_opts[@]}" $pkgs 2>"$T_TMP/apt.err" |
	grep -v '^ ' | sort -u >"$T_TMP/installed"
t_ok "apt-cache knows every named package" test ! -s "$T_TMP/apt.err"
[ -s "$T_TMP/apt.err" ] && t_diag "$(head -5 "$T_TMP/apt.err")"

# One line per Recommends of a named package: "pkg<TAB>choice", a choice
# being its alternatives and their providers, space-separated.
# shellcheck disable=SC2086
apt-cache depends --no-depends --no-pre-depends "${deps_opts[@]}" $pkgs 2>/dev/null | awk '
	/^[^ ]/ { if (alt != "") print pkg "\t" alt; pkg = $1; alt = ""; more = 0; next }
	/^ [ |]Recommends: / {
		if (alt != "" && !more) print pkg "\t" alt
		if (!more) alt = ""
		more = ($0 ~ /^ \|/)
		alt = alt " " $2
		next
	}
	/^    / { alt = alt " " $1 }
	END { if (alt != "") print pkg "\t" alt }' | tr -d '<>' >"$T_TMP/recommends"

t_ok "the named packages recommend something (the check sees them)" test -s "$T_TMP/recommends"
missing=
while IFS='	' read -r pkg choice; do
	ok=
	for r in $choice; do
		if grep -qx -- "$r" "$T_TMP/installed" || grep -qx -- "$r" <<<"$pkgs" ||
		   cut -f1 <<<"$unneeded" | grep -qx -- "$r"; then
			ok=1
			break
		fi
	done
	[ -n "$ok" ] || missing="$missing $pkg->${choice# }"
done <"$T_TMP/recommends"
t_is "${missing# }" "" "every recommended package is installed by a dependency, named, or known to be unneeded"
t_done
