#!/usr/bin/env python3
"""A judged image's scan document as the proxy stores it, for an image
of N packages (the size of a large real image's), on stdout.

    bigdoc.py N REPOSITORY LAYER_DIGEST CONFIG_DIGEST"""
import json, sys, time

n, repo, layer, config = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
pkgs = [{"type": "npm", "name": "package-%07d" % i, "version": "1.0.%d" % (i % 97),
         "path": "app/node_modules/package-%07d/package.json" % i} for i in range(n)]
doc = {"source": "", "os": None, "layers": 1, "packages": pkgs,
       "vulnerabilities": [], "secrets": [], "misconfigurations": [],
       "limits": [], "summary": {"packages": n, "critical": 0, "high": 0,
       "medium": 0, "low": 0, "unknown": 0, "secrets": 0, "unscanned": 0},
       "scanner": 3, "layer_digests": [layer], "config_digest": config,
       "scanned_at": int(time.time()), "data_version": "",
       "repository": repo}
sys.stdout.write(json.dumps(doc, separators=(",", ":")))
