"""SemVer ordering and OSV range evaluation as the OSV schema describes
them, for the tests' own readings of real advisory exports (written
here, not taken from portcullis).

    key("1.19.8") < key("1.19.9")
    in_range("1.19.8", [{"introduced": "0"}, {"fixed": "1.19.9"}])
    for record in records("go-vulndb-osv.zip"): ..."""
import json
import re
import zipfile


def records(path):
    """Every record of an OSV zip export that is not withdrawn."""
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            d = json.loads(z.read(n))
            if not d.get("withdrawn"):
                yield d


def key(v):
    """A sortable key for a SemVer version ("v" prefix and a missing
    patch number allowed, as Go's toolchain versions have them)."""
    m = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?", v)
    a, b, c, pre = m.groups()
    pk = [] if pre is None else [(0, int(x)) if x.isdigit() else (1, x)
                                 for x in pre.split(".")]
    return (int(a), int(b), int(c or 0), pre is None, pk)


def in_range(version, events):
    """Is version affected by one SEMVER range's events? The events in
    version order; the last one at or below the version decides."""
    v = key(version)
    evs = sorted((key("0.0.0") if x == "0" else key(x), k)
                 for e in events for k, x in e.items())
    state = False
    for ev, k in evs:
        if k == "last_affected":
            if v <= ev:
                break
            state = False
            continue
        if v < ev:
            break
        state = k == "introduced"
    return state
