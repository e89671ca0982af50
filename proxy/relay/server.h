/*
 * The listening side: accepts connections (plain or TLS), owns the list
 * of sessions, pauses accepting when out of descriptors or over the
 * connection limit, and holds the counters /metrics reports.
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
struct feed_budget;
struct session;
struct store;
struct upload;
struct notify;

struct server_stats {
	uint64_t	connections;		/* accepted, total */
	uint64_t	requests;
	uint64_t	upstream_errors;
	uint64_t	client_errors;		/* 4xx we produced */
	uint64_t	bytes_from_client;
	uint64_t	bytes_to_client;
	uint64_t	bytes_spliced;		/* of those, moved in-kernel */
	uint64_t	throttle_events;
	uint64_t	gate_allowed;
	uint64_t	gate_denied;
	uint64_t	gate_unknown;		/* no scan result recorded */
	uint64_t	gate_cached;		/* decided from the cache */
	uint64_t	scan_waits;		/* uploads paused for a scan */
	uint64_t	layers_scanned;		/* uploads scanned and recorded */
	uint64_t	readbacks;		/* lagging scans read back */
	uint64_t	readback_failures;	/* ... whose bytes never came */
	uint64_t	images_recorded;	/* manifests judged at first pull */
	uint64_t	images_rematched;	/* re-matched after new advisories */
	uint64_t	verdicts_changed;	/* ... and allow/deny flipped */
};

struct server {
	struct event_base	*base;
	struct evdns_base	*dns;
	struct conf		*conf;
	SSL_CTX			*server_ctx;	/* NULL: plain HTTP */
	SSL_CTX			*upstream_ctx;	/* NULL: plain upstream */
	SSL_CTX			*notify_ctx;	/* webhooks over https, lazily */
	struct evconnlistener	*listener;
	struct event		*accept_timer;
	int			 accept_paused;
	TAILQ_HEAD(, session)	 sessions;
	uint64_t		 nsessions;
	uint64_t		 next_id;
	FILE			*access;	/* NULL: no access log */
	struct server_stats	 stats;
	char			 bound[128];	/* host:port actually bound */
	struct store		*store;		/* NULL until it can be opened */
	time_t			 store_tried;
	TAILQ_HEAD(, upload)	 uploads;	/* being scanned */
	TAILQ_HEAD(, notify)	 notifies;	/* webhooks in flight */
	TAILQ_HEAD(, scanjob)	 scanjobs;	/* images the proxy pulls to scan */
	unsigned		 nscanjobs;
	struct monitor		*monitor;	/* re-evaluation on new data */
	struct gatecache	*gatecache;	/* decisions already made */
	struct feed_budget	*spill_budget;	/* disk for lagging scans */
	unsigned		 nuploads;
};

/*
 * Set up listener, TLS contexts and DNS on base. Takes ownership of
 * conf. NULL on error (logged).
 */
struct server	*server_new(struct event_base *, struct conf *);
void		 server_free(struct server *);
/* A session ended: update counts and resume accepting if paused. */
void		 server_session_gone(struct server *, struct session *);
/*
 * The store under state_dir, created on first use; NULL when it cannot be
 * opened (then retried at most every few seconds).
 */
struct store	*server_store(struct server *);
/* Write one JSON line to the access log (takes a JSON string). */
void		 server_access(struct server *, const char *line);
/* Append Prometheus text exposition of the counters to out. */
struct evbuffer;
void		 server_metrics(struct server *, struct evbuffer *out);

#endif
