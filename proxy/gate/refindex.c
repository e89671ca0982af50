#include "proxy/gate/refindex.h"
#include "store/db.h"
#include "conf/log.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

int
refindex_key(const char *blob, const char *manifest, char *out, size_t len)
{
	if (blob == NULL || manifest == NULL ||
	    snprintf(out, len, REFINDEX_PREFIX "%s@%s", blob, manifest) >=
	    (int)len)
		return -1;
	return 0;
}

int
refindex_blobs(json_t *m, int (*cb)(const char *blob, void *arg), void *arg)
{
	json_t		*l;
	const char	*dg;
	size_t		 i, n = json_array_size(json_object_get(m, "layers"));

	/* The config first, then the layers. */
	for (i = 0; i <= n; i++) {
		l = i == 0 ? json_object_get(m, "config") :
		    json_array_get(json_object_get(m, "layers"), i - 1);
		if ((dg = json_string_value(json_object_get(l, "digest"))) !=
		    NULL && cb(dg, arg) == -1)
			return -1;
	}
	return 0;
}

struct refindex_keying {
	const char	*digest;
	int		(*put)(const char *, void *);
	void		*arg;
};

static int
refindex_key_one(const char *blob, void *arg)
{
	struct refindex_keying	*k = arg;
	char			 key[REFINDEX_KEY_LEN];

	if (refindex_key(blob, k->digest, key, sizeof(key)) == -1)
		return 0;	/* no key fits: not filed */
	return k->put(key, k->arg);
}

int
refindex_keys(json_t *m, const char *digest,
    int (*put)(const char *key, void *arg), void *arg)
{
	struct refindex_keying	k = { digest, put, arg };

	return refindex_blobs(m, refindex_key_one, &k);
}

static int
refindex_put_one(const char *key, void *arg)
{
	return store_digest_put(arg, STORE_IMAGES, key, "1") == STORE_OK ?
	    0 : -1;
}

void
refindex_put(struct store *st, json_t *m, const char *digest)
{
	if (refindex_keys(m, digest, refindex_put_one, st) == -1)
		log_warnx("record: cannot index the blobs of %s", digest);
}

struct refindex_walk {
	size_t	 plen;
	int	(*cb)(const char *, void *);
	void	*arg;
};

static int
refindex_found(const char *key, const char *val, void *arg)
{
	struct refindex_walk	*w = arg;

	return w->cb(key + w->plen, w->arg);
}

int
refindex_each(struct store *st, const char *blob,
    int (*cb)(const char *manifest, void *arg), void *arg)
{
	char			prefix[REFINDEX_KEY_LEN];
	struct refindex_walk	w = { 0, cb, arg };

	if (snprintf(prefix, sizeof(prefix), REFINDEX_PREFIX "%s@", blob) >=
	    (int)sizeof(prefix))
		return -1;
	w.plen = strlen(prefix);
	return store_digest_each(st, STORE_IMAGES, prefix, refindex_found, &w);
}

/* Stores from before the index: the manifests pending records keep. */
static int
refindex_collect(const char *digest, const char *json, void *arg)
{
	json_t	*todo = arg, *j;

	if (strncmp(digest, "sha256:", 7) != 0)
		return 0;
	if ((j = json_loads(json, 0, NULL)) == NULL)
		return 0;
	if (json_is_object(json_object_get(j, "manifest")))
		json_array_append_new(todo, json_pack("[s, O]", digest,
		    json_object_get(j, "manifest")));
	else if (json_is_array(json_object_get(j, "layer_digests"))) {
		/* A judged image: the blobs its document names. */
		json_t	*m = json_pack("{s:{s:O*}, s:[]}", "config", "digest",
			    json_object_get(j, "config_digest"), "layers");
		json_t	*d;
		size_t	 i;

		json_array_foreach(json_object_get(j, "layer_digests"), i, d)
			json_array_append_new(json_object_get(m, "layers"),
			    json_pack("{s:O}", "digest", d));
		json_array_append_new(todo, json_pack("[s, o]", digest, m));
	}
	json_decref(j);
	return 0;
}

/* In the build's one transaction: every key, or nothing. */
static int
refindex_write(struct store *st, void *arg)
{
	json_t	*todo = arg, *e;
	size_t	 i;

	json_array_foreach(todo, i, e)
		if (refindex_keys(json_array_get(e, 1), json_string_value(
		    json_array_get(e, 0)), refindex_put_one, st) == -1)
			return -1;
	if (json_array_size(todo) > 0)
		log_info("record: the blobs of %zu recorded manifests indexed",
		    json_array_size(todo));
	return 0;
}

int
refindex_build(struct store *st)
{
	json_t	*todo = json_array();
	int	 rv = -1;

	if (todo != NULL)
		rv = store_build_once(st, "ref_index", STORE_IMAGES,
		    refindex_collect, refindex_write, todo);
	json_decref(todo);
	return rv;
}
