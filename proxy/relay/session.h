/*
 * One client connection and the upstream connection it uses. Requests
 * are parsed with libhttp-parser as bytes arrive and relayed at once;
 * bodies stream in both directions under watermark backpressure, so no
 * body is ever held whole. Requests on one connection are served in
 * order: a pipelined request waits until the previous response is done.
 */
#ifndef PROXY_RELAY_SESSION_H
#define PROXY_RELAY_SESSION_H

#include <sys/queue.h>
#include <sys/time.h>
#include <stdint.h>
#include <http_parser.h>

#include "proxy/http/httpmsg.h"
#include "proxy/http/route.h"

struct server;
struct bufferevent;
struct evbuffer;
struct upload;
struct event;
struct splice;

struct session {
	TAILQ_ENTRY(session)	 entry;
	struct server		*srv;
	uint64_t		 id;
	struct bufferevent	*cbev;		/* client */
	struct bufferevent	*ubev;		/* upstream, NULL until needed */
	http_parser		 cp;		/* client request parser */
	http_parser		 up;		/* upstream response parser */
	struct httpmsg		 req;
	struct httpmsg		 res;
	struct route		 route;
	char			 peer[64];

	/* Transaction state: one request/response pair at a time. */
	int			 in_txn;	/* request begun, reply not done */
	int			 req_complete;
	int			 req_chunked;	/* re-chunk body to upstream */
	int			 local;		/* answered by us, not upstream */
	int			 res_started;	/* head sent to client */
	int			 res_chunked;	/* re-chunk body to client */
	int			 res_until_close;
	int			 res_interim;	/* 1xx being relayed */
	int			 res_discard;	/* denied: upstream body dropped */
	int			 status_query;	/* our HEAD checks the caller's access */
	const char		*decision;	/* gate: "allow", "deny", NULL */
	int			 gate_hold;	/* response held for a scan */
	int			 res_head_held;	/* its head's last byte unparsed */
	int			 gate_hold_uploads; /* held for pushed layers */
	int			 gate_hold_kind;	/* enum gate_decision held for */
	struct event		*gate_timer;	/* gives up waiting for it */
	char			 deny_reason[800];
	int			 client_keepalive;
	int			 status;
	/*
	 * Content-Length bodies bypass the parser: the parser is told
	 * there is no body and the bytes move between evbuffers by
	 * reference, no copy. These count what is left to move.
	 */
	uint64_t		 req_raw_left;
	uint64_t		 res_raw_left;
	struct splice		*splice;	/* a raw body moving in-kernel */
	int			 splice_response; /* ... upstream to client */
	int			 clowat;	/* SO_RCVLOWAT set on client */
	int			 ulowat;	/* and on upstream */
	uint64_t		 req_body_bytes;
	uint64_t		 res_body_bytes;
	struct timeval		 t_start;

	/* Connection state. */
	int			 upstream_ready;	/* connected */
	int			 throttled_client;	/* client reads paused */
	int			 throttled_upstream;	/* upstream reads paused */
	int			 throttled_feed;	/* scanner behind: client paused */
	struct upload		*upload;	/* blob upload being scanned */
	struct evbuffer		*manifest;	/* PUT manifest body, bounded */
	int			 manifest_over;	/* larger than the bound */
	int			 depth;		/* nested callbacks running */
	int			 connecting;	/* inside upstream_connect */
	int			 connect_failed;
	int			 closing;	/* flush output, then free */
	int			 dead;		/* free at end of callback */
	const char		*close_reason;
};

/* Start serving a connected (possibly TLS-accepting) bufferevent. */
struct session	*session_new(struct server *, struct bufferevent *,
		    const char *peer);
/* Free now: only from outside any of the session's own callbacks. */
void		 session_free(struct session *, const char *reason);

#endif
