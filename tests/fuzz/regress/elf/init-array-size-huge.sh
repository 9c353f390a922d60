#!/bin/bash
# A dynamically linked executable whose DT_INIT_ARRAYSZ says 2^62 bytes:
# sys_requests.c's read_dynamic() stepped through the array 8 bytes at a
# time past the end of the file, looking for initialisers it never found
# (fuzz/elf.c timed out on it in CI). Writes gcc's smallest program with
# that one value changed in its dynamic section.
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
    ptype, = struct.unpack_from('<I', b, o)
    if ptype == 2:  # PT_DYNAMIC
        off, = struct.unpack_from('<Q', b, o + 8)
        size, = struct.unpack_from('<Q', b, o + 32)
        for k in range(off, off + size, 16):
            tag, = struct.unpack_from('<q', b, k)
            if tag == 27:  # DT_INIT_ARRAYSZ
                struct.pack_into('<Q', b, k + 8, 1 << 62)
sys.stdout.buffer.write(bytes(b))
PY
