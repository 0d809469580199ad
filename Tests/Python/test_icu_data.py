"""python/icu_data.py: the trimmed ICU data package the wheel's binary links, on a package built here."""

import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))

import icu_data  # noqa: E402


def package(items):
    """A common data package as ICU lays one out: a 32-byte header (size, magic da27, little-endian,
    format "CmnD"), the item count, (name offset, data offset) pairs from the table's start, the names,
    then each item 16-byte aligned."""
    header = struct.pack("<HBBHHBBBB4s4s4s", 32, 0xDA, 0x27, 20, 0, 0, 0, 2, 0, b"CmnD", b"\1\0\0\0", b"\0\0\0\0")
    header += b"\0" * (32 - len(header))
    table = 4 + 8 * len(items)
    names = b""
    name_offsets = []
    for name, _ in items:
        name_offsets.append(table + len(names))
        names += name.encode() + b"\0"
    position = (table + len(names) + 15) // 16 * 16
    data_offsets = []
    bodies = b""
    for _, body in items:
        data_offsets.append(position)
        padded = body + b"\0" * (-len(body) % 16)
        bodies += padded
        position += len(padded)
    toc = struct.pack("<I", len(items)) + b"".join(struct.pack("<II", n, d) for n, d in zip(name_offsets, data_offsets))
    out = header + toc + names
    return out + b"\0" * (32 + data_offsets[0] - len(out)) + bodies


def items_of(data):
    """(name, body) of every item, each body up to the next item's offset."""
    count = struct.unpack_from("<I", data, 32)[0]
    entries = [struct.unpack_from("<II", data, 36 + 8 * i) for i in range(count)]
    names = [data[32 + n:data.index(b"\0", 32 + n)].decode() for n, _ in entries]
    ends = [d for _, d in entries[1:]] + [len(data) - 32]
    assert all(d % 16 == 0 for _, d in entries)
    return [(name, data[32 + d:32 + e]) for name, (_, d), e in zip(names, entries, ends)]


ITEMS = [
    ("icudt76l/brkitr/word.brk", b"break rules"),
    ("icudt76l/coll/root.res", b"collation"),
    ("icudt76l/de.res", b"German"),
    ("icudt76l/de_.res", b"alias"),
    ("icudt76l/en.res", b"English!" * 3),
    ("icudt76l/en_US_POSIX.res", b"POSIX"),
    ("icudt76l/ibm-37_P100-1995.cnv", b"converter"),
    ("icudt76l/nfkc.nrm", b"normalization"),
    ("icudt76l/pool.res", b"pool"),
    ("icudt76l/res_index.res", b"index"),
    ("icudt76l/root.res", b"root"),
    ("icudt76l/unames.icu", b"names"),
    ("icudt76l/zone/en.res", b"zone names"),
    ("icudt76l/zone/fr.res", b"noms"),
    ("icudt76l/zoneinfo64.res", b"zones"),
]


def test_trim_keeps_root_english_zones_and_normalization_in_order():
    trimmed = icu_data.trim(package(ITEMS))
    kept = [(name, body.rstrip(b"\0")) for name, body in items_of(trimmed)]
    assert kept == [
        ("icudt76l/en.res", b"English!" * 3),
        ("icudt76l/en_US_POSIX.res", b"POSIX"),
        ("icudt76l/nfkc.nrm", b"normalization"),
        ("icudt76l/pool.res", b"pool"),
        ("icudt76l/res_index.res", b"index"),
        ("icudt76l/root.res", b"root"),
        ("icudt76l/zone/en.res", b"zone names"),
        ("icudt76l/zoneinfo64.res", b"zones"),
    ]
    assert trimmed[:32] == package(ITEMS)[:32]
    assert len(trimmed) % 16 == 0


def test_trim_keeping_everything_writes_the_package_back():
    original = package(ITEMS)
    keep = icu_data.keep
    icu_data.keep = lambda name: True
    try:
        assert icu_data.trim(original) == original
    finally:
        icu_data.keep = keep


def test_trim_refuses_what_is_not_a_package():
    try:
        icu_data.trim(b"\x20\x00\x00\x00" + b"\0" * 60)
    except ValueError as error:
        assert str(error) == "not a little-endian ICU data package"
    else:
        raise AssertionError("trim read a file that is not a package")
