/*
 * The listening side: accepts connections (plain or TLS), owns the list
 * of sessions, pauses accepting when out of descriptors or over the
 * connection limit, and holds the relay's counters.
 */
#ifndef PROXY_RELAY_SERVER_H
#define PROXY_RELAY_SERVER_H

#include <sys/queue.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <openssl/ssl.h>

struct event_base;
struct evdns_base;
struct evconnlistener;
struct event;
struct conf;
struct relay_hooks;
struct peers;
struct session;

struct server_stats {
	uint64_t	connections;		/* accepted, total */
	uint64_t	requests;
	uint64_t	upstream_errors;
	uint64_t	client_errors;		/* 4xx we produced */
	uint64_t	bytes_from_client;
	uint64_t	bytes_to_client;
	uint64_t	bytes_spliced;		/* of those, moved in-kernel */
	uint64_t	throttle_events;
	uint64_t	refused_per_ip;		/* over max_connections_per_ip */
	uint64_t	head_timeouts;		/* heads not done in time */
};

struct server;
struct bufferevent;
/* Serve an accepted connection (session_new). 0, or -1: bev is freed. */
typedef int	(*server_accept_fn)(struct server *, struct bufferevent *,
		    const char *peer);

struct server {
	struct event_base	*base;
	struct evdns_base	*dns;
	struct conf		*conf;
	const struct relay_hooks *hooks;	/* NULL: a plain relay */
	server_accept_fn	 accept;
	SSL_CTX			*server_ctx;	/* NULL: plain HTTP */
	SSL_CTX			*upstream_ctx;	/* NULL: plain upstream */
	struct evconnlistener	*listener;
	struct event		*accept_timer;
	int			 accept_paused;
	TAILQ_HEAD(, session)	 sessions;
	uint64_t		 nsessions;
	uint64_t		 next_id;
	FILE			*access;	/* NULL: no access log */
	struct peers		*peers;		/* connections per address */
	struct server_stats	 stats;
	char			 bound[128];	/* host:port actually bound */
};

/*
 * Set up listener and TLS contexts on base; names resolve with dns;
 * accept serves each connection. conf and hooks stay the caller's. NULL
 * on error (logged).
 */
struct server	*server_new(struct event_base *, struct evdns_base *,
		    struct conf *, const struct relay_hooks *,
		    server_accept_fn accept);
/* The sessions must be gone first (session_free_all). */
void		 server_free(struct server *);
/*
 * A session from peer (the address it was accepted with) ended: update
 * counts and resume accepting if paused.
 */
void		 server_session_gone(struct server *, const char *peer);
/* Append the relay's counters, Prometheus text exposition, to out. */
struct evbuffer;
void		 server_metrics(struct server *, struct evbuffer *out);

#endif
