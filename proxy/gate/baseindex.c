#include "proxy/gate/baseindex.h"
#include "store/db.h"
#include "conf/log.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

const char *
baseindex_first_layer(json_t *manifest)
{
	return json_string_value(json_object_get(json_array_get(
	    json_object_get(manifest, "layers"), 0), "digest"));
}

/*
 * The first layer of an image record: of its judged layers, or of the
 * manifest a pending record keeps. NULL for an index or junk.
 */
static const char *
baseindex_doc_first_layer(json_t *doc)
{
	json_t	*ld = json_object_get(doc, "layer_digests");

	if (ld != NULL)
		return json_string_value(json_array_get(ld, 0));
	return baseindex_first_layer(json_object_get(doc, "manifest"));
}

int
baseindex_key(const char *first_layer, const char *digest, char *out,
    size_t len)
{
	if (first_layer == NULL || digest == NULL ||
	    snprintf(out, len, BASEINDEX_PREFIX "%s@%s", first_layer,
	    digest) >= (int)len)
		return -1;
	return 0;
}

/* File digest under its first layer, where a base search looks. */
void
baseindex_put(struct store *st, const char *first_layer,
    const char *digest)
{
	char	key[BASEINDEX_KEY_LEN];

	if (baseindex_key(first_layer, digest, key,
	    sizeof(key)) == 0 && store_digest_put(st, STORE_IMAGES, key,
	    "1") != STORE_OK)
		log_warnx("record: cannot index %s by its first layer", digest);
}

/* Stores from before the index: file every recorded image once. */
static int
baseindex_collect(const char *digest, const char *json, void *arg)
{
	json_t	*todo = arg, *j;

	if (strncmp(digest, "sha256:", 7) != 0)
		return 0;
	if ((j = json_loads(json, 0, NULL)) != NULL &&
	    baseindex_doc_first_layer(j) != NULL)
		json_array_append_new(todo, json_pack("[s, s]", digest,
		    baseindex_doc_first_layer(j)));
	json_decref(j);
	return 0;
}

/* In the build's one transaction: every key, or nothing. */
static int
baseindex_write(struct store *st, void *arg)
{
	json_t	*todo = arg, *e;
	char	 key[BASEINDEX_KEY_LEN];
	size_t	 i;

	json_array_foreach(todo, i, e)
		if (baseindex_key(json_string_value(json_array_get(e, 1)),
		    json_string_value(json_array_get(e, 0)), key,
		    sizeof(key)) == 0 && store_digest_put(st, STORE_IMAGES,
		    key, "1") != STORE_OK)
			return -1;
	log_info("record: %zu recorded images indexed by their first layer",
	    json_array_size(todo));
	return 0;
}

int
baseindex_build(struct store *st)
{
	json_t	*todo = json_array();
	int	 rv = -1;

	if (todo != NULL)
		rv = store_build_once(st, "base_index", STORE_IMAGES,
		    baseindex_collect, baseindex_write, todo);
	json_decref(todo);
	return rv;
}
