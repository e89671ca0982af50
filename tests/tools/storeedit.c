/*
 * Read or change one record of a proxy's store, as the tests need to
 * stand in for what an older build wrote there:
 *   storeedit STATE_DIR get layers|images|verdicts KEY    (record on stdout)
 *   storeedit STATE_DIR put layers|images|verdicts KEY    (record on stdin)
 *   storeedit STATE_DIR del layers|images|verdicts KEY
 *   storeedit STATE_DIR meta KEY VALUE
 *   storeedit STATE_DIR clone images KEY N
 * clone: N copies of image KEY's record (and its verdict copy, if it
 * has one) under new digests (KEY's first 48 hex digits and the copy's
 * number), each in a repository of its own (bench/imgN): a registry's
 * worth of judged images for the store benchmark. The search index is
 * marked to be rebuilt at the proxy's next start.
 * Run it only while no proxy has the store open for writing.
 */
#include "store/db.h"
#include "conf/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STOREEDIT_MAX	(64u << 20)
#define STOREEDIT_CHUNK	5000	/* copies per write transaction */

/* One copy of doc (a JSON image record) as image i, in the open write. */
static enum store_status
storeedit_copy(struct store *st, enum store_digest_db db, const char *key,
    json_t *doc, size_t i)
{
	char			 nk[80], repo[64], *out;
	enum store_status	 s;

	snprintf(nk, sizeof(nk), "sha256:%.48s%016zx", key + 7, i);
	snprintf(repo, sizeof(repo), "bench/img%zu", i);
	json_object_set_new(doc, "repository", json_string(repo));
	if ((out = json_dumps(doc, JSON_COMPACT)) == NULL)
		return STORE_ERROR;
	s = store_digest_put(st, db, nk, out);
	free(out);
	return s;
}

/* N copies of KEY's image record, in chunks, growing the map as needed. */
static int
storeedit_clone(struct store *st, const char *key, size_t n)
{
	char			*rec = NULL, *ver = NULL;
	json_t			*doc = NULL, *vdoc = NULL;
	size_t			 i, from = 0;
	enum store_status	 s = STORE_OK;
	int			 rv = -1;

	if (strlen(key) != 71 || strncmp(key, "sha256:", 7) != 0 ||
	    store_digest_get(st, STORE_IMAGES, key, &rec) != STORE_OK ||
	    (doc = json_loads(rec, 0, NULL)) == NULL)
		goto done;
	if (store_digest_get(st, STORE_VERDICTS, key, &ver) == STORE_OK &&
	    (vdoc = json_loads(ver, 0, NULL)) == NULL)
		goto done;
	while (from < n) {
		if (store_write_begin(st) == -1)
			goto done;
		for (i = from; i < n && i < from + STOREEDIT_CHUNK; i++) {
			if ((s = storeedit_copy(st, STORE_IMAGES, key, doc,
			    i)) != STORE_OK)
				break;
			if (vdoc != NULL && (s = storeedit_copy(st,
			    STORE_VERDICTS, key, vdoc, i)) != STORE_OK)
				break;
		}
		if (s == STORE_OK && (s = store_write_commit(st)) == STORE_OK) {
			from = i;
			continue;
		}
		store_write_abort(st);
		if (s != STORE_FULL || store_grow(st) == -1)
			goto done;
		s = STORE_OK;	/* the chunk again, in a bigger map */
	}
	/* The copies are not in the search index: the proxy files them. */
	if (store_write_begin(st) == -1)
		goto done;
	if (store_meta_put(st, "search_index", "0") != STORE_OK ||
	    store_write_commit(st) != STORE_OK) {
		store_write_abort(st);
		goto done;
	}
	rv = 0;
 done:
	json_decref(doc);
	json_decref(vdoc);
	free(rec);
	free(ver);
	return rv;
}

int
main(int argc, char **argv)
{
	struct store		*st = NULL;
	enum store_digest_db	 which;
	char			 path[4096], *rec = NULL;
	const char		*op = argc > 2 ? argv[2] : "";
	size_t			 n;
	int			 rv = 1;

	log_init(LOG_LEVEL_WARN);
	if ((argc != 5 && !(argc == 6 && strcmp(op, "clone") == 0)) ||
	    (strcmp(op, "meta") != 0 &&
	    strcmp(argv[3], "layers") != 0 && strcmp(argv[3], "images") != 0 &&
	    strcmp(argv[3], "verdicts") != 0)) {
		fprintf(stderr, "usage: storeedit STATE_DIR get|put|del "
		    "layers|images|verdicts KEY\n       storeedit STATE_DIR meta KEY "
		    "VALUE\n");
		return 2;
	}
	which = strcmp(argv[3], "layers") == 0 ? STORE_LAYERS :
	    strcmp(argv[3], "verdicts") == 0 ? STORE_VERDICTS : STORE_IMAGES;
	snprintf(path, sizeof(path), "%s/db", argv[1]);
	if ((st = store_open(path, strcmp(op, "get") == 0)) == NULL)
		goto done;
	if (strcmp(op, "get") == 0) {
		if (store_digest_get(st, which, argv[4], &rec) != STORE_OK)
			goto done;
		printf("%s\n", rec);
	} else if (strcmp(op, "put") == 0) {
		if ((rec = malloc(STOREEDIT_MAX + 1)) == NULL)
			goto done;
		n = fread(rec, 1, STOREEDIT_MAX, stdin);
		rec[n] = '\0';
		if (store_digest_put(st, which, argv[4], rec) != STORE_OK)
			goto done;
	} else if (strcmp(op, "del") == 0) {
		if (store_digest_del(st, which, argv[4]) != STORE_OK)
			goto done;
	} else if (strcmp(op, "clone") == 0) {
		if (storeedit_clone(st, argv[4], strtoul(argv[5], NULL, 10)) ==
		    -1)
			goto done;
	} else if (strcmp(op, "meta") == 0) {
		if (store_write_begin(st) == -1)
			goto done;
		if (store_meta_put(st, argv[3], argv[4]) != STORE_OK ||
		    store_write_commit(st) != STORE_OK) {
			store_write_abort(st);
			goto done;
		}
	} else
		goto done;
	rv = 0;
 done:
	free(rec);
	if (st != NULL)
		store_close(st);
	return rv;
}
