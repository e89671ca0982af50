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

/*
 * event is a JSON document (copied). Not sent by a fleet instance with
 * fleet.notify off.
 */
void	notify_webhooks(struct gate *, const char *event);
/*
 * An event's id: the hex sha256 of its defining fields joined with
 * newlines, so every instance of a fleet that sees the same change
 * names it alike and a receiver can drop repeats.
 */
void	notify_event_id(const char *const *fields, size_t n, char id[65]);
/* This instance's name in events: fleet.instance, else the host's. */
void	notify_instance(const struct gate *, char *name, size_t len);
/* Drop webhooks still in flight (shutdown). */
void	notify_shutdown(struct gate *);

#endif
