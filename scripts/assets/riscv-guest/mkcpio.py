#!/usr/bin/env python3
"""Packs a directory into a gzip-compressed newc cpio archive for the Linux initramfs.

    mkcpio.py ROOT OUT.cpio.gz

Written here (not GNU cpio) so that no root privileges are needed for the device node the kernel
wants before /init runs (/dev/console), and so the archive is reproducible: entries are sorted,
owned by root, with mtime 0, and the gzip header carries no name or time.
"""

import gzip
import os
import stat
import sys

# Nodes created in the archive only: (path, mode, major, minor).
DEVICE_NODES = [("dev/console", stat.S_IFCHR | 0o600, 5, 1)]


def header(name, mode, size, ino, nlink=1, rdev=(0, 0)):
    """One newc header plus the NUL-terminated, 4-byte padded name."""
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields)
    data = head + name.encode() + b"\0"
    return data + b"\0" * (-len(data) % 4)


def entries(root):
    """(archive path, full path) for every entry below root, parents before children."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            out.append((os.path.normpath(os.path.join(rel, name)), path))
    return sorted(out)


def main():
    """Writes the archive named by argv[2] from the tree at argv[1]."""
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, target = sys.argv[1], sys.argv[2]
    blob = bytearray()
    ino = 1
    for arc, path in entries(root):
        st = os.lstat(path)
        perm = stat.S_IMODE(st.st_mode)
        if stat.S_ISDIR(st.st_mode):
            blob += header(arc, stat.S_IFDIR | perm, 0, ino, nlink=2)
        elif stat.S_ISLNK(st.st_mode):
            data = os.readlink(path).encode()
            blob += header(arc, stat.S_IFLNK | 0o777, len(data), ino) + data
            blob += b"\0" * (-len(data) % 4)
        elif stat.S_ISREG(st.st_mode):
            with open(path, "rb") as f:
                data = f.read()
            blob += header(arc, stat.S_IFREG | perm, len(data), ino) + data
            blob += b"\0" * (-len(data) % 4)
        else:
            sys.exit(f"mkcpio: unsupported file type: {path}")
        ino += 1
    for arc, mode, major, minor in DEVICE_NODES:
        blob += header(arc, mode, 0, ino, rdev=(major, minor))
        ino += 1
    blob += header("TRAILER!!!", 0, 0, 0, nlink=1)
    with open(target + ".tmp", "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(bytes(blob))
    os.replace(target + ".tmp", target)


if __name__ == "__main__":
    main()
