/*
 * One client connection and the upstream connection it uses. Requests
 * are parsed with libhttp-parser as bytes arrive and relayed at once;
 * bodies stream in both directions under watermark backpressure, so no
 * body is ever held whole. Requests on one connection are served in
 * order: a pipelined request waits until the previous response is done.
 * The struct is session.c's own; the rest of the proxy sees a session
 * through the functions below.
 */
#ifndef PROXY_RELAY_SESSION_H
#define PROXY_RELAY_SESSION_H

#include <stdint.h>

#include "proxy/relay/relay.h"

struct bufferevent;
struct route;
struct server;
struct session;

/*
 * Start serving a connected (possibly TLS-accepting) bufferevent; the
 * server's accept function. 0, or -1 (bev is then the caller's).
 */
int		 session_new(struct server *, struct bufferevent *,
		    const char *peer);
/* Free now: only from outside any of the session's own callbacks. */
void		 session_free(struct session *, const char *reason);
/* Free every session of a server (shutdown). */
void		 session_free_all(struct server *);

/* What a hook may read of a session. */
uint64_t	 session_id(const struct session *);
struct server	*session_server(const struct session *);
const struct route *session_route(const struct session *);
/* The request method, as http_parser numbers it (HTTP_GET...). */
int		 session_method(const struct session *);
/* Does the request carry a body (Content-Length > 0, or chunked)? */
int		 session_request_has_body(const struct session *);
const char	*session_request_header(const struct session *, const char *);
const char	*session_response_header(const struct session *, const char *);
/* The registry's status for the request (the access probe's for ROUTE_STATUS). */
int		 session_status(const struct session *);
/* Record the status a local reply sends (access log). */
void		 session_set_status(struct session *, int);
/* The body the reply carries (access log). */
void		 session_set_response_bytes(struct session *, uint64_t);
/*
 * Add "name: value" to this request's answer if it is a success and the
 * registry did not send that header itself. 0, or -1 (no room, or a
 * value that would split the head).
 */
int		 session_add_response_header(struct session *, const char *name,
		    const char *value);
/* Does the client keep the connection open after this exchange? */
int		 session_keepalive(const struct session *);
/*
 * Must a reply the proxy writes itself close the connection? (HTTP/1.0
 * keep-alive is not confirmed by our replies.)
 */
int		 session_reply_closes(struct session *);

/* A held response is decided: relay it, or refuse it with msg. */
void		 session_release(struct session *, enum relay_decision,
		    const char *msg);
/* A held request (admit hook) is decided: send it on, or refuse it. */
void		 session_admit_release(struct session *, enum relay_decision,
		    const char *msg);
/*
 * A local reply the hook said would come later (it returned 1): reply
 * (moved from) is the whole response; the session goes on.
 */
struct evbuffer;
void		 session_local_release(struct session *, struct evbuffer *reply);
/* A tap that paused the client has caught up. */
void		 session_tap_resume(struct session *);

#endif
