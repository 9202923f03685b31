"""A minimal Compound File (OLE2) writer, to make what Office writes for an encrypted workbook.

Excel saves a workbook with a password as an OLE2 container holding the streams
`EncryptionInfo` and `EncryptedPackage` (MS-OFFCRYPTO), whatever the file's extension. No
library here writes one, so the tests build the container itself (MS-CFB, version 3, 512-byte
sectors, streams of at least 4,096 bytes so that no mini stream is needed).
"""

from __future__ import annotations

import struct

_SECTOR = 512
_FREE, _END, _FAT, _NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", _NONE, right, child)
        + b"\0" * 16
        + struct.pack("<IQQIQ", 0, 0, 0, start, size)
    )


def compound_file(streams: dict[str, bytes]) -> bytes:
    """An OLE2 file holding `streams` (each padded to whole sectors, at least 4,096 bytes)."""
    chains: list[tuple[str, bytes, int]] = []
    next_sector = 2  # 0: the FAT, 1: the directory
    for name, data in streams.items():
        data = data.ljust(max(4096, len(data)), b"\0")
        data = data.ljust(-(-len(data) // _SECTOR) * _SECTOR, b"\0")
        chains.append((name, data, next_sector))
        next_sector += len(data) // _SECTOR
    fat = [_FAT, _END]
    for _name, data, start in chains:
        count = len(data) // _SECTOR
        fat += [start + i + 1 for i in range(count - 1)] + [_END]
    fat += [_FREE] * (_SECTOR // 4 - len(fat))
    directory = _entry("Root Entry", 5, 1 if chains else _NONE, _NONE, _END, 0)
    for index, (name, data, start) in enumerate(chains, start=1):
        right = index + 1 if index < len(chains) else _NONE
        directory += _entry(name, 2, _NONE, right, start, len(data))
    directory = directory.ljust(_SECTOR, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", _FREE) * 108
    )
    assert len(header) == _SECTOR
    body = struct.pack(f"<{len(fat)}I", *fat) + directory
    return header + body + b"".join(data for _name, data, _start in chains)


def encrypted_workbook() -> bytes:
    """What Excel writes for a workbook saved with a password (the cipher text is random)."""
    return compound_file(
        {
            "EncryptionInfo": struct.pack("<HHI", 4, 4, 0x40) + b"\x01" * 200,
            "EncryptedPackage": struct.pack("<Q", 6000) + bytes(range(256)) * 24,
        }
    )
