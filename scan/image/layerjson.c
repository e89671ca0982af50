#include "scan/image/layerjson.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *
layerjson_config_dump(const char *config, size_t len)
{
	json_t	*w = json_pack("{s:s%}", "config", config, len);
	char	*doc = w ? json_dumps(w, JSON_COMPACT |
	    JSON_REAL_PRECISION(10)) : NULL;

	json_decref(w);
	return doc;
}

/* r->paths as base64 of 8 big-endian bytes each; NULL when none. */
static json_t *
lj_paths_dump(const struct layer_result *r)
{
	unsigned char	*raw = NULL;
	char		*b64 = NULL;
	json_t		*v = NULL;
	size_t		 i, k;

	if (r->npaths == 0 || r->npaths > LAYER_PATHS_MAX ||
	    (raw = malloc(r->npaths * 8)) == NULL ||
	    (b64 = malloc((r->npaths * 8 + 2) / 3 * 4 + 1)) == NULL)
		goto done;
	for (i = 0; i < r->npaths; i++)
		for (k = 0; k < 8; k++)
			raw[i * 8 + k] = (unsigned char)(r->paths[i] >>
			    (56 - 8 * k));
	EVP_EncodeBlock((unsigned char *)b64, raw, (int)(r->npaths * 8));
	v = json_string(b64);
 done:
	free(raw);
	free(b64);
	return v;
}

/* The other way; a value that is not such a list is left out. */
static int
lj_paths_load(json_t *v, struct layer_result *r)
{
	const char	*b64 = json_string_value(v);
	size_t		 n = b64 ? strlen(b64) : 0, len, i, k;
	unsigned char	*raw = NULL;
	int		 rv = 0;

	/* 8 bytes each: 4 base64 characters per 3 bytes, '=' padded. */
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > LAYER_PATHS_MAX * 8 + 2)
		return 0;
	len = n / 4 * 3 - (b64[n - 1] == '=') - (b64[n - 2] == '=');
	if (len % 8 != 0)
		return 0;
	if ((raw = malloc(n / 4 * 3)) == NULL ||
	    (r->paths = calloc(len / 8, sizeof(*r->paths))) == NULL) {
		rv = -1;
		goto done;
	}
	if (EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n) < 0) {
		free(r->paths);
		r->paths = NULL;
		goto done;
	}
	for (i = 0; i < len / 8; i++)
		for (k = 0; k < 8; k++)
			r->paths[i] = r->paths[i] << 8 | raw[i * 8 + k];
	r->npaths = len / 8;
	/* Sorted as written; sorted again, as lookups rely on it. */
	layer_paths_sort(r);
 done:
	free(raw);
	return rv;
}

char *
layerjson_dump(const struct layer_result *r)
{
	json_t	*j, *pk = json_array(), *db = json_array(), *wh = json_array();
	json_t	*fi = json_array();
	char	*s;
	size_t	 i;

	for (i = 0; i < r->pkgs.n; i++) {
		const struct pkg *p = &r->pkgs.v[i];

		json_array_append_new(pk, json_pack("[i, s, s, s?, s?, s, s?, b]",
		    (int)p->type, p->name, p->version, p->source,
		    p->source_version, p->path, p->owner, p->guessed));
	}
	for (i = 0; i < r->ndbs; i++)
		json_array_append_new(db, json_pack("[s, i]", r->dbs[i].path,
		    (int)r->dbs[i].kind));
	for (i = 0; i < r->nwhiteouts; i++)
		json_array_append_new(wh, json_string(r->whiteouts[i]));
	for (i = 0; i < r->findings.n; i++) {
		const struct finding *f = &r->findings.v[i];

		json_array_append_new(fi, json_pack("[i, s, s, i, s]",
		    (int)f->kind, f->rule, f->path, (int)f->line, f->detail));
	}
	j = json_pack("{s:s, s:b, s:i, s:o, s:o, s:o, s:o, s:{s:b, s:s, s:s, "
	    "s:s, s:s}}", "digest", r->digest, "complete", r->complete,
	    "scanner", r->scanner,
	    "pkgs", pk, "dbs", db, "whiteouts", wh, "findings", fi, "os",
	    "found", r->os.found, "id", r->os.id, "version_id",
	    r->os.version_id, "pretty", r->os.pretty, "path", r->os_path);
	if (j != NULL && r->npaths > 0)
		json_object_set_new(j, "paths", lj_paths_dump(r));
	s = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
	json_decref(j);
	return s;
}

static const char *
lj_str(json_t *a, size_t i)
{
	return json_string_value(json_array_get(a, i));
}

int
layerjson_load(const char *json, struct layer_result *r)
{
	json_t		*j = json_loads(json, 0, NULL), *x, *os;
	size_t		 i;
	int		 rv = -1;

	memset(r, 0, sizeof(*r));
	if (j == NULL || !json_is_object(j))
		goto done;
	snprintf(r->digest, sizeof(r->digest), "%s",
	    json_string_value(json_object_get(j, "digest")) ?
	    json_string_value(json_object_get(j, "digest")) : "");
	r->complete = json_is_true(json_object_get(j, "complete"));
	r->scanner = (int)json_integer_value(json_object_get(j, "scanner"));
	json_array_foreach(json_object_get(j, "pkgs"), i, x) {
		size_t n = r->pkgs.n;

		if (pkglist_add(&r->pkgs, (enum pkg_type)json_integer_value(
		    json_array_get(x, 0)), lj_str(x, 1), lj_str(x, 2),
		    lj_str(x, 3), lj_str(x, 4), lj_str(x, 5)) == -1)
			goto done;
		if (r->pkgs.n > n && lj_str(x, 6) != NULL &&
		    (r->pkgs.v[n].owner = strdup(lj_str(x, 6))) == NULL)
			goto done;
		if (r->pkgs.n > n)
			r->pkgs.v[n].guessed = json_is_true(json_array_get(x, 7));
	}
	json_array_foreach(json_object_get(j, "dbs"), i, x) {
		struct layer_db *nd = reallocarray(r->dbs, r->ndbs + 1,
		    sizeof(*nd));

		if (nd == NULL || lj_str(x, 0) == NULL)
			goto done;
		r->dbs = nd;
		if ((r->dbs[r->ndbs].path = strdup(lj_str(x, 0))) == NULL)
			goto done;
		r->dbs[r->ndbs++].kind = (enum catalog_kind)json_integer_value(
		    json_array_get(x, 1));
	}
	json_array_foreach(json_object_get(j, "whiteouts"), i, x) {
		char **nw = reallocarray(r->whiteouts, r->nwhiteouts + 1,
		    sizeof(*nw));

		if (nw == NULL || json_string_value(x) == NULL)
			goto done;
		r->whiteouts = nw;
		if ((r->whiteouts[r->nwhiteouts] = strdup(
		    json_string_value(x))) == NULL)
			goto done;
		r->nwhiteouts++;
	}
	if (lj_paths_load(json_object_get(j, "paths"), r) == -1)
		goto done;
	json_array_foreach(json_object_get(j, "findings"), i, x)
		if (findings_add(&r->findings, (enum finding_kind)
		    json_integer_value(json_array_get(x, 0)), lj_str(x, 1),
		    lj_str(x, 2), (unsigned)json_integer_value(
		    json_array_get(x, 3)), lj_str(x, 4)) == -1)
			goto done;
	os = json_object_get(j, "os");
	r->os.found = json_is_true(json_object_get(os, "found"));
	snprintf(r->os.id, sizeof(r->os.id), "%s",
	    json_string_value(json_object_get(os, "id")) ?: "");
	snprintf(r->os.version_id, sizeof(r->os.version_id), "%s",
	    json_string_value(json_object_get(os, "version_id")) ?: "");
	snprintf(r->os.pretty, sizeof(r->os.pretty), "%s",
	    json_string_value(json_object_get(os, "pretty")) ?: "");
	snprintf(r->os_path, sizeof(r->os_path), "%s",
	    json_string_value(json_object_get(os, "path")) ?: "");
	rv = 0;
 done:
	json_decref(j);
	if (rv == -1)
		layer_result_free(r);
	return rv;
}
