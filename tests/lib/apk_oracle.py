#!/usr/bin/env python3
"""A second, independent computation of what Alpine's secdb says about
an Alpine root filesystem: for each installed package (lib/apk/db/
installed: P name, V version, o origin), every id that the release's
secdb lists under its origin with a fixed version above the installed
one, compared with apk's version ordering (written here from
apk-tools' rules, not taken from portcullis). Prints "package id",
sorted.

    apk_oracle.py ROOTFS.tar.gz SECDB_DIR"""
import json, os, re, sys, tarfile

# apk-tools' version comparison (src/version.c), token by token.
DIGIT_OR_ZERO, DIGIT, LETTER, SUFFIX, SUFFIX_NO, REVISION_NO, END, INVALID = range(8)
PRE = ["alpha", "beta", "pre", "rc"]
POST = ["cvs", "svn", "git", "hg", "p"]


class Blob:
    def __init__(self, s):
        self.s, self.i = s, 0


def next_token(t, b):
    s, i = b.s, b.i
    if i >= len(s):
        return END
    c = s[i]
    if t in (DIGIT, DIGIT_OR_ZERO) and c.islower():
        return LETTER
    if t == LETTER and c.isdigit():
        return DIGIT
    if t == SUFFIX and c.isdigit():
        return SUFFIX_NO
    n = INVALID
    if c == ".":
        n = DIGIT_OR_ZERO
    elif c == "_":
        n = SUFFIX
    elif c == "-":
        if i + 1 < len(s) and s[i + 1] == "r":
            n = REVISION_NO
            b.i += 1
    b.i += 1
    return n


def get_token(t, b):
    """(value of the token of type t at b, the next token's type)"""
    s, v, nt = b.s, 0, INVALID
    if b.i >= len(s):
        return 0, END
    i = b.i
    if t == DIGIT_OR_ZERO and s[i] == "0":
        while i < len(s) and s[i] == "0":
            i += 1
        v, nt = -(i - b.i), DIGIT
    elif t in (DIGIT_OR_ZERO, DIGIT, SUFFIX_NO, REVISION_NO):
        while i < len(s) and s[i].isdigit():
            v = v * 10 + int(s[i])
            i += 1
    elif t == LETTER:
        v = ord(s[i])
        i += 1
    elif t == SUFFIX:
        for k, w in enumerate(PRE):
            if s.startswith(w, i):
                v, i = k - len(PRE), i + len(w)
                break
        else:
            for k, w in enumerate(POST):
                if s.startswith(w, i):
                    v, i = k + 1, i + len(w)
                    break
            else:
                return -1, INVALID
    else:
        return -1, INVALID
    b.i = i
    if nt == INVALID:
        nt = next_token(t, b)
    return v, nt


def vcmp(x, y):
    a, b = Blob(x), Blob(y)
    at = bt = DIGIT
    av = bv = 0
    while at == bt and at not in (END, INVALID) and av == bv:
        av, at = get_token(at, a)
        bv, bt = get_token(bt, b)
    if av != bv:
        return -1 if av < bv else 1
    if at == bt:
        return 0
    if at == SUFFIX and get_token(at, Blob(a.s[a.i:]))[0] < 0:
        return -1
    if bt == SUFFIX and get_token(bt, Blob(b.s[b.i:]))[0] < 0:
        return 1
    if at > bt:
        return -1
    if bt > at:
        return 1
    return 0


def installed(tgz):
    with tarfile.open(tgz) as t:
        data = t.extractfile("./lib/apk/db/installed").read().decode()
        rel = t.extractfile("./etc/os-release").read().decode()
    vid = re.search(r"^VERSION_ID=(.*)$", rel, re.M).group(1).strip('"')
    pkgs = []
    for block in data.split("\n\n"):
        f = dict(l.split(":", 1) for l in block.splitlines() if len(l) > 2 and l[1] == ":")
        if "P" in f:
            pkgs.append((f["P"], f["V"], f.get("o", f["P"])))
    return "v" + ".".join(vid.split(".")[:2]), pkgs


def main():
    release, pkgs = installed(sys.argv[1])
    fixes = {}
    for repo in ("main", "community"):
        path = os.path.join(sys.argv[2], release, repo + ".json")
        if os.path.exists(path):
            for p in json.load(open(path))["packages"]:
                fixes.setdefault(p["pkg"]["name"], []).extend(
                    (v, i.split()[0]) for v, ids in p["pkg"].get("secfixes", {}).items()
                    if v != "0" for i in ids if i.split())
    out = set()
    for name, ver, origin in pkgs:
        for fixed, vid in fixes.get(origin, []):
            if vcmp(ver, fixed) < 0:
                out.add((name, vid))
    for name, vid in sorted(out):
        print(name, vid)


main()
