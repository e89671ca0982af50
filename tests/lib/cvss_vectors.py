#!/usr/bin/env python3
"""Every CVSS v4 vector in the OSV zips named, then N more drawn with a
fixed seed over every base metric and, in every other vector, a random
choice of threat and environmental metrics (X included), so the
interpolation is exercised well beyond what the corpus happens to use."""
import json
import random
import sys
import zipfile

n = int(sys.argv[1])
seen = set()
for z in sys.argv[2:]:
    zf = zipfile.ZipFile(z)
    for name in zf.namelist():
        if not name.endswith(".json"):
            continue
        for s in json.loads(zf.read(name)).get("severity") or []:
            if s.get("type") == "CVSS_V4":
                seen.add(s["score"])
for v in sorted(seen):
    print(v)
print("corpus vectors:", len(seen), file=sys.stderr)

BASE = [("AV", "NALP"), ("AC", "LH"), ("AT", "NP"), ("PR", "NLH"),
        ("UI", "NPA"), ("VC", "HLN"), ("VI", "HLN"), ("VA", "HLN"),
        ("SC", "HLN"), ("SI", "HLN"), ("SA", "HLN")]
MORE = [("E", "XAPU"), ("CR", "XHML"), ("IR", "XHML"), ("AR", "XHML"),
        ("MAV", "XNALP"), ("MAC", "XLH"), ("MAT", "XNP"), ("MPR", "XNLH"),
        ("MUI", "XNPA"), ("MVC", "XNLH"), ("MVI", "XNLH"), ("MVA", "XNLH"),
        ("MSC", "XNLH"), ("MSI", "XNLHS"), ("MSA", "XNLHS")]
rnd = random.Random(4)
for i in range(n):
    v = "CVSS:4.0/" + "/".join(k + ":" + rnd.choice(c) for k, c in BASE)
    if i % 2:
        for k, c in MORE:
            if rnd.random() < 0.4:
                v += "/" + k + ":" + rnd.choice(c)
    print(v)
