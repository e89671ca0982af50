#include "proxy/gate/searchindex.h"
#include "store/db.h"
#include "conf/log.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* LMDB's key limit, less room: a longer key is not filed. */
#define SEARCHINDEX_KEY_MAX	480

/* kind SEP a SEP b into out; -1 if it does not fit. */
static int
searchindex_key(char *out, size_t len, int kind, const char *a,
    const char *b)
{
	int n = snprintf(out, len, "%c" SEARCHINDEX_SEP "%s" SEARCHINDEX_SEP
	    "%s", kind, a, b);

	return n < 0 || (size_t)n >= len || n > SEARCHINDEX_KEY_MAX ? -1 : 0;
}

/* An advisory id as filed and asked for: upper case. */
static void
searchindex_upper(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)toupper((unsigned char)*s);
}

/* File the image under one advisory id or alias (len bytes of id). */
static void
searchindex_advisory(json_t *keys, const char *id, size_t len,
    const char *digest)
{
	char	key[SEARCHINDEX_KEY_MAX + 32], up[160];

	snprintf(up, sizeof(up), "%.*s", (int)len, id);
	searchindex_upper(up);
	if (up[0] != '\0' && searchindex_key(key, sizeof(key),
	    SEARCHINDEX_ADVISORY, up, digest) == 0)
		json_object_set_new(keys, key, json_string(""));
}

/* The keys (and values) an image document files, into keys. */
static void
searchindex_keys(json_t *doc, const char *digest, json_t *keys)
{
	json_t		*x;
	size_t		 i;
	char		 key[SEARCHINDEX_KEY_MAX + 32];

	json_array_foreach(json_object_get(doc, "vulnerabilities"), i, x) {
		const char *id = json_string_value(json_object_get(x, "id"));
		const char *al = json_string_value(json_object_get(x,
		    "aliases"));

		if (id != NULL)
			searchindex_advisory(keys, id, strlen(id), digest);
		/* Each of the comma-separated aliases too. */
		while (al != NULL && *al != '\0') {
			size_t l = strcspn(al, ",");

			searchindex_advisory(keys, al, l, digest);
			al += l + (al[l] == ',');
		}
	}
	json_array_foreach(json_object_get(doc, "packages"), i, x) {
		const char	*name = json_string_value(json_object_get(x,
				    "name"));
		const char	*type = json_string_value(json_object_get(x,
				    "type"));
		const char	*ver = json_string_value(json_object_get(x,
				    "version"));
		json_t		*have;
		char		*line;

		if (name == NULL || type == NULL || ver == NULL ||
		    searchindex_key(key, sizeof(key), SEARCHINDEX_PACKAGE,
		    name, digest) == -1)
			continue;
		if (asprintf(&line, "%s %s\n", type, ver) == -1)
			continue;
		/* One key per package name, each version it has a line. */
		have = json_object_get(keys, key);
		if (have == NULL)
			json_object_set_new(keys, key, json_string(line));
		else if (strstr(json_string_value(have), line) == NULL &&
		    json_string_length(have) < 4096) {
			char *both;

			if (asprintf(&both, "%s%s", json_string_value(have),
			    line) != -1) {
				json_object_set_new(keys, key, json_string(both));
				free(both);
			}
		}
		free(line);
	}
}

/* One image's keys, what was filed for it before, and whether they differ. */
struct searchindex_entry {
	char	 digest[80];
	json_t	*keys;		/* key -> value */
	char	*old;		/* the "l" record: "h:HASH", then keys */
	char	 hash[65];	/* sha256 of the keys and values */
	/*
	 * The document's repository: its pairs are written with the keys
	 * but kept apart from them (never replaced), since the same image
	 * pushed to another repository is filed there too.
	 */
	char	 repo[256];
};

static void
searchindex_entry_free(struct searchindex_entry *e)
{
	json_decref(e->keys);
	free(e->old);
	e->keys = NULL;
	e->old = NULL;
}

/*
 * An image's keys into e. 1 they differ from what is filed (write
 * them), 0 the same (a sweep's rewrite of the document costs no
 * write), -1 error.
 */
static int
searchindex_prepare(struct store *st, const char *digest, json_t *doc,
    struct searchindex_entry *e)
{
	unsigned char	 md[32];
	char		 lkey[128], *all;
	const char	*repo = json_string_value(json_object_get(doc,
			    "repository"));
	size_t		 i;

	memset(e, 0, sizeof(*e));
	snprintf(e->digest, sizeof(e->digest), "%s", digest);
	if ((e->keys = json_object()) == NULL)
		return -1;
	searchindex_keys(doc, digest, e->keys);
	snprintf(e->repo, sizeof(e->repo), "%s", repo ? repo : "");
	if ((all = json_dumps(e->keys, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return -1;
	EVP_Digest(all, strlen(all), md, NULL, EVP_sha256(), NULL);
	free(all);
	for (i = 0; i < sizeof(md); i++)
		snprintf(e->hash + 2 * i, 3, "%02x", md[i]);
	snprintf(lkey, sizeof(lkey), "l" SEARCHINDEX_SEP "%s", digest);
	if (store_digest_get(st, STORE_SEARCH, lkey, &e->old) == STORE_ERROR)
		return -1;
	return e->old == NULL || strncmp(e->old, "h:", 2) != 0 ||
	    strncmp(e->old + 2, e->hash, 64) != 0;
}

/* In the open write: e's old keys out, its new ones in. */
static int
searchindex_stage_one(struct store *st, struct searchindex_entry *e)
{
	enum store_status	 s = STORE_OK;
	const char		*k;
	json_t			*v;
	char			 lkey[128], *p, *nl, *list = NULL;
	size_t			 len = 0;
	FILE			*f;

	for (p = e->old; p != NULL && *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		if (strncmp(p, "h:", 2) == 0)
			continue;
		*nl = '\0';
		s = store_digest_del(st, STORE_SEARCH, p);
		*nl = '\n';
		if (s == STORE_FULL)
			return -2;
		if (s == STORE_ERROR)
			return -1;
	}
	if ((f = open_memstream(&list, &len)) == NULL)
		return -1;
	fprintf(f, "h:%s\n", e->hash);
	json_object_foreach(e->keys, k, v) {
		s = store_digest_put(st, STORE_SEARCH, k, json_string_value(v));
		if (s != STORE_OK)
			break;
		fprintf(f, "%s\n", k);
	}
	if (fclose(f) != 0) {
		free(list);
		return -1;
	}
	snprintf(lkey, sizeof(lkey), "l" SEARCHINDEX_SEP "%s", e->digest);
	if (s == STORE_OK)
		s = store_digest_put(st, STORE_SEARCH, lkey, list);
	free(list);
	if (s == STORE_OK && e->repo[0] != '\0') {
		char key[SEARCHINDEX_KEY_MAX + 32];

		if (searchindex_key(key, sizeof(key), 'i', e->digest,
		    e->repo) == 0)
			s = store_digest_put(st, STORE_SEARCH, key, "");
		if (s == STORE_OK && searchindex_key(key, sizeof(key),
		    SEARCHINDEX_REPOSITORY, e->repo, e->digest) == 0)
			s = store_digest_put(st, STORE_SEARCH, key, "");
	}
	return s == STORE_OK ? 0 : s == STORE_FULL ? -2 : -1;
}

struct searchindex_batch {
	struct searchindex_entry	*e;
	size_t				 n;
};

/* store_write_retry's stage: every entry of the batch. */
static int
searchindex_stage(struct store *st, void *arg)
{
	struct searchindex_batch	*b = arg;
	size_t				 i;
	int				 rv;

	for (i = 0; i < b->n; i++)
		if ((rv = searchindex_stage_one(st, &b->e[i])) != 0)
			return rv;
	return 0;
}

void
searchindex_image(struct store *st, const char *digest, json_t *doc)
{
	struct searchindex_entry	 e;
	struct searchindex_batch	 b = { &e, 1 };
	int				 changed;

	if (st == NULL || digest == NULL || !json_is_array(json_object_get(doc,
	    "packages")))
		return;
	changed = searchindex_prepare(st, digest, doc, &e);
	if (changed == -1 || (changed == 1 &&
	    store_write_retry(st, searchindex_stage, &b) == -1))
		log_warnx("search: cannot index %s; searches miss it until "
		    "it is judged again", digest);
	else if (changed == 0)
		/* Only if it is not there yet (a read). */
		searchindex_repository(st, e.repo, digest);
	searchindex_entry_free(&e);
}

void
searchindex_repository(struct store *st, const char *repo,
    const char *digest)
{
	char	key[SEARCHINDEX_KEY_MAX + 32];
	int	tries;

	if (st == NULL || repo == NULL || digest == NULL || *repo == '\0')
		return;
	/* Both directions; an existing pair is not written again. */
	if (searchindex_key(key, sizeof(key), 'i', digest, repo) == -1 ||
	    store_digest_size(st, STORE_SEARCH, key, &(size_t){ 0 }) ==
	    STORE_OK)
		return;
	for (tries = 0; tries < 3; tries++) {
		enum store_status s = STORE_OK;

		if (store_write_begin(st) == -1)
			break;
		if ((s = store_digest_put(st, STORE_SEARCH, key, "")) ==
		    STORE_OK && searchindex_key(key, sizeof(key),
		    SEARCHINDEX_REPOSITORY, repo, digest) == 0)
			s = store_digest_put(st, STORE_SEARCH, key, "");
		if (s == STORE_OK && (s = store_write_commit(st)) == STORE_OK)
			return;
		if (s != STORE_OK)
			store_write_abort(st);
		searchindex_key(key, sizeof(key), 'i', digest, repo);
		if (s != STORE_FULL || store_grow(st) == -1)
			break;
	}
	log_warnx("search: cannot file %s under %s", digest, repo);
}

struct searchindex_walk {
	size_t	  plen;		/* of the prefix up to the term or digest */
	int	  by_term;	/* the prefix names no term: read it */
	int	(*cb)(const char *, const char *, const char *, const char *,
		    void *);
	void	 *arg;
};

static int
searchindex_found(const char *key, const char *val, void *arg)
{
	struct searchindex_walk	*w = arg;
	char			 term[SEARCHINDEX_KEY_MAX + 1];
	const char		*rest = key + w->plen, *sep;

	/* The last field is the digest, or (for "i") the repository. */
	if ((sep = strrchr(rest, SEARCHINDEX_SEP[0])) == NULL)
		return 0;
	snprintf(term, sizeof(term), "%.*s", (int)(sep - rest), rest);
	return w->cb(term, sep + 1, val, key, w->arg);
}

int
searchindex_each(struct store *st, enum searchindex_kind kind,
    const char *term, const char *after,
    int (*cb)(const char *, const char *, const char *, const char *,
    void *), void *arg)
{
	struct searchindex_walk	 w = { 0, term == NULL, cb, arg };
	char			 prefix[SEARCHINDEX_KEY_MAX + 32], up[200];
	int			 n;

	if (term != NULL && kind == SEARCHINDEX_ADVISORY) {
		snprintf(up, sizeof(up), "%s", term);
		searchindex_upper(up);
		term = up;
	}
	n = term != NULL ? snprintf(prefix, sizeof(prefix), "%c"
	    SEARCHINDEX_SEP "%s" SEARCHINDEX_SEP, kind, term) :
	    snprintf(prefix, sizeof(prefix), "%c" SEARCHINDEX_SEP, kind);
	if (n < 0 || (size_t)n >= sizeof(prefix))
		return 0;
	w.plen = 2;
	return store_digest_range(st, STORE_SEARCH, prefix, after,
	    searchindex_found, &w);
}

struct searchindex_repos {
	int	(*cb)(const char *, void *);
	void	*arg;
	size_t	 plen;
};

static int
searchindex_repo_found(const char *key, const char *val, void *arg)
{
	struct searchindex_repos *r = arg;

	return r->cb(key + r->plen, r->arg) == 0 ? 0 : 1;
}

int
searchindex_repositories(struct store *st, const char *digest,
    int (*cb)(const char *, void *), void *arg)
{
	struct searchindex_repos r = { cb, arg, 0 };
	char			 prefix[128];

	snprintf(prefix, sizeof(prefix), "i" SEARCHINDEX_SEP "%s"
	    SEARCHINDEX_SEP, digest);
	r.plen = strlen(prefix);
	return store_digest_range(st, STORE_SEARCH, prefix, NULL,
	    searchindex_repo_found, &r) == -1 ? -1 : 0;
}

/* Stores from before the index: every judged image's document. */
static int
searchindex_collect(const char *digest, const char *json, void *arg)
{
	json_t	*todo = arg;

	if (strncmp(digest, "sha256:", 7) == 0 && strstr(json,
	    "\"packages\"") != NULL)
		json_array_append_new(todo, json_string(digest));
	return 0;
}

/* Images filed per write transaction when a store is indexed whole. */
#define SEARCHINDEX_BATCH	1000

int
searchindex_build(struct store *st)
{
	struct searchindex_batch b = { NULL, 0 };
	json_t		*todo = json_array(), *d;
	char		 flag[8];
	size_t		 i, done = 0;
	int		 rv = -1;

	if (todo == NULL || (b.e = calloc(SEARCHINDEX_BATCH,
	    sizeof(*b.e))) == NULL)
		goto out;
	if (store_meta_get(st, "search_index", flag, sizeof(flag)) ==
	    STORE_OK && strcmp(flag, "1") == 0) {
		rv = 0;
		goto out;
	}
	if (store_digest_each(st, STORE_IMAGES, "sha256:", searchindex_collect,
	    todo) == -1)
		goto out;
	json_array_foreach(todo, i, d) {
		char	*text = NULL;
		json_t	*doc = NULL;

		if (store_digest_get(st, STORE_IMAGES, json_string_value(d),
		    &text) == STORE_OK && (doc = json_loads(text, 0,
		    NULL)) != NULL && searchindex_prepare(st,
		    json_string_value(d), doc, &b.e[b.n]) >= 0)
			b.n++;
		else
			searchindex_entry_free(&b.e[b.n]);
		json_decref(doc);
		free(text);
		if (b.n == SEARCHINDEX_BATCH || (i + 1 == json_array_size(todo) &&
		    b.n > 0)) {
			if (store_write_retry(st, searchindex_stage, &b) == -1)
				goto out;
			done += b.n;
			while (b.n > 0)
				searchindex_entry_free(&b.e[--b.n]);
		}
	}
	if (store_write_begin(st) == -1)
		goto out;
	if (store_meta_put(st, "search_index", "1") != STORE_OK ||
	    store_write_commit(st) != STORE_OK) {
		store_write_abort(st);
		goto out;
	}
	if (done > 0)
		log_info("search: %zu judged images indexed", done);
	rv = 0;
 out:
	while (b.e != NULL && b.n > 0)
		searchindex_entry_free(&b.e[--b.n]);
	free(b.e);
	json_decref(todo);
	return rv;
}
