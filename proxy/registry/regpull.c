#include "proxy/registry/regpull.h"
#include "proxy/registry/regclient.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Layers larger than this are refused (the registry's own bound is 10G). */
#define REGPULL_MAX_BLOB	(16ULL << 30)
/* Index nesting followed; real ones have one level. */
#define REGPULL_MAX_DEPTH	2

json_t *
regpull_pick(json_t *index)
{
	json_t	*d, *first = NULL;
	size_t	 i;

	json_array_foreach(json_object_get(index, "manifests"), i, d) {
		json_t		*pl = json_object_get(d, "platform");
		const char	*os = json_string_value(json_object_get(pl, "os"));
		const char	*ar = json_string_value(json_object_get(pl,
				    "architecture"));

		if (os && ar && !strcmp(os, "linux") && !strcmp(ar, "amd64"))
			return d;
		if (first == NULL)
			first = d;
	}
	return first;
}

static int
regpull_write(const char *dir, const char *digest, const char *body,
    size_t len, char *err, size_t errlen)
{
	char	path[4096];
	FILE	*f;
	int	 rv = -1;

	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, digest + 7);
	if ((f = fopen(path, "w")) == NULL)
		goto done;
	if (fwrite(body, 1, len, f) != len) {
		fclose(f);
		goto done;
	}
	if (fclose(f) == 0)
		rv = 0;
 done:
	if (rv == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return rv;
}

static int
regpull_blob(struct regclient *rc, const char *repo, const char *dir,
    json_t *desc, char *err, size_t errlen)
{
	const char	*dg = json_string_value(json_object_get(desc, "digest"));
	char		 path[4096];
	struct stat	 sb;

	if (!regclient_digest_ok(dg)) {
		snprintf(err, errlen, "%s: a descriptor without a sha256 "
		    "digest", repo);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, dg + 7);
	if (stat(path, &sb) == 0)
		return 0;	/* shared by two platforms: once is enough */
	return regclient_blob(rc, repo, dg, path, REGPULL_MAX_BLOB, err, errlen);
}

/* A manifest by ref, stored; then what it leads to. */
static int
regpull_manifest(struct regclient *rc, const char *repo, const char *ref,
    const char *dir, int all, const struct regpull_have *have, int depth,
    char digest[72], json_t **mout, char *err, size_t errlen)
{
	json_t	*m = NULL, *d;
	char	*body = NULL, cdg[72];
	size_t	 len, i;
	int	 rv = -1;

	if (regclient_manifest(rc, repo, ref, REGPULL_MAX_MANIFEST, &body, &len,
	    digest, err, errlen) == -1 ||
	    regpull_write(dir, digest, body, len, err, errlen) == -1)
		goto done;
	if ((m = json_loadb(body, len, 0, NULL)) == NULL || !json_is_object(m)) {
		snprintf(err, errlen, "%s:%s: the manifest is not JSON", repo,
		    ref);
		goto done;
	}
	if (json_is_array(json_object_get(m, "manifests"))) {
		if (depth >= REGPULL_MAX_DEPTH) {
			snprintf(err, errlen, "%s: indexes nested too deep",
			    repo);
			goto done;
		}
		json_array_foreach(json_object_get(m, "manifests"), i, d) {
			const char *cd = json_string_value(json_object_get(d,
			    "digest"));

			if (!all && d != regpull_pick(m))
				continue;
			if (cd == NULL || regpull_manifest(rc, repo, cd, dir,
			    all, have, depth + 1, cdg, NULL, err, errlen) == -1)
				goto done;
		}
	} else {
		if (regpull_blob(rc, repo, dir, json_object_get(m, "config"),
		    err, errlen) == -1)
			goto done;
		json_array_foreach(json_object_get(m, "layers"), i, d) {
			const char *ld = json_string_value(json_object_get(d,
			    "digest"));

			if (have != NULL && ld != NULL &&
			    have->have(have->arg, ld))
				continue;
			if (regpull_blob(rc, repo, dir, d, err, errlen) == -1)
				goto done;
		}
	}
	rv = 0;
	if (mout != NULL) {
		*mout = m;
		m = NULL;
	}
 done:
	json_decref(m);
	free(body);
	return rv;
}

int
regpull_layout(struct regclient *rc, const char *repo, const char *ref,
    const char *dir, int all, const struct regpull_have *have, char *err,
    size_t errlen)
{
	json_t	*m = NULL, *index = NULL;
	char	 path[4096], digest[72];
	struct stat sb;
	int	 rv = -1;

	snprintf(path, sizeof(path), "%s/blobs", dir);
	if (mkdir(path, 0700) == -1 ||
	    (snprintf(path, sizeof(path), "%s/blobs/sha256", dir),
	    mkdir(path, 0700) == -1)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (regpull_manifest(rc, repo, ref, dir, all, have, 0, digest, &m,
	    err, errlen) == -1)
		goto done;
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, digest + 7);
	if (stat(path, &sb) == -1)
		goto done;
	index = json_pack("{s:i, s:[{s:s?, s:s, s:I, s:{s:s}}]}",
	    "schemaVersion", 2, "manifests", "mediaType",
	    json_string_value(json_object_get(m, "mediaType")), "digest", digest,
	    "size", (json_int_t)sb.st_size, "annotations",
	    "org.opencontainers.image.ref.name",
	    strncmp(ref, "sha256:", 7) == 0 ? "latest" : ref);
	snprintf(path, sizeof(path), "%s/index.json", dir);
	if (index == NULL || json_dump_file(index, path, 0) == -1) {
		snprintf(err, errlen, "%s: cannot write", path);
		goto done;
	}
	rv = 0;
 done:
	json_decref(index);
	json_decref(m);
	return rv;
}
