#include "proxy/gate/events.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct event_rec {
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
	struct event_rec	ring[EVENTS_MAX];
	size_t			next;	/* where the next one goes */
	size_t			n;	/* how many are kept */
};

struct events *
events_new(void)
{
	return calloc(1, sizeof(struct events));
}

void
events_free(struct events *e)
{
	free(e);
}

void
events_add(struct events *e, const char *kind, const char *repo,
    const char *digest, const char *user, const char *reason,
    const char *before, const char *after, const char *cause)
{
	struct event_rec *r;

	if (e == NULL)
		return;
	r = &e->ring[e->next];
	memset(r, 0, sizeof(*r));
	r->t = time(NULL);
#define EVENTS_COPY(f, v) snprintf(r->f, sizeof(r->f), "%s", (v) ? (v) : "")
	EVENTS_COPY(kind, kind);
	EVENTS_COPY(repo, repo);
	EVENTS_COPY(digest, digest);
	EVENTS_COPY(user, user);
	EVENTS_COPY(reason, reason);
	EVENTS_COPY(before, before);
	EVENTS_COPY(after, after);
	EVENTS_COPY(cause, cause);
#undef EVENTS_COPY
	e->next = (e->next + 1) % EVENTS_MAX;
	if (e->n < EVENTS_MAX)
		e->n++;
}

json_t *
events_json(const struct events *e, size_t limit)
{
	json_t	*out = json_array();
	size_t	 i, k;

	if (out == NULL || e == NULL)
		return out;
	if (limit == 0 || limit > e->n)
		limit = e->n;
	for (i = 0; i < limit; i++) {
		const struct event_rec *r;

		k = (e->next + EVENTS_MAX - 1 - i) % EVENTS_MAX;
		r = &e->ring[k];
		json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:s, s:s, s:s, s:s, s:s}", "time", (json_int_t)r->t,
		    "kind", r->kind, "repository", r->repo, "digest", r->digest,
		    "user", r->user, "reason", r->reason, "before", r->before,
		    "after", r->after, "cause", r->cause));
	}
	return out;
}
