#!/usr/bin/env python3
"""goproxy_dir.py PROXYDIR MODULE VERSION SRCDIR: lay out a module as
Go's file-based module proxy protocol serves it (list, .info, .mod,
.zip under PROXYDIR/MODULE/@v/), from a source tree on disk (Debian's
packaged module sources), so `go build` with GOPROXY=file://PROXYDIR
can resolve a `replace` to MODULE VERSION without a network. The zip
holds every regular file of the tree under "MODULE@VERSION/", leaving
out nested modules (directories with their own go.mod), as the
module zip format requires."""
import json
import os
import sys
import zipfile

proxy, mod, ver, src = sys.argv[1:5]
d = os.path.join(proxy, mod, "@v")
os.makedirs(d, exist_ok=True)
with open(os.path.join(d, "list"), "a") as f:
    f.write(ver + "\n")
with open(os.path.join(d, ver + ".info"), "w") as f:
    json.dump({"Version": ver, "Time": "2023-01-01T00:00:00Z"}, f)
with open(os.path.join(src, "go.mod")) as i, open(os.path.join(d, ver + ".mod"), "w") as o:
    o.write(i.read())
with zipfile.ZipFile(os.path.join(d, ver + ".zip"), "w", zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk(src):
        dirs[:] = sorted(x for x in dirs if x not in ("vendor", ".git") and
                         not os.path.exists(os.path.join(root, x, "go.mod")))
        for f in sorted(files):
            p = os.path.join(root, f)
            if os.path.isfile(p) and not os.path.islink(p):
                z.write(p, mod + "@" + ver + "/" + os.path.relpath(p, src))
