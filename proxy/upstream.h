/*
 * Connections to the registry behind us: plain TCP or TLS with SNI and
 * hostname verification, name resolution through evdns so the event
 * loop never blocks.
 */
#ifndef PROXY_UPSTREAM_H
#define PROXY_UPSTREAM_H

#include <stddef.h>

struct server;
struct bufferevent;

/*
 * Start connecting to the configured upstream. The bufferevent is
 * returned at once (writes queue until connected); its event callback
 * reports BEV_EVENT_CONNECTED or an error. NULL on immediate failure
 * (logged).
 */
struct bufferevent *upstream_connect(struct server *);
/* Human-readable reason for the last error on an upstream bufferevent. */
const char	*upstream_error(struct bufferevent *, char *buf, size_t len);

#endif
