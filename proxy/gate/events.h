/*
 * The gate's recent events for the operator's window: pulls refused,
 * pulls an exception, VEX statement or break-glass let by, pushes
 * refused, and verdicts that flipped, newest first. A ring in memory
 * (the access log is the durable audit trail); the dashboard reads it
 * through /portcullis/v1/events.
 */
#ifndef PROXY_GATE_EVENTS_H
#define PROXY_GATE_EVENTS_H

#include <stddef.h>
#include <time.h>

#define EVENTS_MAX	2048

struct events;
struct json_t;

struct events	*events_new(void);
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
struct json_t	*events_json(const struct events *, size_t limit);

#endif
