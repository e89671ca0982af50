/*
 * The LMDB store. One environment under <state_dir>/db with named
 * databases:
 *   meta   schema version, data version, import time
 *   adv    "<ecosystem>\0<package>\0<advisory id>\0<n>" -> advisory JSON,
 *          one row per affected[] entry
 *   ids    "<advisory id>" -> the adv keys it wrote, so a re-import or a
 *          withdrawal removes exactly what the record put there
 *   layers "<layer digest>" -> scan result JSON (packages, secrets, limits)
 *   images "<manifest digest>" -> verdict JSON (data version it was
 *          computed against, findings summary, decision)
 *   verdicts  a large image document without its packages
 *   grants "<manifest digest>" -> a break-glass grant
 *   search the search index's keys
 * LMDB gives us one writer and many readers that never block it, and a
 * commit is atomic: a writer killed mid-import leaves the old data.
 */
#ifndef STORE_DB_H
#define STORE_DB_H

#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION	"1"

struct store;

enum store_status {
	STORE_OK = 0,
	STORE_NOTFOUND = 1,
	STORE_ERROR = -1,
	STORE_FULL = -2		/* map full: grow and retry the transaction */
};

/* Open (creating) the store under dir. NULL on error (logged). */
struct store	*store_open(const char *dir, int readonly);
void		 store_close(struct store *);
/* Double the map size. Only between transactions. 0 or -1. */
int		 store_grow(struct store *);
uint64_t	 store_mapsize(struct store *);

/* The single write transaction of an import. */
int		 store_write_begin(struct store *);
enum store_status store_write_commit(struct store *);
void		 store_write_abort(struct store *);
/*
 * One whole import: stage(st, arg) fills the write transaction (0, -1
 * failed, -2 the map is full), which is then committed; a full map is
 * grown and the import staged again from the start, up to 12 times.
 * 0 committed, -1 nothing changed.
 */
int		 store_write_retry(struct store *,
		    int (*stage)(struct store *, void *), void *arg);
/* Within the write transaction. */
enum store_status store_adv_put(struct store *, const char *id,
		    unsigned int seq, const char *ecosystem,
		    const char *package, const char *json);
/* Remove everything advisory id put before (re-import, withdrawal). */
enum store_status store_adv_forget(struct store *, const char *id);
enum store_status store_meta_put(struct store *, const char *key,
		    const char *value);

/*
 * Call cb for every advisory JSON stored for (ecosystem, package), in a
 * read transaction. The string is copied; cb may keep nothing past its
 * return. cb returns 0 to go on, -1 to stop with an error.
 */
int		 store_adv_each(struct store *, const char *ecosystem,
		    const char *package,
		    int (*cb)(const char *json, size_t len, void *), void *arg);
/* Copy meta value into buf. STORE_OK, STORE_NOTFOUND or STORE_ERROR. */
enum store_status store_meta_get(struct store *, const char *key, char *buf,
		    size_t len);
/*
 * Digest-keyed results: layer findings and image verdicts. put/get run
 * in their own transactions (or the open write transaction for put).
 * get copies into a malloc'd NUL-terminated string the caller frees;
 * STORE_NOTFOUND when absent.
 */
/*
 * STORE_VERDICTS: a large image document without its package list,
 * what a pull decision reads (the gate keeps it in step).
 */
/*
 * STORE_GRANTS: break-glass grants by manifest digest (proxy/gate/
 * breakglass.c), written by the operator's command, read at pulls.
 */
/*
 * STORE_SEARCH: the search index (proxy/gate/searchindex.c), keys that
 * file each image under its advisories, packages and repositories.
 */
/*
 * STORE_EVENTS: the gate's recent events (proxy/gate/events.c), keyed
 * by time, so the operator's window survives a restart.
 */
enum store_digest_db { STORE_LAYERS, STORE_IMAGES, STORE_VERDICTS,
		    STORE_GRANTS, STORE_SEARCH, STORE_EVENTS };
enum store_status store_digest_put(struct store *, enum store_digest_db,
		    const char *digest, const char *json);
enum store_status store_digest_get(struct store *, enum store_digest_db,
		    const char *digest, char **json);
/* A record's size in bytes, without copying it. */
enum store_status store_digest_size(struct store *, enum store_digest_db,
		    const char *digest, size_t *size);
/* Remove a record; STORE_NOTFOUND when there was none. */
enum store_status store_digest_del(struct store *, enum store_digest_db,
		    const char *digest);
/*
 * Every record whose key starts with prefix (NULL: every record), in
 * key order, until cb returns -1. 0, or -1 on a read error or cb's -1.
 */
int		 store_digest_each(struct store *, enum store_digest_db,
		    const char *prefix,
		    int (*cb)(const char *digest, const char *json, void *),
		    void *arg);
/*
 * The same over every record from the first key after `after` (NULL:
 * the first key), for a walk done a piece at a time: cb returns 1 to
 * stop after its record. 1 stopped by cb, 0 at the end, -1 an error.
 */
int		 store_digest_each_after(struct store *,
		    enum store_digest_db, const char *after,
		    int (*cb)(const char *digest, const char *json, void *),
		    void *arg);

/*
 * Records whose key starts with prefix (NULL: any), from the first key
 * after `after` (NULL: from the start of the run), in key order: cb
 * returns 0 to go on, 1 to stop after its record, -1 to fail. 1
 * stopped by cb, 0 at the end of the run, -1 an error.
 */
int		 store_digest_range(struct store *, enum store_digest_db,
		    const char *prefix, const char *after,
		    int (*cb)(const char *key, const char *value, void *),
		    void *arg);

/*
 * Build something once per store: unless meta key says "1", walk db
 * (cb(key, value, arg), as store_digest_each), then in one write
 * transaction run write(st, arg) and set the meta key: whole, or redone
 * at the next call. 0, or -1 (nothing written).
 */
int		 store_build_once(struct store *, const char *meta,
		    enum store_digest_db,
		    int (*cb)(const char *digest, const char *json, void *),
		    int (*write)(struct store *, void *), void *arg);

/*
 * The advisory data as parts, for a copy of it made elsewhere (`db
 * export`, `db push`): the advisories, the index of them by id, and the
 * severities known by alias (meta "sev:*"). Everything else (results,
 * images, this store's own markers) is not advisory data.
 */
enum store_adv_part { STORE_PART_ADV, STORE_PART_IDS, STORE_PART_SEV };
/*
 * Every record of the advisory data, in one read transaction (a
 * consistent copy), until cb returns -1. 0, or -1.
 */
int		 store_adv_dump(struct store *,
		    int (*cb)(enum store_adv_part, const void *key,
		    size_t klen, const void *val, size_t vlen, void *),
		    void *arg);
/* Within the write transaction: drop all advisory data. */
enum store_status store_adv_clear(struct store *);
/* Within the write transaction: one record of a copy. */
enum store_status store_adv_raw_put(struct store *, enum store_adv_part,
		    const void *key, size_t klen, const void *val,
		    size_t vlen);

/* Number of advisory keys (for reporting). */
uint64_t	 store_adv_count(struct store *);

#endif
