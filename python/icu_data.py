"""The ICU data the wheel's binary links: the toolchain's package, less what Ramp never reads.

Foundation links ICU, and ICU links its whole data package (about 34 MB: every
locale's names, collation, dictionaries, legacy converters). Ramp reads and
writes UTF-8, formats its own numbers and formats no dates, so it keeps only the
root and English locales with the tables they share (likely subtags, plurals,
number systems), time zones, normalization and the small property files (layout,
emoji, converter aliases). The Unicode properties Yams' regular expressions use
are compiled into ICU's code, not its package. `make test` runs the wheel's
binary beside the full build on every config and sample (Tests/Wheel).

The package is ICU's "common data" format (ucmndata.h): a data header, a table
of contents (item count, then a name offset and a data offset per item, both
from the table's start), the names, then the items, each 16-byte aligned.
Debian's icupkg lists the trimmed package, but cannot read the full one: its
name table outgrows icupkg's fixed buffer.
"""

import os
import re
import shutil
import struct
import subprocess

# Locale bundles kept in every tree; pool and res_index are each tree's shared keys and index.
LOCALES = {"root", "en", "en_US", "en_US_POSIX", "en_001", "pool", "res_index"}
LOCALE_ID = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]*)*$")
# Trees of display names, collation, break rules and transliteration, none of which Ramp asks for.
DROPPED_TREES = {"translit", "coll", "brkitr", "curr", "lang", "region", "unit"}
# Legacy charset converters, break dictionaries, stringprep profiles and confusables.
DROPPED_KINDS = {"cnv", "dict", "spp", "cfu"}


def keep(name):
    """Whether the item NAME (such as icudt76l/zone/en.res) stays in the package."""
    path = name.split("/", 1)[1]
    tree, _, file = path.rpartition("/")
    base, _, kind = file.rpartition(".")
    if kind in DROPPED_KINDS or tree in DROPPED_TREES or base == "unames":
        return False
    return not (kind == "res" and LOCALE_ID.match(base) and base not in LOCALES)


def trim(package):
    """PACKAGE (bytes of a common data file) with only the items `keep` accepts."""
    header = struct.unpack_from("<H", package, 0)[0]
    # The data header's magic, little-endian, and the data format "CmnD" of a package.
    if package[2:4] != b"\xda\x27" or package[8] != 0 or package[12:16] != b"CmnD":
        raise ValueError("not a little-endian ICU data package")
    count = struct.unpack_from("<I", package, header)[0]
    entries = [struct.unpack_from("<II", package, header + 4 + 8 * i) for i in range(count)]
    names = [package[header + n:package.index(b"\0", header + n)] for n, _ in entries]
    ends = [offset for _, offset in entries[1:]] + [len(package) - header]
    items = [(name, package[header + offset:header + end])
             for name, (_, offset), end in zip(names, entries, ends) if keep(name.decode("ascii"))]
    position = 4 + 8 * len(items)
    name_offsets = []
    for name, _ in items:
        name_offsets.append(position)
        position += len(name) + 1
    position = (position + 15) // 16 * 16
    data_offsets = []
    for _, body in items:
        data_offsets.append(position)
        position += (len(body) + 15) // 16 * 16
    out = bytearray(package[:header]) + struct.pack("<I", len(items))
    for name_offset, data_offset in zip(name_offsets, data_offsets):
        out += struct.pack("<II", name_offset, data_offset)
    for name, _ in items:
        out += name + b"\0"
    for (_, body), offset in zip(items, data_offsets):
        out += b"\0" * (header + offset - len(out)) + body
    return bytes(out + b"\0" * (-len(out) % 16))


def tool(name, beside):
    """The toolchain's llvm-NAME beside BESIDE (the compiler), else binutils' NAME."""
    llvm = os.path.join(beside, "llvm-" + name)
    return llvm if os.path.isfile(llvm) else name


def packaged_data(archive, bin_dir):
    """(member, symbol, size) of the object in ARCHIVE that holds ICU's data package, or None."""
    listing = subprocess.run([tool("nm", bin_dir), "-A", "-S", "--defined-only", archive], check=True,
                             capture_output=True, text=True).stdout
    for line in listing.splitlines():
        # binutils writes ARCHIVE:MEMBER:VALUE, llvm-nm ARCHIVE:MEMBER: VALUE.
        found = re.match(r"^.*?:([^:\s]+):\s*[0-9a-f]+ ([0-9a-f]+) R (icudt\d+_dat)$", line)
        if found:
            return found[1], found[3], int(found[2], 16)
    return None


def trimmed_data_object(static_dir, work):
    """(symbol, object file) defining the trimmed package as `ramp_icu_data`, to be linked in place of
    SYMBOL; None (with a note) when the toolchain's ICU is not laid out as expected or a tool fails.
    The binary then links the toolchain's package whole, and the wheel's size test says so."""
    try:
        return build_object(static_dir, work)
    except (OSError, subprocess.CalledProcessError, ValueError) as error:
        print(f"note: the ICU data could not be trimmed ({error}); the binary links the toolchain's as it is")
        return None


def build_object(static_dir, work):
    """trimmed_data_object's work, raising where a step fails."""
    bin_dir = os.path.dirname(os.path.realpath(shutil.which("swift") or "swift"))
    archive = os.path.join(static_dir, "lib_FoundationICU.a")
    found = packaged_data(archive, bin_dir) if os.path.isfile(archive) else None
    if not found:
        print(f"note: no ICU data package in {archive}; the binary links the toolchain's as it is")
        return None
    member, symbol, size = found
    os.makedirs(work, exist_ok=True)
    subprocess.run([tool("ar", bin_dir), "x", os.path.abspath(archive), member], cwd=work, check=True)
    full = os.path.join(work, "full.dat")
    subprocess.run([tool("objcopy", bin_dir), "-O", "binary", "--only-section=.rodata", os.path.join(work, member),
                    full], check=True)
    with open(full, "rb") as f:
        package = f.read()
    if len(package) != size:
        print(f"note: {member} holds more than ICU's data package; the binary links the toolchain's as it is")
        return None
    data = os.path.join(work, "icu.dat")
    with open(data, "wb") as f:
        f.write(trim(package))
    source = os.path.join(work, "icu_data.S")
    with open(source, "w", encoding="utf-8") as f:
        f.write(f"""    .section .rodata.ramp_icu_data,"a"
    .globl ramp_icu_data
    .type ramp_icu_data,@object
    .balign 16
ramp_icu_data:
    .incbin "{data}"
    .size ramp_icu_data, .-ramp_icu_data
    .section .note.GNU-stack,"",@progbits
""")
    obj = os.path.join(work, "icu_data.o")
    # The toolchain's clang, beside swift.
    subprocess.run([os.path.join(bin_dir, "clang"), "-c", source, "-o", obj], check=True)
    print(f"ICU data: {len(package):,} bytes in the toolchain's package, {os.path.getsize(data):,} linked")
    return symbol, obj
