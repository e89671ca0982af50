/*
 * Webhooks: when a verdict changes (new advisory data turned an allowed
 * image into a denied one, or back), POST a JSON event to each
 * configured URL. Fire and forget, off the request path: a slow or dead
 * receiver never delays a pull; failures are logged.
 */
#ifndef PROXY_GATE_NOTIFY_H
#define PROXY_GATE_NOTIFY_H

#include <stddef.h>

struct gate;

struct json_t;

/*
 * Send event (taken) to every webhook, with "instance" (this proxy's
 * name) and "id": the hex sha256 of its defining fields, each followed
 * by a newline, so every instance of a fleet that sees the same change
 * names it alike and a receiver can drop repeats. Not sent by a fleet
 * instance with fleet.notify off.
 */
void	notify_event(struct gate *, struct json_t *event,
	    const char *const *fields, size_t n);
/* Drop webhooks still in flight (shutdown). */
void	notify_shutdown(struct gate *);

#endif
