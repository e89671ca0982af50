/*
 * The LMDB store on its own: schema check, digest-keyed results,
 * iteration, growth, and a second reader seeing only committed data.
 */
#include "store/db.h"
#include "conf/log.h"
#include "tests/tap.h"

#include <stdlib.h>

struct walk {
	char	seen[512];
	int	n, stop;	/* stop after this many (0: never) */
};

static int
walk_cb(const char *digest, const char *json, void *arg)
{
	struct walk	*w = arg;

	(void)json;
	strncat(w->seen, digest, sizeof(w->seen) - strlen(w->seen) - 2);
	strcat(w->seen, ",");
	return w->stop > 0 && ++w->n >= w->stop ? 1 : 0;
}

static int
count_cb(const char *digest, const char *json, void *arg)
{
	(void)digest;
	(void)json;
	(*(int *)arg)++;
	return 0;
}

int
main(void)
{
	char		 dir[] = "/tmp/portcullis-store.XXXXXX", cmd[300];
	struct store	*st, *rd;
	char		*json = NULL, buf[32];
	int		 n = 0;

	log_init(LOG_LEVEL_ERROR);
	if (mkdtemp(dir) == NULL || (st = store_open(dir, 0)) == NULL)
		return 1;
	ok(store_meta_get(st, "schema", buf, sizeof(buf)) == STORE_OK &&
	    strcmp(buf, STORE_SCHEMA_VERSION) == 0, "schema version written");
	is_int(store_digest_put(st, STORE_LAYERS, "sha256:aaa",
	    "{\"packages\":3}"), STORE_OK, "layer result stored");
	is_int(store_digest_get(st, STORE_LAYERS, "sha256:aaa", &json),
	    STORE_OK, "layer result read back");
	is_str(json, "{\"packages\":3}", "same bytes");
	free(json);
	is_int(store_digest_get(st, STORE_IMAGES, "sha256:aaa", &json),
	    STORE_NOTFOUND, "databases are separate");
	is_int(store_digest_get(st, STORE_LAYERS, "", &json), STORE_NOTFOUND,
	    "empty digest is simply absent");

	/* A reader opened now sees nothing of an uncommitted write. */
	rd = store_open(dir, 1);
	ok(rd != NULL, "second handle opens read-only");
	store_write_begin(st);
	store_digest_put(st, STORE_IMAGES, "sha256:img1", "{\"ok\":true}");
	is_int(store_digest_get(rd, STORE_IMAGES, "sha256:img1", &json),
	    STORE_NOTFOUND, "uncommitted verdict invisible to readers");
	store_write_commit(st);
	is_int(store_digest_get(rd, STORE_IMAGES, "sha256:img1", &json),
	    STORE_OK, "committed verdict visible");
	free(json);
	store_digest_put(st, STORE_IMAGES, "sha256:img2", "{\"ok\":false}");
	store_digest_each(st, STORE_IMAGES, NULL, count_cb, &n);
	is_int(n, 2, "iteration sees every verdict");
	store_digest_put(st, STORE_IMAGES, "base:sha256:a@sha256:img1", "1");
	store_digest_put(st, STORE_IMAGES, "base:sha256:a@sha256:img2", "1");
	store_digest_put(st, STORE_IMAGES, "base:sha256:ab@sha256:img3", "1");
	store_digest_put(st, STORE_IMAGES, "base:sha256:b@sha256:img4", "1");
	n = 0;
	store_digest_each(st, STORE_IMAGES, "base:sha256:a@", count_cb, &n);
	is_int(n, 2, "a prefix sees its run of keys, and only it");
	n = 0;
	store_digest_each(st, STORE_IMAGES, "base:sha256:c@", count_cb, &n);
	is_int(n, 0, "a prefix past every key sees none");
	n = 0;
	store_digest_each(st, STORE_IMAGES, "base:", count_cb, &n);
	is_int(n, 4, "a shorter prefix sees them all");
	is_int(store_digest_del(st, STORE_IMAGES, "base:sha256:b@sha256:img4"),
	    STORE_OK, "a record is removed");
	is_int(store_digest_get(st, STORE_IMAGES, "base:sha256:b@sha256:img4",
	    &json), STORE_NOTFOUND, "and is gone");
	is_int(store_digest_del(st, STORE_IMAGES, "base:sha256:b@sha256:img4"),
	    STORE_NOTFOUND, "removing it again says so");
	/* A walk a piece at a time, as the monitor lists images. */
	{
		struct walk w = { "", 0, 2 };
		int rv;

		rv = store_digest_each_after(st, STORE_IMAGES, NULL, walk_cb,
		    &w);
		ok(rv == 1 && !strcmp(w.seen, "base:sha256:a@sha256:img1,"
		    "base:sha256:a@sha256:img2,"), "a walk stops where its "
		    "callback says (%d: %s)", rv, w.seen);
		w.seen[0] = '\0';
		w.stop = 0;
		rv = store_digest_each_after(st, STORE_IMAGES,
		    "base:sha256:a@sha256:img2", walk_cb, &w);
		ok(rv == 0 && !strcmp(w.seen, "base:sha256:ab@sha256:img3,"
		    "sha256:img1,sha256:img2,"), "and goes on after the last "
		    "key it saw, to the end (%d: %s)", rv, w.seen);
		w.seen[0] = '\0';
		rv = store_digest_each_after(st, STORE_IMAGES,
		    "base:sha256:a@sha256:img2x", walk_cb, &w);
		ok(rv == 0 && !strcmp(w.seen, "base:sha256:ab@sha256:img3,"
		    "sha256:img1,sha256:img2,"), "after a key removed since, "
		    "from the next one (%s)", w.seen);
	}
	ok(store_grow(st) == 0, "map grows between transactions");
	store_close(rd);
	store_close(st);

	/* Data written under another schema is refused, not misread. */
	st = store_open(dir, 0);
	store_write_begin(st);
	store_meta_put(st, "schema", "999");
	store_write_commit(st);
	store_close(st);
	ok(store_open(dir, 0) == NULL, "foreign schema version refused");

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
