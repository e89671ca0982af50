/*
 * The proxy's own endpoints (/metrics, /portcullis/status/...): the
 * relay's local hook (proxy/relay/relay.h), one file per endpoint.
 */
#ifndef PROXY_ENDPOINT_ENDPOINT_H
#define PROXY_ENDPOINT_ENDPOINT_H

struct evbuffer;
struct session;

/* The local hook; arg is the struct gate. 0, or -1 (out of memory). */
int	endpoint_reply(void *arg, struct session *, struct evbuffer *out);

/* A session held for an endpoint's reply went away. */
void	endpoint_gone(void *arg, struct session *);

#endif
