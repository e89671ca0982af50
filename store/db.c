#include "store/db.h"
#include "conf/log.h"

#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct store {
	MDB_env		*env;
	MDB_dbi		 meta, adv, ids, layers, images, verdicts, grants;
	MDB_dbi		 search;
	MDB_dbi		 events;
	/* A read-only store of an older build may lack these. */
	int		 has_verdicts, has_grants, has_search, has_events;
	MDB_txn		*wtxn;		/* open write transaction, or NULL */
	int		 readonly;
	uint64_t	 mapsize;
	char		*path;
};

#define STORE_INITIAL_MAP	(64ULL << 20)

static int	store_begin_write(struct store *, MDB_txn **);
#define STORE_KEY_MAX		511	/* LMDB's default key limit */

static void
store_warn(const char *what, int rc)
{
	log_warnx("store: %s: %s", what, mdb_strerror(rc));
}

static int
store_dbis(struct store *st)
{
	MDB_txn	*txn;
	int	 rc, flags = st->readonly ? MDB_RDONLY : 0;
	char	 buf[16];

	if ((rc = mdb_txn_begin(st->env, NULL, flags, &txn)) != 0) {
		store_warn("begin", rc);
		return -1;
	}
	flags = st->readonly ? 0 : MDB_CREATE;
	if ((rc = mdb_dbi_open(txn, "meta", flags, &st->meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "adv", flags, &st->adv)) != 0 ||
	    (rc = mdb_dbi_open(txn, "ids", flags, &st->ids)) != 0 ||
	    (rc = mdb_dbi_open(txn, "layers", flags, &st->layers)) != 0 ||
	    (rc = mdb_dbi_open(txn, "images", flags, &st->images)) != 0) {
		store_warn("open databases", rc);
		mdb_txn_abort(txn);
		return -1;
	}
	/* Added later: a store opened read-only may not have them yet. */
	rc = mdb_dbi_open(txn, "verdicts", flags, &st->verdicts);
	st->has_verdicts = rc == 0;
	if (rc == 0 || (rc == MDB_NOTFOUND && st->readonly)) {
		rc = mdb_dbi_open(txn, "grants", flags, &st->grants);
		st->has_grants = rc == 0;
	}
	if (rc == 0 || (rc == MDB_NOTFOUND && st->readonly)) {
		rc = mdb_dbi_open(txn, "search", flags, &st->search);
		st->has_search = rc == 0;
	}
	if (rc == 0 || (rc == MDB_NOTFOUND && st->readonly)) {
		rc = mdb_dbi_open(txn, "events", flags, &st->events);
		st->has_events = rc == 0;
	}
	if (rc != 0 && !(rc == MDB_NOTFOUND && st->readonly)) {
		store_warn("open databases", rc);
		mdb_txn_abort(txn);
		return -1;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		store_warn("commit", rc);
		return -1;
	}
	/* Refuse data written by a different layout. */
	switch (store_meta_get(st, "schema", buf, sizeof(buf))) {
	case STORE_OK:
		if (strcmp(buf, STORE_SCHEMA_VERSION) != 0) {
			log_warnx("store %s: schema %s, this build reads %s",
			    st->path, buf, STORE_SCHEMA_VERSION);
			return -1;
		}
		return 0;
	case STORE_NOTFOUND:
		if (st->readonly)
			return 0;
		if (store_write_begin(st) == -1 ||
		    store_meta_put(st, "schema", STORE_SCHEMA_VERSION) !=
		    STORE_OK || store_write_commit(st) != STORE_OK) {
			store_write_abort(st);
			return -1;
		}
		return 0;
	default:
		return -1;
	}
}

struct store *
store_open(const char *dir, int readonly)
{
	struct store	*st;
	MDB_envinfo	 info;
	uint64_t	 initial = STORE_INITIAL_MAP;
	const char	*env = getenv("PORTCULLIS_STORE_MAP_MB");
	int		 rc;

	/* Tests start small to exercise growth. */
	if (env != NULL && atoi(env) > 0)
		initial = (uint64_t)atoi(env) << 20;

	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(dir)) == NULL) {
		log_warn("%s", __func__);
		free(st);
		return NULL;
	}
	st->readonly = readonly;
	if (!readonly && mkdir(dir, 0750) == -1 && errno != EEXIST) {
		log_warn("store: mkdir %s", dir);
		goto fail;
	}
	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, 16)) != 0 ||
	    (rc = mdb_env_set_maxreaders(st->env, 256)) != 0) {
		store_warn("create", rc);
		goto fail;
	}
	if ((rc = mdb_env_open(st->env, dir, (readonly ? MDB_RDONLY : 0) |
	    MDB_NOTLS, 0640)) != 0) {
		store_warn(dir, rc);
		goto fail;
	}
	/* Keep the file's size if it already grew past the initial map. */
	mdb_env_info(st->env, &info);
	st->mapsize = info.me_mapsize;
	if (st->mapsize < initial && !readonly) {
		if ((rc = mdb_env_set_mapsize(st->env, initial)) != 0) {
			store_warn("mapsize", rc);
			goto fail;
		}
		st->mapsize = initial;
	}
	if (store_dbis(st) == -1)
		goto fail;
	return st;
 fail:
	log_warnx("store: cannot open %s", dir);
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->wtxn != NULL)
		mdb_txn_abort(st->wtxn);
	if (st->env != NULL)
		mdb_env_close(st->env);
	free(st->path);
	free(st);
}

uint64_t
store_mapsize(struct store *st)
{
	return st->mapsize;
}

int
store_grow(struct store *st)
{
	int	rc;

	if (st->wtxn != NULL)
		return -1;
	if ((rc = mdb_env_set_mapsize(st->env, st->mapsize * 2)) != 0) {
		store_warn("grow", rc);
		return -1;
	}
	st->mapsize *= 2;
	log_info("store: map grown to %llu MiB",
	    (unsigned long long)(st->mapsize >> 20));
	return 0;
}

int
store_write_begin(struct store *st)
{
	int	rc;

	if (st->wtxn != NULL || st->readonly)
		return -1;
	if ((rc = store_begin_write(st, &st->wtxn)) != 0) {
		store_warn("begin write", rc);
		st->wtxn = NULL;
		return -1;
	}
	return 0;
}

enum store_status
store_write_commit(struct store *st)
{
	int	rc;

	if (st->wtxn == NULL)
		return STORE_ERROR;
	rc = mdb_txn_commit(st->wtxn);
	st->wtxn = NULL;
	if (rc == MDB_MAP_FULL)
		return STORE_FULL;
	if (rc != 0) {
		store_warn("commit", rc);
		return STORE_ERROR;
	}
	return STORE_OK;
}

int
store_write_retry(struct store *st, int (*stage)(struct store *, void *),
    void *arg)
{
	int	tries, rv;

	for (tries = 0; tries < 12; tries++) {
		if (store_write_begin(st) == -1)
			return -1;
		if ((rv = stage(st, arg)) == 0) {
			switch (store_write_commit(st)) {
			case STORE_OK:
				return 0;
			case STORE_FULL:
				rv = -2;
				break;
			default:
				return -1;
			}
		}
		store_write_abort(st);
		if (rv != -2 || store_grow(st) == -1)
			return -1;
	}
	log_warnx("store: keeps filling up; giving up");
	return -1;
}

void
store_write_abort(struct store *st)
{
	if (st->wtxn != NULL)
		mdb_txn_abort(st->wtxn);
	st->wtxn = NULL;
}

/*
 * A read transaction. Another process may have grown the map since we
 * opened it: adopt the new size and try again.
 */
static int
store_begin_read(struct store *st, MDB_txn **txn)
{
	int	rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);

	if (rc == MDB_MAP_RESIZED && mdb_env_set_mapsize(st->env, 0) == 0)
		rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
	return rc;
}

/* A write transaction, adopting a map another process has grown. */
static int
store_begin_write(struct store *st, MDB_txn **txn)
{
	int	rc = mdb_txn_begin(st->env, NULL, 0, txn);

	if (rc == MDB_MAP_RESIZED && mdb_env_set_mapsize(st->env, 0) == 0)
		rc = mdb_txn_begin(st->env, NULL, 0, txn);
	return rc;
}

static enum store_status
store_rc(const char *what, int rc)
{
	if (rc == 0)
		return STORE_OK;
	if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL)
		return STORE_FULL;
	if (rc == MDB_NOTFOUND)
		return STORE_NOTFOUND;
	store_warn(what, rc);
	return STORE_ERROR;
}

enum store_status
store_meta_put(struct store *st, const char *key, const char *value)
{
	MDB_val	k = { strlen(key), (void *)key };
	MDB_val	v = { strlen(value), (void *)value };

	if (st->wtxn == NULL)
		return STORE_ERROR;
	return store_rc("meta put", mdb_put(st->wtxn, st->meta, &k, &v, 0));
}

enum store_status
store_meta_get(struct store *st, const char *key, char *buf, size_t len)
{
	MDB_txn			*txn;
	MDB_val			 k = { strlen(key), (void *)key }, v;
	enum store_status	 s;
	int			 rc;

	/* Inside an open write transaction: read what it wrote too. */
	if ((txn = st->wtxn) == NULL &&
	    (rc = store_begin_read(st, &txn)) != 0)
		return store_rc("begin read", rc);
	s = store_rc("meta get", mdb_get(txn, st->meta, &k, &v));
	if (s == STORE_OK) {
		/* Copy out before the transaction ends. */
		size_t n = v.mv_size < len - 1 ? v.mv_size : len - 1;
		memcpy(buf, v.mv_data, n);
		buf[n] = '\0';
	}
	if (txn != st->wtxn)
		mdb_txn_abort(txn);
	return s;
}

/*
 * "<eco>\0<pkg>\0<id>\0<seq>" into buf (without id: the prefix of every
 * advisory for the package). A record may list the same package in
 * several affected[] entries, hence seq. Returns length, 0 if too long.
 */
static size_t
store_adv_key(char *buf, const char *eco, const char *pkg, const char *id,
    unsigned int seq)
{
	size_t	le = strlen(eco), lp = strlen(pkg);
	size_t	li = id != NULL ? strlen(id) : 0;
	size_t	n = le + 1 + lp + 1;
	char	sq[16];
	int	ls = 0;

	if (id != NULL)
		ls = snprintf(sq, sizeof(sq), "%u", seq);
	if (n + (id ? li + 1 + (size_t)ls : 0) > STORE_KEY_MAX)
		return 0;
	memcpy(buf, eco, le + 1);
	memcpy(buf + le + 1, pkg, lp + 1);
	if (id != NULL) {
		memcpy(buf + n, id, li);
		buf[n + li] = '\0';
		memcpy(buf + n + li + 1, sq, (size_t)ls);
		n += li + 1 + (size_t)ls;
	}
	return n;
}

enum store_status
store_adv_put(struct store *st, const char *id, unsigned int seq,
    const char *eco, const char *pkg, const char *json)
{
	char			 key[STORE_KEY_MAX + 1];
	MDB_val			 k, v, ik, iv;
	char			*list = NULL;
	size_t			 klen;
	enum store_status	 s;

	if (st->wtxn == NULL)
		return STORE_ERROR;
	if ((klen = store_adv_key(key, eco, pkg, id, seq)) == 0) {
		log_warnx("store: advisory %s: key too long, skipped", id);
		return STORE_OK;
	}
	k.mv_size = klen;
	k.mv_data = key;
	v.mv_size = strlen(json);
	v.mv_data = (void *)json;
	if ((s = store_rc("adv put", mdb_put(st->wtxn, st->adv, &k, &v,
	    0))) != STORE_OK)
		return s;
	/* Remember the key under the id: a list of length-prefixed keys. */
	ik.mv_size = strlen(id);
	ik.mv_data = (void *)id;
	s = store_rc("ids get", mdb_get(st->wtxn, st->ids, &ik, &iv));
	if (s == STORE_ERROR || s == STORE_FULL)
		return s;
	if (s == STORE_NOTFOUND)
		iv.mv_size = 0;
	if ((list = malloc(iv.mv_size + 2 + klen)) == NULL)
		return STORE_ERROR;
	if (iv.mv_size > 0)
		memcpy(list, iv.mv_data, iv.mv_size);
	list[iv.mv_size] = (char)(klen >> 8);
	list[iv.mv_size + 1] = (char)(klen & 0xff);
	memcpy(list + iv.mv_size + 2, key, klen);
	iv.mv_size += 2 + klen;
	iv.mv_data = list;
	s = store_rc("ids put", mdb_put(st->wtxn, st->ids, &ik, &iv, 0));
	free(list);
	return s;
}

enum store_status
store_adv_forget(struct store *st, const char *id)
{
	MDB_val			 ik = { strlen(id), (void *)id }, iv, k;
	enum store_status	 s;
	unsigned char		*list;
	size_t			 off = 0, klen;

	if (st->wtxn == NULL)
		return STORE_ERROR;
	s = store_rc("ids get", mdb_get(st->wtxn, st->ids, &ik, &iv));
	if (s != STORE_OK)
		return s == STORE_NOTFOUND ? STORE_OK : s;
	/* The value lives in the map; copy before we write. */
	if ((list = malloc(iv.mv_size)) == NULL)
		return STORE_ERROR;
	memcpy(list, iv.mv_data, iv.mv_size);
	while (off + 2 <= iv.mv_size) {
		klen = ((size_t)list[off] << 8) | list[off + 1];
		if (off + 2 + klen > iv.mv_size)
			break;
		k.mv_size = klen;
		k.mv_data = list + off + 2;
		s = store_rc("adv del", mdb_del(st->wtxn, st->adv, &k, NULL));
		if (s != STORE_OK && s != STORE_NOTFOUND)
			goto done;
		off += 2 + klen;
	}
	s = store_rc("ids del", mdb_del(st->wtxn, st->ids, &ik, NULL));
	if (s == STORE_NOTFOUND)
		s = STORE_OK;
 done:
	free(list);
	return s;
}

int
store_adv_each(struct store *st, const char *eco, const char *pkg,
    int (*cb)(const char *, size_t, void *), void *arg)
{
	MDB_txn		*txn = NULL;
	MDB_cursor	*cur = NULL;
	MDB_val		 k, v;
	char		 prefix[STORE_KEY_MAX + 1], *copy;
	size_t		 plen;
	int		 rc, op, ret = -1;

	if ((plen = store_adv_key(prefix, eco, pkg, NULL, 0)) == 0)
		return 0;	/* no such key can exist */
	if ((rc = store_begin_read(st, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, st->adv, &cur)) != 0) {
		store_warn("read", rc);
		goto done;
	}
	k.mv_size = plen;
	k.mv_data = prefix;
	for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if ((copy = malloc(v.mv_size + 1)) == NULL)
			goto done;
		memcpy(copy, v.mv_data, v.mv_size);
		copy[v.mv_size] = '\0';
		rc = cb(copy, v.mv_size, arg);
		free(copy);
		if (rc == -1)
			goto done;
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		store_warn("cursor", rc);
		goto done;
	}
	ret = 0;
 done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	return ret;
}

uint64_t
store_adv_count(struct store *st)
{
	MDB_txn		*txn;
	MDB_stat	 ms;
	uint64_t	 n = 0;

	if (store_begin_read(st, &txn) != 0)
		return 0;
	if (mdb_stat(txn, st->adv, &ms) == 0)
		n = ms.ms_entries;
	mdb_txn_abort(txn);
	return n;
}

static MDB_dbi
store_digest_dbi(struct store *st, enum store_digest_db which)
{
	switch (which) {
	case STORE_LAYERS:
		return st->layers;
	case STORE_VERDICTS:
		return st->verdicts;
	case STORE_GRANTS:
		return st->grants;
	case STORE_SEARCH:
		return st->search;
	case STORE_EVENTS:
		return st->events;
	default:
		return st->images;
	}
}

/* A database this store has (an older read-only store lacks one). */
static int
store_digest_has(struct store *st, enum store_digest_db which)
{
	return (which != STORE_VERDICTS || st->has_verdicts) &&
	    (which != STORE_GRANTS || st->has_grants) &&
	    (which != STORE_SEARCH || st->has_search) &&
	    (which != STORE_EVENTS || st->has_events);
}

/*
 * Put json under digest, or remove digest (json NULL): inside the open
 * write transaction, or in one of its own.
 */
static enum store_status
store_digest_change(struct store *st, enum store_digest_db which,
    const char *digest, const char *json)
{
	MDB_val			 k = { strlen(digest), (void *)digest };
	MDB_val			 v = { json ? strlen(json) : 0, (void *)json };
	MDB_txn			*txn = st->wtxn;
	enum store_status	 s;
	int			 rc;

	if (k.mv_size == 0 || k.mv_size > STORE_KEY_MAX ||
	    !store_digest_has(st, which))
		return json ? STORE_ERROR : STORE_NOTFOUND;
	if (txn == NULL && (rc = store_begin_write(st, &txn)) != 0)
		return store_rc("begin write", rc);
	if (json != NULL)
		s = store_rc("digest put", mdb_put(txn,
		    store_digest_dbi(st, which), &k, &v, 0));
	else
		s = store_rc("digest del", mdb_del(txn,
		    store_digest_dbi(st, which), &k, NULL));
	if (txn != st->wtxn) {
		if (s == STORE_OK)
			s = store_rc("commit", mdb_txn_commit(txn));
		else
			mdb_txn_abort(txn);
	}
	return s;
}

enum store_status
store_digest_put(struct store *st, enum store_digest_db which,
    const char *digest, const char *json)
{
	return json ? store_digest_change(st, which, digest, json) :
	    STORE_ERROR;
}

enum store_status
store_digest_del(struct store *st, enum store_digest_db which,
    const char *digest)
{
	return store_digest_change(st, which, digest, NULL);
}

/*
 * Look digest up: the record's bytes into *json (malloc'd, NUL-ended)
 * when json is not NULL, its size into *size when size is not NULL.
 */
static enum store_status
store_digest_read(struct store *st, enum store_digest_db which,
    const char *digest, char **json, size_t *size)
{
	MDB_val			 k = { strlen(digest), (void *)digest }, v;
	MDB_txn			*txn;
	enum store_status	 s;
	int			 rc;

	if (k.mv_size == 0 || k.mv_size > STORE_KEY_MAX ||
	    !store_digest_has(st, which))
		return STORE_NOTFOUND;
	if ((rc = store_begin_read(st, &txn)) != 0)
		return store_rc("begin read", rc);
	s = store_rc("digest get", mdb_get(txn, store_digest_dbi(st, which),
	    &k, &v));
	if (s == STORE_OK && size != NULL)
		*size = v.mv_size;
	if (s == STORE_OK && json != NULL) {
		/* Copy out before the transaction ends. */
		if ((*json = malloc(v.mv_size + 1)) == NULL)
			s = STORE_ERROR;
		else {
			memcpy(*json, v.mv_data, v.mv_size);
			(*json)[v.mv_size] = '\0';
		}
	}
	mdb_txn_abort(txn);
	return s;
}

enum store_status
store_digest_get(struct store *st, enum store_digest_db which,
    const char *digest, char **json)
{
	*json = NULL;
	return store_digest_read(st, which, digest, json, NULL);
}

enum store_status
store_digest_size(struct store *st, enum store_digest_db which,
    const char *digest, size_t *size)
{
	/* The value stays in the map: nothing is copied. */
	*size = 0;
	return store_digest_read(st, which, digest, NULL, size);
}

/*
 * Records in key order: those starting with prefix, or (after != NULL)
 * those after that key. cb: -1 error; with pieces, 1 stops (returned);
 * anything else goes on.
 */
static int
store_digest_walk(struct store *st, enum store_digest_db which,
    const char *prefix, const char *after, int pieces,
    int (*cb)(const char *, const char *, void *), void *arg)
{
	MDB_txn		*txn = NULL;
	MDB_cursor	*cur = NULL;
	MDB_val		 k, v;
	char		*dk = NULL, *dv = NULL;
	size_t		 pl = prefix ? strlen(prefix) : 0;
	size_t		 al = after ? strlen(after) : 0;
	int		 rc, op, ret = -1;

	if (!store_digest_has(st, which))
		return 0;
	if ((rc = store_begin_read(st, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, store_digest_dbi(st, which), &cur)) !=
	    0) {
		store_warn("read", rc);
		goto done;
	}
	/* Keys sort bytewise: a prefix's keys are one run from its first. */
	k.mv_size = al ? al : pl;
	k.mv_data = (void *)(al ? after : prefix);
	for (op = al || pl ? MDB_SET_RANGE : MDB_FIRST; (rc = mdb_cursor_get(
	    cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		if (pl > 0 && (k.mv_size < pl ||
		    memcmp(k.mv_data, prefix, pl) != 0)) {
			rc = MDB_NOTFOUND;	/* past the run */
			break;
		}
		/* SET_RANGE lands on `after` itself when it is still there. */
		if (al > 0 && op == MDB_SET_RANGE && k.mv_size == al &&
		    memcmp(k.mv_data, after, al) == 0)
			continue;
		if ((dk = strndup(k.mv_data, k.mv_size)) == NULL ||
		    (dv = strndup(v.mv_data, v.mv_size)) == NULL)
			goto done;
		rc = cb(dk, dv, arg);
		free(dk);
		free(dv);
		dk = dv = NULL;
		if (rc == -1)
			goto done;
		if (rc == 1 && pieces) {
			ret = 1;
			goto done;
		}
	}
	ret = rc == MDB_NOTFOUND ? 0 : -1;
 done:
	free(dk);
	free(dv);
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	return ret;
}

int
store_digest_range(struct store *st, enum store_digest_db which,
    const char *prefix, const char *after,
    int (*cb)(const char *, const char *, void *), void *arg)
{
	return store_digest_walk(st, which, prefix, after, 1, cb, arg);
}

int
store_digest_each(struct store *st, enum store_digest_db which,
    const char *prefix, int (*cb)(const char *, const char *, void *),
    void *arg)
{
	return store_digest_walk(st, which, prefix, NULL, 0, cb, arg);
}

int
store_digest_each_after(struct store *st, enum store_digest_db which,
    const char *after, int (*cb)(const char *, const char *, void *),
    void *arg)
{
	return store_digest_walk(st, which, NULL, after, 1, cb, arg);
}

int
store_build_once(struct store *st, const char *meta, enum store_digest_db db,
    int (*cb)(const char *, const char *, void *),
    int (*write)(struct store *, void *), void *arg)
{
	char	have[8] = "";

	if (store_meta_get(st, meta, have, sizeof(have)) == STORE_OK &&
	    strcmp(have, "1") == 0)
		return 0;
	if (store_digest_each(st, db, NULL, cb, arg) == -1 ||
	    store_write_begin(st) == -1)
		return -1;
	if (write(st, arg) == -1 || store_meta_put(st, meta, "1") != STORE_OK ||
	    store_write_commit(st) != STORE_OK) {
		store_write_abort(st);
		return -1;
	}
	return 0;
}

#define STORE_SEV_PREFIX	"sev:"

static MDB_dbi
store_part_dbi(struct store *st, enum store_adv_part part)
{
	switch (part) {
	case STORE_PART_ADV:
		return st->adv;
	case STORE_PART_IDS:
		return st->ids;
	case STORE_PART_SEV:
		break;
	}
	return st->meta;
}

int
store_adv_dump(struct store *st, int (*cb)(enum store_adv_part, const void *,
    size_t, const void *, size_t, void *), void *arg)
{
	static const enum store_adv_part parts[] = { STORE_PART_ADV,
	    STORE_PART_IDS, STORE_PART_SEV };
	MDB_txn		*txn = NULL;
	MDB_cursor	*cur = NULL;
	MDB_val		 k, v;
	size_t		 i, pl = strlen(STORE_SEV_PREFIX);
	int		 rc, op, rv = -1;

	if ((rc = store_begin_read(st, &txn)) != 0) {
		store_warn("begin read", rc);
		return -1;
	}
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if ((rc = mdb_cursor_open(txn, store_part_dbi(st, parts[i]),
		    &cur)) != 0) {
			store_warn("cursor", rc);
			goto done;
		}
		op = MDB_FIRST;
		if (parts[i] == STORE_PART_SEV) {
			k.mv_size = pl;
			k.mv_data = (void *)STORE_SEV_PREFIX;
			op = MDB_SET_RANGE;
		}
		while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
			op = MDB_NEXT;
			if (parts[i] == STORE_PART_SEV && (k.mv_size < pl ||
			    memcmp(k.mv_data, STORE_SEV_PREFIX, pl) != 0))
				break;
			if (cb(parts[i], k.mv_data, k.mv_size, v.mv_data,
			    v.mv_size, arg) == -1)
				goto done;
		}
		if (rc != 0 && rc != MDB_NOTFOUND) {
			store_warn("dump", rc);
			goto done;
		}
		mdb_cursor_close(cur);
		cur = NULL;
	}
	rv = 0;
 done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rv;
}

enum store_status
store_adv_clear(struct store *st)
{
	MDB_cursor		*cur = NULL;
	MDB_val			 k = { strlen(STORE_SEV_PREFIX),
				    (void *)STORE_SEV_PREFIX }, v;
	size_t			 pl = strlen(STORE_SEV_PREFIX);
	enum store_status	 s;
	int			 rc;

	if (st->wtxn == NULL)
		return STORE_ERROR;
	if ((s = store_rc("adv drop", mdb_drop(st->wtxn, st->adv, 0))) !=
	    STORE_OK || (s = store_rc("ids drop", mdb_drop(st->wtxn, st->ids,
	    0))) != STORE_OK)
		return s;
	if ((s = store_rc("cursor", mdb_cursor_open(st->wtxn, st->meta,
	    &cur))) != STORE_OK)
		return s;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size >= pl && memcmp(k.mv_data,
	    STORE_SEV_PREFIX, pl) == 0) {
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
		if (rc == MDB_NOTFOUND || rc == EINVAL)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK :
	    store_rc("meta clear", rc);
}

enum store_status
store_adv_raw_put(struct store *st, enum store_adv_part part, const void *key,
    size_t klen, const void *val, size_t vlen)
{
	MDB_val	k = { klen, (void *)key }, v = { vlen, (void *)val };
	size_t	pl = strlen(STORE_SEV_PREFIX);

	if (st->wtxn == NULL || klen == 0 || klen > STORE_KEY_MAX)
		return STORE_ERROR;
	/* A copy's severities cannot overwrite this store's other meta. */
	if (part == STORE_PART_SEV && (klen < pl || memcmp(key,
	    STORE_SEV_PREFIX, pl) != 0))
		return STORE_ERROR;
	return store_rc("copy put", mdb_put(st->wtxn, store_part_dbi(st, part),
	    &k, &v, 0));
}
