#!/usr/bin/env python3
"""auditable_json.py METADATA.json: the dependency document `cargo
auditable` embeds in a binary (its .dep-v0 section, before zlib), made
from what `cargo metadata` resolved for the same workspace, in the
format of auditable-serde 0.x: {"packages":[{"name","version","source",
"kind"?,"dependencies"?,"root"?}]} sorted by name and version, sources
"crates.io", "git", "local" or "registry", kind "build" only for
build-time-only crates. Written to stdout, compressed with zlib as the
tool does."""
import json
import sys
import zlib

meta = json.load(open(sys.argv[1]))
pkgs = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
root = meta["resolve"]["root"]


def source(p):
    s = p.get("source")
    if s is None:
        return "local"
    if s.startswith("registry+https://github.com/rust-lang/crates.io-index"):
        return "crates.io"
    return "git" if s.startswith("git+") else "registry"


# Runtime unless reached only through build-dependencies.
runtime = set()
todo = [root]
while todo:
    i = todo.pop()
    if i in runtime:
        continue
    runtime.add(i)
    for d in nodes[i].get("deps", []):
        if any(k.get("kind") in (None, "normal") for k in d.get("dep_kinds", [])):
            todo.append(d["pkg"])
order = sorted(nodes, key=lambda i: (pkgs[i]["name"], pkgs[i]["version"]))
index = {i: n for n, i in enumerate(order)}
out = []
for i in order:
    p = pkgs[i]
    e = {"name": p["name"], "version": p["version"], "source": source(p)}
    if i not in runtime:
        e["kind"] = "build"
    deps = sorted(index[d["pkg"]] for d in nodes[i].get("deps", []))
    if deps:
        e["dependencies"] = deps
    if i == root:
        e["root"] = True
    out.append(e)
sys.stdout.buffer.write(zlib.compress(json.dumps({"packages": out},
                                                  separators=(",", ":")).encode(), 7))
