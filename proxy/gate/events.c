#include "proxy/gate/events.h"
#include "store/db.h"
#include "conf/log.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* Bursts are written together, this long after their first event. */
#define EVENTS_FLUSH_SEC	1
/* "<16 hex: microseconds><8 hex: sequence>": key order is time order. */
#define EVENTS_KEY_LEN		25

struct event_rec {
	char	key[EVENTS_KEY_LEN];
	time_t	t;
	char	kind[16];
	char	repo[256];
	char	digest[72];
	char	user[64];
	char	reason[400];
	char	before[8];
	char	after[8];
	char	cause[24];
};

struct events {
	struct event_rec	 ring[EVENTS_MAX];
	size_t			 next;		/* where the next one goes */
	size_t			 n;		/* how many are kept */
	size_t			 unsaved;	/* the newest not in the store */
	unsigned int		 seq;
	int			 loaded;	/* the store's were read */
	struct event		*timer;
	struct store		*(*store)(void *);
	void			*arg;
};

static void	events_flush_cb(evutil_socket_t, short, void *);

struct events *
events_new(struct event_base *base, struct store *(*store)(void *),
    void *arg)
{
	struct events	*e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->store = store;
	e->arg = arg;
	if (base != NULL && (e->timer = evtimer_new(base, events_flush_cb,
	    e)) == NULL) {
		free(e);
		return NULL;
	}
	return e;
}

void
events_free(struct events *e)
{
	if (e == NULL)
		return;
	if (e->unsaved > 0)
		events_flush(e);
	if (e->timer != NULL)
		event_free(e->timer);
	free(e);
}

/* The ring's next slot, the oldest dropped when it is full. */
static struct event_rec *
events_slot(struct events *e)
{
	struct event_rec *r = &e->ring[e->next];

	memset(r, 0, sizeof(*r));
	e->next = (e->next + 1) % EVENTS_MAX;
	if (e->n < EVENTS_MAX)
		e->n++;
	return r;
}

#define EVENTS_COPY(r, f, v) \
	snprintf((r)->f, sizeof((r)->f), "%s", (v) ? (v) : "")

/* store_digest_range's callback: one stored event into the ring. */
static int
events_load_one(const char *key, const char *val, void *arg)
{
	struct events		*e = arg;
	struct event_rec	*r;
	json_t			*j;

	if (strlen(key) != EVENTS_KEY_LEN - 1 ||
	    (j = json_loads(val, 0, NULL)) == NULL)
		return 0;	/* not one of ours: skipped */
	r = events_slot(e);
	memcpy(r->key, key, EVENTS_KEY_LEN);
	r->t = (time_t)json_integer_value(json_object_get(j, "time"));
	EVENTS_COPY(r, kind, json_string_value(json_object_get(j, "kind")));
	EVENTS_COPY(r, repo, json_string_value(json_object_get(j,
	    "repository")));
	EVENTS_COPY(r, digest, json_string_value(json_object_get(j,
	    "digest")));
	EVENTS_COPY(r, user, json_string_value(json_object_get(j, "user")));
	EVENTS_COPY(r, reason, json_string_value(json_object_get(j,
	    "reason")));
	EVENTS_COPY(r, before, json_string_value(json_object_get(j,
	    "before")));
	EVENTS_COPY(r, after, json_string_value(json_object_get(j, "after")));
	EVENTS_COPY(r, cause, json_string_value(json_object_get(j, "cause")));
	json_decref(j);
	return 0;
}

/*
 * Once, when the store is first there: what an earlier run kept, older
 * than anything this run has added, in front of it.
 */
static void
events_load(struct events *e, struct store *st)
{
	struct event_rec	*mine;
	size_t			 n = e->n, i;

	e->loaded = 1;
	if ((mine = calloc(n ? n : 1, sizeof(*mine))) == NULL)
		return;
	for (i = 0; i < n; i++)
		mine[i] = e->ring[(e->next + EVENTS_MAX - n + i) % EVENTS_MAX];
	e->next = e->n = 0;
	if (store_digest_range(st, STORE_EVENTS, NULL, NULL, events_load_one,
	    e) == -1)
		log_warnx("events: the stored events cannot be read");
	for (i = 0; i < n; i++)
		*events_slot(e) = mine[i];
	free(mine);
}

static struct event_rec *
events_newest(struct events *e, size_t i)
{
	return &e->ring[(e->next + EVENTS_MAX - 1 - i) % EVENTS_MAX];
}

/* Collect the stored keys older than the ring's oldest (to drop). */
struct events_old {
	const char	*oldest;
	char		 (*keys)[EVENTS_KEY_LEN];
	size_t		 n, max;
};

static int
events_old_one(const char *key, const char *val, void *arg)
{
	struct events_old	*o = arg;

	if (strcmp(key, o->oldest) >= 0 || o->n == o->max)
		return 1;
	snprintf(o->keys[o->n++], EVENTS_KEY_LEN, "%s", key);
	return 0;
}

void
events_flush(struct events *e)
{
	struct store		*st;
	struct events_old	 old;
	size_t			 i;
	int			 failed = 0;

	if (e == NULL || (st = e->store(e->arg)) == NULL)
		return;
	if (!e->loaded)
		events_load(e, st);
	if (e->unsaved == 0)
		return;
	/* The ring is the store's picture: older keys go. */
	memset(&old, 0, sizeof(old));
	old.oldest = events_newest(e, e->n - 1)->key;
	old.max = e->unsaved;
	if (e->n == EVENTS_MAX && (old.keys = calloc(old.max,
	    EVENTS_KEY_LEN)) != NULL)
		store_digest_range(st, STORE_EVENTS, NULL, NULL,
		    events_old_one, &old);
	if (store_write_begin(st) == -1) {
		free(old.keys);
		return;		/* logged; tried again at the next event */
	}
	for (i = 0; i < old.n && !failed; i++)
		failed = store_digest_del(st, STORE_EVENTS, old.keys[i]) ==
		    STORE_ERROR;
	for (i = 0; i < e->unsaved && !failed; i++) {
		struct event_rec	*r = events_newest(e, i);
		json_t			*j = json_pack("{s:I, s:s, s:s, s:s, "
					    "s:s, s:s, s:s, s:s, s:s}", "time",
					    (json_int_t)r->t, "kind", r->kind,
					    "repository", r->repo, "digest",
					    r->digest, "user", r->user, "reason",
					    r->reason, "before", r->before,
					    "after", r->after, "cause",
					    r->cause);
		char			*text = j ? json_dumps(j,
					    JSON_COMPACT) : NULL;

		failed = text == NULL || store_digest_put(st, STORE_EVENTS,
		    r->key, text) != STORE_OK;
		free(text);
		json_decref(j);
	}
	free(old.keys);
	if (failed || store_write_commit(st) != STORE_OK) {
		store_write_abort(st);
		log_warnx("events: %zu events not written to the store (kept "
		    "in memory)", e->unsaved);
		return;
	}
	e->unsaved = 0;
}

static void
events_flush_cb(evutil_socket_t fd, short ev, void *arg)
{
	events_flush(arg);
}

void
events_add(struct events *e, const char *kind, const char *repo,
    const char *digest, const char *user, const char *reason,
    const char *before, const char *after, const char *cause)
{
	struct timeval		 tv = { EVENTS_FLUSH_SEC, 0 }, now;
	struct event_rec	*r;

	if (e == NULL)
		return;
	gettimeofday(&now, NULL);
	r = events_slot(e);
	snprintf(r->key, sizeof(r->key), "%016llx%08x", (unsigned long long)
	    now.tv_sec * 1000000ULL + (unsigned long long)now.tv_usec,
	    e->seq++);
	r->t = now.tv_sec;
	EVENTS_COPY(r, kind, kind);
	EVENTS_COPY(r, repo, repo);
	EVENTS_COPY(r, digest, digest);
	EVENTS_COPY(r, user, user);
	EVENTS_COPY(r, reason, reason);
	EVENTS_COPY(r, before, before);
	EVENTS_COPY(r, after, after);
	EVENTS_COPY(r, cause, cause);
	if (e->unsaved < EVENTS_MAX)
		e->unsaved++;
	if (e->timer != NULL && !evtimer_pending(e->timer, NULL))
		evtimer_add(e->timer, &tv);
}

json_t *
events_json(struct events *e, size_t limit)
{
	json_t	*out = json_array();
	size_t	 i;

	if (out == NULL || e == NULL)
		return out;
	/* An idle proxy's window shows what the last run kept. */
	if (!e->loaded)
		events_flush(e);
	if (limit == 0 || limit > e->n)
		limit = e->n;
	for (i = 0; i < limit; i++) {
		const struct event_rec *r = events_newest(e, i);

		json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:s, s:s, s:s, s:s, s:s}", "time", (json_int_t)r->t,
		    "kind", r->kind, "repository", r->repo, "digest", r->digest,
		    "user", r->user, "reason", r->reason, "before", r->before,
		    "after", r->after, "cause", r->cause));
	}
	return out;
}
