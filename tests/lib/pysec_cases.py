#!/usr/bin/env python3
"""Cases for the PyPA YAML records, read here with PyYAML's BaseLoader
(every scalar a string, as the OSV schema means them), not by
portcullis. For every Kth record with one affected package:
    "PACKAGE V ID 1"  V: a version its `versions` list names
    "PACKAGE Y ID 0"  Y: the fix of its only ECOSYSTEM range, when the
                      list does not name it

    pysec_cases.py ZIP K"""
import sys, zipfile
import yaml

zpath, k = sys.argv[1], int(sys.argv[2])
with zipfile.ZipFile(zpath) as f:
    for i, n in enumerate(sorted(f.namelist())):
        if i % k:
            continue
        d = yaml.load(f.read(n), Loader=yaml.BaseLoader)
        if d.get("withdrawn") or len(d.get("affected", [])) != 1:
            continue
        a = d["affected"][0]
        name, vers = a["package"]["name"], a.get("versions", [])
        if vers:
            print(name, vers[len(vers) // 2], d["id"], 1)
        rs = a.get("ranges", [])
        if len(rs) == 1 and rs[0].get("type") == "ECOSYSTEM":
            fixed = [e["fixed"] for e in rs[0].get("events", []) if "fixed" in e]
            if len(fixed) == 1 and fixed[0] not in vers:
                print(name, fixed[0], d["id"], 0)
