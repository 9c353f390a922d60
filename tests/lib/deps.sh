#!/bin/sh
# Installs the Debian packages given as arguments that are not installed yet.
# Idempotent and quick when everything is present: one dpkg-query, no apt.
set -eu
missing=
for p in "$@"; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
else
	sudo=
fi
export DEBIAN_FRONTEND=noninteractive
# Another install (a test or a benchmark running beside this one) holds
# dpkg's lock for a while: wait for it rather than fail.
lock="-o DPkg::Lock::Timeout=600"
$sudo apt-get $lock install -y --no-install-recommends $missing >&2 ||
	{ $sudo apt-get $lock update >&2 && $sudo apt-get $lock install -y --no-install-recommends $missing >&2; }
