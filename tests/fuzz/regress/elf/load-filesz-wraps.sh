#!/bin/bash
# An executable whose code segment says its file size is 2^64 - 1:
# sys_requests.c's at() added the segment's offset to it and wrapped
# around, so the bounds check passed and candidates() read far past the
# file (ASan: heap-buffer-overflow, found by fuzz/elf in 5 minutes).
# Writes gcc's smallest program with that one value changed.
set -e
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
echo 'int main(void) { return 0; }' > "$d/m.c"
gcc -O2 -o "$d/m" "$d/m.c"
python3 - "$d/m" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
phoff, = struct.unpack_from('<Q', b, 0x20)
phentsize, phnum = struct.unpack_from('<HH', b, 0x36)
for i in range(phnum):
    o = phoff + i * phentsize
    ptype, flags = struct.unpack_from('<II', b, o)
    if ptype == 1 and flags & 1:  # PT_LOAD, PF_X
        struct.pack_into('<Q', b, o + 32, (1 << 64) - 1)
sys.stdout.buffer.write(bytes(b))
PY
