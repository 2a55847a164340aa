"""Unpacks what bench/gpu/prepare.mjs packed, with Python's standard library only (the GPU machine may lack xz and
dpkg): `FILE.xz` → FILE, `*.tar.xz` → a folder, and a Debian package's data archive (`dpkg -x`).

    python3 unpack.py xz SRC DEST | tar SRC DEST_DIR | deb SRC DEST_DIR
"""
import io
import lzma
import os
import shutil
import sys
import tarfile


def unxz(src, dest):
    with lzma.open(src) as f, open(dest, "wb") as out:
        shutil.copyfileobj(f, out, 1 << 20)
    os.chmod(dest, 0o755)


def untar(src, dest_dir):
    with tarfile.open(src, "r:*") as t:
        t.extractall(dest_dir)


def deb_data(src):
    """The `data.tar.*` member of a .deb (an `ar` archive: 8-byte magic, then 60-byte headers, 2-byte aligned)."""
    with open(src, "rb") as f:
        blob = f.read()
    if not blob.startswith(b"!<arch>\n"):
        raise ValueError(f"{src} is not a Debian package")
    pos = 8
    while pos + 60 <= len(blob):
        name = blob[pos:pos + 16].decode().strip().rstrip("/")
        size = int(blob[pos + 48:pos + 58].decode().strip())
        if name.startswith("data.tar"):
            return blob[pos + 60:pos + 60 + size]
        pos += 60 + size + (size % 2)
    raise ValueError(f"{src} has no data.tar member")


def undeb(src, dest_dir):
    with tarfile.open(fileobj=io.BytesIO(deb_data(src)), mode="r:*") as t:
        t.extractall(dest_dir)


if __name__ == "__main__":
    kind, src, dest = sys.argv[1:4]
    {"xz": unxz, "tar": untar, "deb": undeb}[kind](src, dest)
