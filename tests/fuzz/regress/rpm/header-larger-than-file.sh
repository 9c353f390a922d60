#!/bin/bash
# A 128-byte .rpm whose signature header claims rpm's limits, 65535
# entries and 256 MB of store: read_header() malloc'd 257 MB before it
# found the file cut off (N x 257 MB with --jobs N, from a file of any
# size; fuzz/rpm.c, under -malloc_limit_mb=64). It now compares the
# claimed size with the file's (fstat) first.
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }

printf '\355\253\356\333\003\000'; head -c 90 /dev/zero	# lead: magic, 3.0
printf '\216\255\350\001\000\000\000\000'; be32 65535; be32 268435456
head -c 16 /dev/zero
