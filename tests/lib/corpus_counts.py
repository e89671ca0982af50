#!/usr/bin/env python3
"""What an import of the shared corpus must report, computed here from
the files themselves (independently of portcullis):

    corpus_counts.py CORPUS_DIR

prints "records N" (OSV records not withdrawn plus Alpine secdb
(release, repository, package, id) advisories), "withdrawn N",
"secdb_docs N", "secdb_fixes N", "never_affected N"."""
import glob, json, os, sys, zipfile

try:
    import yaml
except ImportError:
    sys.exit("python3-yaml is needed")

corpus = sys.argv[1]
records = withdrawn = 0
for z in sorted(glob.glob(os.path.join(corpus, "osv", "*.zip"))):
    with zipfile.ZipFile(z) as f:
        for n in f.namelist():
            raw = f.read(n)
            d = yaml.safe_load(raw) if n.endswith((".yaml", ".yml")) else json.loads(raw)
            if d.get("withdrawn"):
                withdrawn += 1
            else:
                records += 1
docs = fixes = never = 0
for fn in sorted(glob.glob(os.path.join(corpus, "alpine", "secdb", "*", "*.json"))):
    d = json.load(open(fn))
    docs += 1
    for p in d["packages"]:
        ids = set()
        for ver, lst in p["pkg"].get("secfixes", {}).items():
            for i in lst:
                if ver == "0":
                    never += 1
                elif i.split():
                    ids.add(i.split()[0])
        fixes += len(ids)
print("records", records + fixes)
print("withdrawn", withdrawn)
print("secdb_docs", docs)
print("secdb_fixes", fixes)
print("never_affected", never)
