/*
 * The gate's recent events for the operator's window: pulls refused,
 * pulls an exception, VEX statement or break-glass let by, pushes
 * refused, and verdicts that flipped, newest first. A ring in memory,
 * written to the store (its events database, keyed by time) a second
 * after each burst, so a restart keeps them; the dashboard reads them
 * through /portcullis/v1/events. The access log stays the whole audit
 * trail: these are the last EVENTS_MAX.
 */
#ifndef PROXY_GATE_EVENTS_H
#define PROXY_GATE_EVENTS_H

#include <stddef.h>
#include <time.h>

#define EVENTS_MAX	2048

struct event_base;
struct events;
struct json_t;
struct store;

/* store(arg): the store to keep them in, or NULL (not open now). */
struct events	*events_new(struct event_base *,
		    struct store *(*store)(void *), void *arg);
/* Write what is not written yet, then free. */
void		 events_free(struct events *);
/*
 * Remember one: kind "deny", "excepted", "breakglass", "push-refused"
 * or "flip"; strings may be NULL; before/after/cause only for flips.
 */
void		 events_add(struct events *, const char *kind,
		    const char *repo, const char *digest, const char *user,
		    const char *reason, const char *before, const char *after,
		    const char *cause);
/* The last limit events (all: 0), newest first, as a JSON array. */
struct json_t	*events_json(struct events *, size_t limit);
/* Write now what is not written yet (at shutdown, before the store goes). */
void		 events_flush(struct events *);

#endif
