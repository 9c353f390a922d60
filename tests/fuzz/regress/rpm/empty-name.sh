#!/bin/bash
# An RPM whose NAME tag is the empty string: pkg_rpm_header() took it for
# a package named '' (fuzz/rpm.c found it in its first 300 runs). Writes
# the smallest such file: the lead, an empty signature header, and a main
# header whose NAME points at the store's first byte, a NUL.
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
entry() { be32 "$1"; be32 "$2"; be32 "$3"; be32 "$4"; }

printf '\355\253\356\333\003\000'; head -c 90 /dev/zero	# lead: magic, 3.0
printf '\216\255\350\001\000\000\000\000'; be32 0; be32 0	# signature: no entries
printf '\216\255\350\001\000\000\000\000'; be32 2; be32 5	# main: 2 entries, 5 bytes
entry 1000 6 0 1	# NAME: STRING at 0, ""
entry 1001 6 1 1	# VERSION: STRING at 1, "1.0"
printf '\0001.0\000'
