/*
 * Rust executables built with `cargo auditable`: the crates the binary
 * was built from, as zlib-compressed JSON in its ".dep-v0" section
 * (scan/catalog/elfsec.c finds it as the file streams past):
 *
 *   {"packages":[{"name":"regex","version":"1.7.1","source":"crates.io",
 *     "dependencies":[1]}, {"name":"app","version":"0.1.0",
 *     "source":"local","root":true}, ...]}
 *
 * "source" is crates.io, git, local or registry; "kind" is runtime (the
 * default) or build (a build script's dependency, not linked in).
 * Crates from crates.io are what RustSec names; path crates ("local",
 * the root among them) are the workspace's own. The data is the
 * pusher's: the inflated size is bounded and anything that is not this
 * document is reported, not trusted.
 */
#include "scan/catalog/catalog.h"
#include "scan/catalog/finding.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* rust-audit-info's own default bound on the inflated document. */
#define RUSTBIN_MAX_JSON	(8u << 20)

/* Inflate a zlib stream, at most RUSTBIN_MAX_JSON. NULL on failure. */
static char *
rustbin_inflate(const void *buf, size_t len, size_t *outlen, char *why,
    size_t whylen)
{
	z_stream	 z;
	char		*out = NULL, *n;
	size_t		 cap = 0;
	int		 rv = Z_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	z.next_in = (Bytef *)(uintptr_t)buf;
	z.avail_in = (uInt)len;
	while (rv == Z_OK) {
		if (z.total_out == cap) {
			if (cap == RUSTBIN_MAX_JSON) {
				snprintf(why, whylen, "more than %u bytes "
				    "inflated", RUSTBIN_MAX_JSON);
				goto fail;
			}
			cap = cap ? cap * 4 : 65536;
			if (cap > RUSTBIN_MAX_JSON)
				cap = RUSTBIN_MAX_JSON;
			if ((n = realloc(out, cap + 1)) == NULL) {
				snprintf(why, whylen, "out of memory");
				goto fail;
			}
			out = n;
		}
		z.next_out = (Bytef *)out + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		rv = inflate(&z, Z_NO_FLUSH);
	}
	if (rv != Z_STREAM_END) {
		snprintf(why, whylen, "not a zlib stream (%s)",
		    z.msg ? z.msg : "truncated");
		goto fail;
	}
	*outlen = z.total_out;
	out[*outlen] = '\0';
	inflateEnd(&z);
	return out;
 fail:
	inflateEnd(&z);
	free(out);
	return NULL;
}

int
catalog_rustbin(const void *buf, size_t len, const char *path,
    struct pkglist *out, struct findings *errs)
{
	json_t		*doc = NULL, *p;
	json_error_t	 jerr;
	char		*text, why[200], msg[300];
	size_t		 tlen, i;
	int		 rv = 0;

	if ((text = rustbin_inflate(buf, len, &tlen, why, sizeof(why))) ==
	    NULL)
		goto bad;
	doc = json_loadb(text, tlen, 0, &jerr);
	free(text);
	if (!json_is_array(json_object_get(doc, "packages"))) {
		snprintf(why, sizeof(why), "not the dependency document (%s)",
		    doc == NULL ? jerr.text : "no \"packages\" list");
		goto bad;
	}
	json_array_foreach(json_object_get(doc, "packages"), i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *ver = json_string_value(json_object_get(p,
		    "version"));
		const char *src = json_string_value(json_object_get(p,
		    "source"));
		const char *kind = json_string_value(json_object_get(p,
		    "kind"));

		if (src == NULL || strcmp(src, "crates.io") != 0 ||
		    (kind != NULL && strcmp(kind, "runtime") != 0))
			continue;
		if (pkglist_add(out, PKG_CARGO, name, ver, NULL, NULL,
		    path) == -1) {
			rv = -1;
			break;
		}
	}
	json_decref(doc);
	return rv;
 bad:
	json_decref(doc);
	snprintf(msg, sizeof(msg), "the crates this Rust binary was built from "
	    "(cargo auditable's .dep-v0 section) cannot be read: %s", why);
	return findings_add(errs, FINDING_ERROR, "unreadable-package-db",
	    path, 0, msg);
}
