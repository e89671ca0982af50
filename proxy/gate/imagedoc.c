#include "proxy/gate/imagedoc.h"
#include "proxy/gate/searchindex.h"
#include "conf/log.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The document without its packages, and the size it was cut from. */
static char *
imagedoc_cut(json_t *doc, size_t of)
{
	json_t	*cut;
	char	*text;

	/* Shallow: the copy shares every value but the package list. */
	if ((cut = json_copy(doc)) == NULL)
		return NULL;
	json_object_del(cut, "packages");
	json_object_set_new(cut, "verdict_copy_of", json_integer((json_int_t)of));
	text = json_dumps(cut, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(cut);
	return text;
}

void
imagedoc_put_copy(struct store *st, const char *digest, json_t *doc,
    size_t of)
{
	char	*cut = NULL;

	if (!json_is_object(doc) || (cut = imagedoc_cut(doc, of)) == NULL ||
	    store_digest_put(st, STORE_VERDICTS, digest, cut) != STORE_OK)
		/* The old copy no longer matches the size: it is not used. */
		log_warnx("store: no verdict copy of %s; its pulls parse the "
		    "whole document", digest);
	free(cut);
}

enum store_status
imagedoc_put(struct store *st, const char *digest, const char *text,
    json_t *doc)
{
	enum store_status	 s;
	size_t			 len = strlen(text);
	json_t			*parsed = NULL;

	if ((s = store_digest_put(st, STORE_IMAGES, digest, text)) != STORE_OK)
		return s;
	/* A pending document (no packages yet) files nothing to search. */
	if (doc == NULL && strstr(text, "\"packages\"") != NULL)
		doc = parsed = json_loads(text, 0, NULL);
	searchindex_image(st, digest, doc);
	if (len < IMAGEDOC_LARGE) {
		store_digest_del(st, STORE_VERDICTS, digest);
		json_decref(parsed);
		return s;
	}
	if (doc == NULL)
		doc = parsed = json_loads(text, 0, NULL);
	imagedoc_put_copy(st, digest, doc, len);
	json_decref(parsed);
	return s;
}

char *
imagedoc_verdict(struct store *st, const char *digest, const char *version)
{
	char		*text = NULL;
	json_t		*j = NULL;
	size_t		 size;
	const char	*v;

	if (st == NULL || digest == NULL ||
	    store_digest_get(st, STORE_VERDICTS, digest, &text) != STORE_OK ||
	    store_digest_size(st, STORE_IMAGES, digest, &size) != STORE_OK ||
	    (j = json_loads(text, 0, NULL)) == NULL)
		goto stale;
	v = json_string_value(json_object_get(j, "data_version"));
	if ((size_t)json_integer_value(json_object_get(j, "verdict_copy_of")) !=
	    size || json_is_true(json_object_get(j, "pending")) || v == NULL ||
	    strcmp(v, version) != 0)
		goto stale;
	json_decref(j);
	return text;
 stale:
	json_decref(j);
	free(text);
	return NULL;
}
