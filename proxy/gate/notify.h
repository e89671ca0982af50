/*
 * Webhooks: when a verdict changes (new advisory data turned an allowed
 * image into a denied one, or back), POST a JSON event to each
 * configured URL. Fire and forget, off the request path: a slow or dead
 * receiver never delays a pull; failures are logged.
 */
#ifndef PROXY_GATE_NOTIFY_H
#define PROXY_GATE_NOTIFY_H

struct server;

/* event is a JSON document (copied). */
void	notify_webhooks(struct server *, const char *event);
/* Drop webhooks still in flight (shutdown). */
void	notify_shutdown(struct server *);

#endif
