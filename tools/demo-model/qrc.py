"""Read the files inside a Qt resource bundle (.rcc), as GCompris ships its activities' images.

Format (Qt's rcc, versions 1-3): a 20-byte header ("qres", version, then the offsets of the tree,
data and names sections, big-endian u32), optionally a u32 of flags (version 3).  The tree is an
array of nodes (14 bytes, 22 from version 2 on: a trailing u64 modification time):
    u32 name offset, u16 flags (1 zlib, 2 directory, 4 zstd), then
    directory: u32 child count, u32 index of the first child
    file:      u16 country, u16 language, u32 data offset
A name is u16 length, u32 hash, UTF-16BE characters; a file's data is u32 length then bytes
(zlib data starts with Qt's own u32 uncompressed length).  Node 0 is the root directory.
"""
import struct
import zlib

MAGIC = b"qres"
COMPRESSED_ZLIB, DIRECTORY, COMPRESSED_ZSTD = 1, 2, 4


def read_rcc(data):
    """{path: bytes} for every file in the bundle; paths start with '/' as in qrc:/ URLs."""
    if data[:4] != MAGIC:
        raise ValueError("not a Qt resource bundle (no 'qres' magic)")
    version, tree, payload, names = struct.unpack_from(">IIII", data, 4)
    node_size = 22 if version >= 2 else 14

    def name_at(offset):
        length, = struct.unpack_from(">H", data, names + offset)
        start = names + offset + 6   # after the length and the u32 hash
        return data[start:start + 2 * length].decode("utf-16-be")

    files = {}
    pending = [(0, "")]   # (node index, parent path)
    while pending:
        index, parent = pending.pop()
        at = tree + index * node_size
        name_offset, flags = struct.unpack_from(">IH", data, at)
        path = parent + "/" + name_at(name_offset) if index else ""
        if flags & DIRECTORY:
            count, first = struct.unpack_from(">II", data, at + 6)
            pending += [(first + i, path) for i in range(count)]
            continue
        offset, = struct.unpack_from(">I", data, at + 10)
        length, = struct.unpack_from(">I", data, payload + offset)
        body = data[payload + offset + 4:payload + offset + 4 + length]
        if flags & COMPRESSED_ZSTD:
            raise ValueError(f"{path}: zstd-compressed resources are not supported")
        files[path] = zlib.decompress(body[4:]) if flags & COMPRESSED_ZLIB else body
    return files
