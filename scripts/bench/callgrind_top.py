#!/usr/bin/env python3
"""Print the functions with the most inclusive instructions in a callgrind profile of a Native AOT binary.

Usage: callgrind_top.py CALLGRIND_OUT DEBUG_FILE [COUNT]

Valgrind 3.19 cannot read the DWARF 5 in a Native AOT .dbg file, so the profile is taken without
it and shows bare addresses. This script names them with addr2line on DEBUG_FILE (binutils 2.40
reads DWARF 5). callgrind_annotate prints addresses inside the binary's own mapped object as
offsets into it, but addresses in the managed code section as unmapped ("???") run-time
addresses, which are offsets plus the load address of the main executable.
"""

import os
import re
import subprocess
import sys

# The address at which valgrind 3.19 on x86-64 maps a position-independent main executable, read
# from its profiles, where _start of a Native AOT binary sits at this address plus its ELF offset.
# NOTE: other valgrind versions or architectures may use another address. A wrong one shows as
# names that do not form a call chain under main.
VALGRIND_LOAD_ADDRESS = 0x108000

LINE = re.compile(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+?)(?::0x([0-9a-f]+)('\d+)?)? \[(.*)\]")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip().splitlines()[2])
    profile, debug_file = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) == 4 else 40
    binary_name = os.path.basename(debug_file).removesuffix(".dbg")

    annotated = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=100", profile],
        capture_output=True, text=True, check=True).stdout

    rows = []
    for line in annotated.splitlines():
        match = LINE.match(line)
        # Skip the entries of recursive cycles ('2 suffix), because the first entry already counts them.
        if match is None or match.group(4):
            continue
        instructions = int(match.group(1).replace(",", ""))
        name, address, mapped_object = match.group(2), match.group(3), match.group(5)
        offset = None
        # Addresses in other objects (libc, ld.so) are left as callgrind_annotate printed them.
        if address is not None and (mapped_object == "???" or os.path.basename(mapped_object) == binary_name):
            offset = int(address, 16) - (VALGRIND_LOAD_ADDRESS if mapped_object == "???" else 0)
        label = name if address is None else f"{name}:0x{address}"
        rows.append((instructions, label, offset))
        if len(rows) == count:
            break

    offsets = [hex(offset) for _, _, offset in rows if offset is not None]
    resolved = subprocess.run(["addr2line", "-f", "-e", debug_file, *offsets], capture_output=True, text=True, check=True)
    names = iter(resolved.stdout.splitlines()[0::2])
    for instructions, name, offset in rows:
        if offset is not None:
            name = next(names)
        print(f"{instructions:>12,}  {name}")


if __name__ == "__main__":
    main()
