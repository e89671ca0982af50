/*
 * Connections to the registry behind us: plain TCP or TLS with SNI and
 * hostname verification, name resolution through evdns so the event
 * loop never blocks.
 */
#ifndef PROXY_RELAY_UPSTREAM_H
#define PROXY_RELAY_UPSTREAM_H

#include <stddef.h>

struct server;
struct bufferevent;

/*
 * Start connecting to the configured upstream. The callbacks are set
 * before connecting, so the event callback may run (with an error)
 * before this returns. The bufferevent is returned at once (writes
 * queue until connected). NULL on immediate failure (logged).
 */
struct bufferevent *upstream_connect(struct server *,
		    void (*readcb)(struct bufferevent *, void *),
		    void (*writecb)(struct bufferevent *, void *),
		    void (*eventcb)(struct bufferevent *, short, void *),
		    void *arg);
/* Human-readable reason for the last error on an upstream bufferevent. */
const char	*upstream_error(struct bufferevent *, char *buf, size_t len);

#endif
