#!/bin/sh
# The layout's rules, checked on the sources (TAP):
#  - no circle of includes between modules (a module is x.c with x.h);
#  - folders depend one way, in the order docs/architecture.md gives;
#  - the relay includes nothing of the layers above it.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v python3 >/dev/null 2>&1 || { echo "1..0 # SKIP python3 not installed"; exit 0; }
exec python3 - "$top" <<'PY'
import glob, os, re, sys

top = sys.argv[1]
# Each folder may include only folders after it in this order.
ORDER = ["proxy/cli", "proxy/endpoint", "proxy/gate", "proxy/fleet",
         "proxy/registry",
         "proxy/relay", "proxy/http", "proxy/sys",
         "scan/image", "scan/layer", "scan/catalog", "scan/advisory",
         "scan/version", "store", "conf"]
INC = re.compile(r'#include "((?:proxy|scan|store|conf)/[^"]+)\.h"')

mods = {}
for f in glob.glob(os.path.join(top, "*/**/*.[ch]"), recursive=True):
    rel = os.path.relpath(f, top)
    if not rel.split("/")[0] in ("proxy", "scan", "store", "conf"):
        continue
    m = rel[:-2]
    with open(f, encoding="utf-8", errors="replace") as fh:
        mods.setdefault(m, set()).update(
            i for i in INC.findall(fh.read()) if i != m)

def folder(m):
    for d in ORDER:
        if m.startswith(d + "/"):
            return d
    return None

n = 0
results = []

# 1. every module sits in a known folder
strays = sorted(m for m in mods if folder(m) is None)
results.append((not strays, "every source file is in a folder of the layout",
                strays))

# 2. one-way folder order
bad = []
for m, incs in mods.items():
    fm = folder(m)
    if fm is None:
        continue
    for i in incs:
        fi = folder(i)
        if fi is None or fi == fm:
            continue
        if ORDER.index(fi) < ORDER.index(fm):
            bad.append("%s includes %s" % (m, i))
results.append((not bad, "folders depend one way: " + " -> ".join(ORDER),
                sorted(bad)))

# 3. the relay knows nothing above it
above = [d for d in ORDER[:ORDER.index("proxy/relay")]]
rel = sorted("%s includes %s" % (m, i) for m, incs in mods.items()
             if folder(m) == "proxy/relay" for i in incs
             if folder(i) in above)
results.append((not rel, "the relay includes nothing of the gate, "
                "endpoints or cli", rel))

# 4. no circle of includes (Tarjan's strongly connected components)
sys.setrecursionlimit(100000)
index, low, stack, on, sccs, c = {}, {}, [], set(), [], [0]
def visit(v):
    index[v] = low[v] = c[0]; c[0] += 1; stack.append(v); on.add(v)
    for w in mods.get(v, ()):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))
for v in list(mods):
    if v not in index:
        visit(v)
results.append((not sccs, "no circle of includes between modules",
                [" <-> ".join(s) for s in sccs]))

# 5. the check can see what it checks
results.append((len(mods) > 50, "read %d modules" % len(mods), []))

print("1..%d" % len(results))
for k, (ok, what, why) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", k, what))
    for w in why[:20]:
        print("# " + w)
PY
