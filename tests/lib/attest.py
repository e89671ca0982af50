#!/usr/bin/env python3
"""Make a DSSE envelope of an in-toto statement, as `cosign attest --key`
does: the statement names SUBJECT (sha256:<hex>) and carries PREDICATE
(a JSON file) of PREDICATE_TYPE; the signature is openssl's (ECDSA
P-256, SHA-256) over DSSE's pre-authentication encoding. --tamper
changes the payload after signing. Prints the envelope."""
import argparse, base64, json, subprocess, sys, tempfile

ap = argparse.ArgumentParser()
ap.add_argument("key")
ap.add_argument("subject")
ap.add_argument("predicate")
ap.add_argument("--predicate-type", default="https://openvex.dev/ns")
ap.add_argument("--name", default="registry.local/app")
ap.add_argument("--tamper", action="store_true")
a = ap.parse_args()

ptype = "application/vnd.in-toto+json"
stmt = {
    "_type": "https://in-toto.io/Statement/v0.1",
    "predicateType": a.predicate_type,
    "subject": [{"name": a.name,
                 "digest": {"sha256": a.subject.split(":", 1)[1]}}],
    "predicate": json.load(open(a.predicate)),
}
body = json.dumps(stmt, separators=(",", ":")).encode()
pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype.encode(), len(body), body)
with tempfile.NamedTemporaryFile() as f:
    f.write(pae)
    f.flush()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", a.key,
                          f.name], check=True, capture_output=True).stdout
if a.tamper:
    body = body.replace(b'"affected"', b'"not_affected"', 1)
    body = body.replace(b'"under_investigation"', b'"not_affected"', 1)
json.dump({"payloadType": ptype,
           "payload": base64.b64encode(body).decode(),
           "signatures": [{"keyid": "",
                           "sig": base64.b64encode(sig).decode()}]},
          sys.stdout, separators=(",", ":"))
