#!/usr/bin/env python3
"""Build one odd layer blob for the fail-closed tests, streamed, so no
large file is ever stored in the repository (or held in memory).

    oddlayer.py KIND OUT [ARG]

Every layer but 'clean' hides the same kind of thing a scanner must not
miss: a GitHub token (a made-up value in GitHub's documented shape),
or a package database. KIND says how it is hidden."""
import bz2, gzip, io, lzma, sys, tarfile, zipfile

TOKEN = b"GITHUB_TOKEN=ghp_" + b"x7Kq2Lm9Pw4Rt8Vz3Nb6Cd1Fg5Hj0S4DgU3c" + b"\n"
STATUS_PKG = (b"Package: nginx\nStatus: install ok installed\n"
              b"Version: 1.2.1-2.2+wheezy2\nArchitecture: amd64\n\n")


class Zeros(io.RawIOBase):
    """n zero bytes, read in pieces (a tarfile member's fileobj)."""
    def __init__(self, n):
        self.left = n

    def readable(self):
        return True

    def readinto(self, b):
        k = min(len(b), self.left)
        b[:k] = bytes(k)
        self.left -= k
        return k


def add(t, name, data=None, size=None, fileobj=None, **kw):
    ti = tarfile.TarInfo(name)
    ti.mtime = 0
    for k, v in kw.items():
        setattr(ti, k, v)
    if data is not None:
        ti.size = len(data)
        fileobj = io.BytesIO(data)
    elif size is not None:
        ti.size = size
    t.addfile(ti, fileobj)


def tar_bytes(build):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.GNU_FORMAT) as t:
        build(t)
    return b.getvalue()


def gz_tar(out, build):
    with open(out, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0,
                           compresslevel=1) as g:
            with tarfile.open(fileobj=g, mode="w|",
                              format=tarfile.GNU_FORMAT) as t:
                build(t)


def zip_holding(name, data):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_STORED) as z:
        z.writestr(name, data)
    return b.getvalue()


def main():
    kind, out = sys.argv[1], sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else None
    if kind == "bomb":                       # ARG MiB of zeros, then a token
        mib = int(arg)
        gz_tar(out, lambda t: (add(t, "zeros.bin", size=mib << 20,
                                   fileobj=Zeros(mib << 20)),
                               add(t, "root/.env", TOKEN)))
    elif kind == "entries":                  # ARG empty files, then a token
        n = int(arg)

        def build(t):
            for i in range(n):
                add(t, "many/f%07d" % i, b"")
            add(t, "root/.env", TOKEN)
        gz_tar(out, build)
    elif kind == "bigdb":                    # a dpkg status of ARG MiB,
        size = int(arg) << 20                # the package at its end
        filler = []
        i = 0
        while sum(map(len, filler)) < size:
            filler.append(b"Package: filler%d\nStatus: install ok installed\n"
                          b"Version: 1.0-1\n\n" % i)
            i += 1
        gz_tar(out, lambda t: add(t, "var/lib/dpkg/status",
                                  b"".join(filler) + STATUS_PKG))
    elif kind in ("xz", "bzip2"):            # a tar compressed otherwise
        t = tar_bytes(lambda t: add(t, "root/.env", TOKEN))
        data = lzma.compress(t) if kind == "xz" else bz2.compress(t)
        open(out, "wb").write(data)
    elif kind in ("corrupt", "truncated"):   # gzip that does not inflate
        # Text, so that deflate codes it (stored blocks of random
        # bytes would carry a flipped byte through unnoticed).
        text = b"".join(b"line %d of the log\n" % i for i in range(20000))
        t = tar_bytes(lambda t: (add(t, "var/log/app.log", text),
                                 add(t, "root/.env", TOKEN)))
        data = bytearray(gzip.compress(t, mtime=0))
        if kind == "corrupt":
            for k in range(len(data) // 2, len(data) // 2 + 64):
                data[k] ^= 0x5a
        else:
            data = data[:len(data) * 3 // 5]
        open(out, "wb").write(bytes(data))
    elif kind == "nested":                   # a token inside a .tar.gz
        inner = gzip.compress(tar_bytes(lambda t: add(t, "etc/app.env",
                                                      TOKEN)), mtime=0)
        gz_tar(out, lambda t: add(t, "backup/app.tar.gz", inner))
    elif kind == "gzfile":                   # a token in a compressed file
        gz_tar(out, lambda t: add(t, "var/log/app.log.gz",
                                  gzip.compress(b"start\n" + TOKEN, mtime=0)))
    elif kind == "nul":                      # a token after a NUL byte
        gz_tar(out, lambda t: add(t, "opt/app/data.bin",
                                  b"\x00\x01\x02binary\x00" + TOKEN))
    elif kind == "late":                     # a token after ARG MiB of text
        n = int(arg) << 20
        text = (b"lorem ipsum dolor sit amet\n" * (n // 27 + 1))[:n]
        gz_tar(out, lambda t: add(t, "srv/big.txt", text + TOKEN))
    elif kind == "jar":                      # ARG: a real jar, nested N deep
        jar, depth = arg.split(":")
        data = open(jar, "rb").read()
        for d in range(int(depth)):
            data = zip_holding("BOOT-INF/lib/inner%d.jar" % d, data)
        gz_tar(out, lambda t: add(t, "app/app.jar", data))
    elif kind == "hardlink":                 # dpkg status through a hard link
        def build(t):
            add(t, "x/foo", STATUS_PKG)
            add(t, "var/lib/dpkg/status", type=tarfile.LNKTYPE,
                linkname="x/foo", size=0)
        gz_tar(out, build)
    elif kind == "symlink":                  # dpkg status through a symlink
        def build(t):
            add(t, "x/foo", STATUS_PKG)
            add(t, "var/lib/dpkg/status", type=tarfile.SYMTYPE,
                linkname="/x/foo", size=0)
        gz_tar(out, build)
    elif kind == "symlink-out":              # to a file no layer here has
        def build(t):
            add(t, "x/foo", STATUS_PKG)
            add(t, "var/lib/dpkg/status", type=tarfile.SYMTYPE,
                linkname="../../../opt/elsewhere/status", size=0)
        gz_tar(out, build)
    elif kind == "clean":
        gz_tar(out, lambda t: add(t, "etc/motd", b"hello\n"))
    else:
        sys.exit("unknown kind " + kind)


main()
