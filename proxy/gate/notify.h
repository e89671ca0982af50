/*
 * Webhooks: when a verdict changes (new advisory data turned an allowed
 * image into a denied one, or back), POST a JSON event to each
 * configured URL. Fire and forget, off the request path: a slow or dead
 * receiver never delays a pull; failures are logged.
 */
#ifndef PROXY_GATE_NOTIFY_H
#define PROXY_GATE_NOTIFY_H

struct gate;

/* event is a JSON document (copied). */
void	notify_webhooks(struct gate *, const char *event);
/* Drop webhooks still in flight (shutdown). */
void	notify_shutdown(struct gate *);

#endif
