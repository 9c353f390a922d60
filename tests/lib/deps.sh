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
$sudo apt-get install -y --no-install-recommends $missing >&2 ||
	{ $sudo apt-get update >&2 && $sudo apt-get install -y --no-install-recommends $missing >&2; }
