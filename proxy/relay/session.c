#include "proxy/relay/session.h"
#include "proxy/relay/relay.h"
#include "proxy/relay/server.h"
#include "proxy/relay/upstream.h"
#include "proxy/relay/splice.h"
#include "proxy/relay/accesslog.h"
#include "proxy/http/httpmsg.h"
#include "proxy/http/ocierr.h"
#include "proxy/http/route.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_struct.h>
#include <event2/event.h>
#include <errno.h>
#include <http_parser.h>
#include <stdio.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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
	const char		*decision;	/* hooks: "allow", "deny", NULL */
	int			 held;		/* response held for a decision */
	/*
	 * A request the gate judges before the registry sees any of it
	 * (a manifest PUT under the push gate): its body is kept here,
	 * bounded by limits.max_manifest_bytes, and nothing goes upstream
	 * until the admit hook lets it (admit_held: the answer comes later).
	 */
	int			 admit;
	int			 admit_held;
	struct evbuffer		*admit_body;
	int			 res_head_held;	/* its head's last byte unparsed */
	char			 reason[800];
	/* A local reply from a thread: its transaction ends when it is sent. */
	int			 local_txn_held;
	/* Header lines a layer above adds to a 2xx answer (CRLF each). */
	char			 res_extra[320];
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
	/*
	 * A body that could move in-kernel but for bytes still queued
	 * for its destination: its source is paused until they are
	 * written (SPLICE_DRAIN_REQUEST/RESPONSE), then the splice starts.
	 */
	int			 splice_drain;
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
	struct relay_tap	*tap;		/* a hook watches the request body */
	struct event		*head_timer;	/* timeouts.header, per head */
	int			 depth;		/* nested callbacks running */
	int			 connecting;	/* inside upstream_connect */
	int			 connect_failed;
	int			 closing;	/* flush output, then free */
	int			 dead;		/* free at end of callback */
	const char		*close_reason;
};

#define SESSION_LOWAT	(64 * 1024)
#define SPLICE_DRAIN_REQUEST	1
#define SPLICE_DRAIN_RESPONSE	2
#define SESSION_SLURP	(256 * 1024)

static int	creq_begin(http_parser *);
static int	creq_url(http_parser *, const char *, size_t);
static int	creq_field(http_parser *, const char *, size_t);
static int	creq_value(http_parser *, const char *, size_t);
static int	creq_headers_done(http_parser *);
static int	creq_body(http_parser *, const char *, size_t);
static int	creq_done(http_parser *);
static int	ures_begin(http_parser *);
static int	ures_status(http_parser *, const char *, size_t);
static int	ures_field(http_parser *, const char *, size_t);
static int	ures_value(http_parser *, const char *, size_t);
static int	ures_headers_done(http_parser *);
static int	ures_body(http_parser *, const char *, size_t);
static int	ures_done(http_parser *);
static int	session_decide(struct session *, http_parser *);
static int	session_decision_apply(struct session *, http_parser *,
		    enum relay_decision, const char *);
static int	session_status_request(struct session *);
static int	session_status_reply(struct session *);
static void	session_response_done(struct session *);
static void	session_enter(struct session *);
static void	session_leave(struct session *);
static void	session_flush(struct session *);
static int	session_response_head(struct session *, http_parser *);

static const http_parser_settings creq_settings = {
	.on_message_begin = creq_begin,
	.on_url = creq_url,
	.on_header_field = creq_field,
	.on_header_value = creq_value,
	.on_headers_complete = creq_headers_done,
	.on_body = creq_body,
	.on_message_complete = creq_done,
};

static const http_parser_settings ures_settings = {
	.on_message_begin = ures_begin,
	.on_status = ures_status,
	.on_header_field = ures_field,
	.on_header_value = ures_value,
	.on_headers_complete = ures_headers_done,
	.on_body = ures_body,
	.on_message_complete = ures_done,
};

static void	session_client_read_cb(struct bufferevent *, void *);
static void	session_client_write_cb(struct bufferevent *, void *);
static void	session_client_event_cb(struct bufferevent *, short, void *);
static void	session_upstream_read_cb(struct bufferevent *, void *);
static void	session_upstream_write_cb(struct bufferevent *, void *);
static void	session_upstream_event_cb(struct bufferevent *, short, void *);
static void	session_upstream_closed(struct session *, struct bufferevent *);
static void	session_parse_client(struct session *);
static void	session_parse_upstream(struct session *);
static void	session_txn_done(struct session *);
static void	session_lowat(struct bufferevent *, uint64_t, int *);
static void	session_tap_close(struct session *, int);
static void	session_admit_clear(struct session *);
static int	session_admit_begin(struct session *, http_parser *);
static int	session_admit_add(struct session *, const void *, size_t);
static void	session_admit_run(struct session *);
static int	session_body_follows(struct session *, http_parser *);

static void
session_kill(struct session *s, const char *reason)
{
	if (!s->dead) {
		s->dead = 1;
		s->close_reason = reason;
	}
}

/*
 * Our own replies (DENIED, errors, endpoints) do not confirm HTTP/1.0
 * keep-alive, so a 1.0 client's connection closes after one of them;
 * otherwise it would wait for a close that never comes. Returns 1 when
 * the reply must say "Connection: close".
 */
static int
session_local_close(struct session *s)
{
	if (s->cp.http_major < 1 || (s->cp.http_major == 1 &&
	    s->cp.http_minor == 0))
		s->client_keepalive = 0;
	return !s->client_keepalive;
}

/*
 * Callbacks may nest (an OpenSSL bufferevent can run a read callback from
 * inside bufferevent_enable), so a session is freed only when the
 * outermost callback returns. Every libevent callback brackets its work
 * with session_enter/session_leave.
 */
static void
session_enter(struct session *s)
{
	s->depth++;
}

static void
session_leave(struct session *s)
{
	if (s->depth == 1 && !s->dead)
		session_flush(s);
	if (--s->depth == 0 && s->dead)
		session_free(s, s->close_reason);
}

/*
 * Write what bev has queued now, from the callback that queued it,
 * instead of asking epoll whether the socket can take it and writing
 * on the next loop turn, as a bufferevent does: that is two epoll_ctl
 * and an epoll_wait per message, most of what a small exchange (a
 * manifest GET) costs the loop. The base keeps a changelist, so the
 * write interest the bufferevent registered when the bytes were queued
 * and the one dropped here cancel out before reaching the kernel. Plain
 * sockets only, once connected, no splice running; what the socket
 * does not take, or an error, is left to the bufferevent, which meets
 * it again. 1 if the queue was written out: the caller runs the write
 * callback, which the bufferevent will not run now.
 */
static int
session_write_now(struct bufferevent *bev)
{
	struct evbuffer	*out = bufferevent_get_output(bev);
	evutil_socket_t	 fd = bufferevent_getfd(bev);
	int		 n;

	if (fd == -1 || evbuffer_get_length(out) == 0 ||
	    bufferevent_openssl_get_ssl(bev) != NULL ||
	    !event_pending(&bev->ev_write, EV_WRITE, NULL))
		return 0;
	/* A socket bufferevent's queue is drained only by its writer. */
	evbuffer_unfreeze(out, 1);
	n = evbuffer_write(out, fd);
	evbuffer_freeze(out, 1);
	if (n <= 0 || evbuffer_get_length(out) != 0)
		return 0;
	event_del(&bev->ev_write);
	return 1;
}

/*
 * At the end of the outermost callback: write both queues out (see
 * session_write_now), running the write callback for a queue emptied,
 * as the bufferevent would have; what it queues is written in turn.
 */
static void
session_flush(struct session *s)
{
	int	again = 1;

	while (again && !s->dead && s->splice == NULL) {
		again = 0;
		if (s->cbev != NULL && session_write_now(s->cbev)) {
			session_client_write_cb(s->cbev, s);
			again = 1;
		}
		if (!s->dead && s->ubev != NULL && s->upstream_ready &&
		    s->splice == NULL && session_write_now(s->ubev)) {
			session_upstream_write_cb(s->ubev, s);
			again = 1;
		}
	}
}

static void
session_drop_upstream(struct session *s)
{
	/* A body moving to or from it stops with it. */
	splice_free(s->splice);
	s->splice = NULL;
	if (s->ubev != NULL) {
		bufferevent_free(s->ubev);
		s->ubev = NULL;
	}
	s->upstream_ready = 0;
	s->ulowat = 1;
	s->throttled_upstream = 0;
	if (s->throttled_client || s->splice_drain == SPLICE_DRAIN_REQUEST) {
		s->throttled_client = 0;
		bufferevent_enable(s->cbev, EV_READ);
	}
	/* A response drain set the client's write mark to fire at empty. */
	if (s->splice_drain == SPLICE_DRAIN_RESPONSE)
		bufferevent_setwatermark(s->cbev, EV_WRITE,
		    s->srv->conf->limits.low_watermark, 0);
	s->splice_drain = 0;
}

/* Stop reading, send what is queued, then free. */
static void
session_close_after_flush(struct session *s, const char *reason)
{
	if (s->closing || s->dead)
		return;
	s->closing = 1;
	s->close_reason = reason;
	bufferevent_disable(s->cbev, EV_READ);
	bufferevent_setwatermark(s->cbev, EV_WRITE, 0, 0);
	if (evbuffer_get_length(bufferevent_get_output(s->cbev)) == 0)
		session_kill(s, reason);
}

/* One request done: count it and write its access log line. */
static void
session_access_log(struct session *s)
{
	struct accesslog_entry	e;
	struct timeval		now, d;

	s->srv->stats.requests++;
	if (s->srv->access == NULL)
		return;
	gettimeofday(&now, NULL);
	timersub(&now, &s->t_start, &d);
	e.time = now.tv_sec;
	e.peer = s->peer;
	e.authorization = httpmsg_get(&s->req, "Authorization");
	e.method = http_method_str(s->cp.method);
	e.url = s->req.url;
	e.url_len = s->req.url_len;
	e.route = route_kind_name(s->route.kind);
	e.repository = s->route.name;
	e.reference = s->route.ref;
	e.status = s->status;
	e.request_bytes = s->req_body_bytes;
	e.response_bytes = s->res_body_bytes;
	e.ms = (double)d.tv_sec * 1000.0 + (double)d.tv_usec / 1000.0;
	e.local = s->local;
	e.decision = s->decision;
	e.reason = s->reason[0] ? s->reason : NULL;
	accesslog_write(s->srv->access, &e);
}

/*
 * Answer the current request ourselves with an OCI error and close the
 * connection: after an error we cannot know where the next request
 * would start.
 */
static void
session_reply_error(struct session *s, int status, const char *code,
    const char *msg)
{
	int	n;

	if (s->res_started) {
		session_kill(s, msg);
		return;
	}
	s->status = status;
	s->res_started = 1;
	if (status >= 500)
		s->srv->stats.upstream_errors++;
	else
		s->srv->stats.client_errors++;
	/* A HEAD is answered with the head alone. */
	if (s->cp.method == HTTP_HEAD)
		n = evbuffer_add_printf(bufferevent_get_output(s->cbev),
		    "HTTP/1.1 %d %s\r\nDocker-Distribution-API-Version: "
		    "registry/2.0\r\nContent-Length: 0\r\nConnection: close"
		    "\r\n\r\n", status, ocierr_reason(status)) == -1 ? -1 : 0;
	else
		n = ocierr_reply(bufferevent_get_output(s->cbev), status, code,
		    msg, NULL, 1);
	if (n == -1) {
		session_kill(s, "out of memory");
		return;
	}
	s->res_body_bytes = (uint64_t)n;
	if (s->in_txn)
		session_access_log(s);
	s->in_txn = 0;
	session_close_after_flush(s, msg);
}

static struct session *
session_of(http_parser *p)
{
	return p->data;
}

/* ---- client request parsing ---- */

static void
session_head_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct session	*s = arg;

	session_enter(s);
	s->srv->stats.head_timeouts++;
	session_drop_upstream(s);
	session_reply_error(s, 408, "UNSUPPORTED", "request head not "
	    "completed within timeouts.header");
	session_leave(s);
}

static int
creq_begin(http_parser *p)
{
	struct session	*s = session_of(p);

	httpmsg_clear(&s->req);
	memset(&s->route, 0, sizeof(s->route));
	s->in_txn = 1;
	s->req_complete = s->req_chunked = s->local = 0;
	s->res_started = s->res_chunked = s->res_until_close = 0;
	s->res_interim = 0;
	s->req_raw_left = s->res_raw_left = 0;
	s->res_discard = 0;
	s->status_query = 0;
	s->decision = NULL;
	s->reason[0] = '\0';
	s->res_extra[0] = '\0';
	session_admit_clear(s);
	session_tap_close(s, 0);
	s->status = 0;
	s->req_body_bytes = s->res_body_bytes = 0;
	gettimeofday(&s->t_start, NULL);
	/*
	 * The whole head must come within timeouts.header of its first
	 * byte: the read timeout alone restarts with every byte, so a
	 * client trickling a head could hold its slot for days.
	 */
	{
		struct timeval	tv = { (time_t)s->srv->conf->timeouts.header,
				    0 };

		if ((s->head_timer == NULL && (s->head_timer = evtimer_new(
		    s->srv->base, session_head_timeout_cb, s)) == NULL) ||
		    evtimer_add(s->head_timer, &tv) == -1) {
			session_kill(s, "out of memory");
			return -1;
		}
	}
	return 0;
}

static int
creq_url(http_parser *p, const char *at, size_t len)
{
	struct session	*s = session_of(p);

	if (httpmsg_add_url(&s->req, at, len) == -1) {
		session_reply_error(s, 414, "UNSUPPORTED",
		    "request target is longer than limits.max_header_bytes");
		return -1;
	}
	return 0;
}

/* What adding a piece of the request head gave: 0, or the reply sent. */
static int
session_head_piece(struct session *s, int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case HTTPMSG_ENAME:
		session_reply_error(s, 400, "UNSUPPORTED", "malformed HTTP "
		    "request: a header name is not a token (RFC 9110 5.6.2; "
		    "no whitespace before the colon)");
		break;
	case HTTPMSG_EFOLD:
		session_reply_error(s, 400, "UNSUPPORTED", "malformed HTTP "
		    "request: a header value folded onto a new line (obs-fold, "
		    "RFC 9112 5.2)");
		break;
	default:
		session_reply_error(s, 431, "UNSUPPORTED",
		    "request headers are larger than limits.max_header_bytes "
		    "or too many");
		break;
	}
	return -1;
}

static int
creq_field(http_parser *p, const char *at, size_t len)
{
	struct session	*s = session_of(p);

	return session_head_piece(s, httpmsg_add_field(&s->req, at, len));
}

static int
creq_value(http_parser *p, const char *at, size_t len)
{
	struct session	*s = session_of(p);

	return session_head_piece(s, httpmsg_add_value(&s->req, at, len));
}

/*
 * Client-supplied headers that would change how upstream builds URLs;
 * and Expect on a request whose body the proxy already holds whole
 * (arg non-NULL): it has had its 100 Continue from the proxy.
 */
static int
session_skip_request_header(const char *name, void *arg)
{
	return strcasecmp(name, "X-Forwarded-Host") == 0 ||
	    strcasecmp(name, "X-Forwarded-Proto") == 0 ||
	    strcasecmp(name, "Forwarded") == 0 ||
	    strcasecmp(name, "X-Forwarded-For") == 0 ||
	    (arg != NULL && strcasecmp(name, "Expect") == 0);
}

/*
 * libevent reads and writes at most 16 KiB per call by default; blobs
 * move much faster in larger steps. Bounded by the watermark so one
 * read never overshoots what backpressure allows by more than itself.
 */
static void
session_tune(struct server *srv, struct bufferevent *bev)
{
	size_t	step = 256 * 1024;
	int	sz = (int)srv->conf->limits.socket_buffer;
	int	fd = bufferevent_getfd(bev);

	if (step > srv->conf->limits.high_watermark)
		step = (size_t)srv->conf->limits.high_watermark;
	bufferevent_set_max_single_read(bev, step);
	bufferevent_set_max_single_write(bev, step);
	/* A fixed size turns the kernel's autotuning off for this socket. */
	if (sz > 0 && fd != -1 &&
	    (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) == -1))
		log_debug("socket buffer of %d bytes: %s", sz, strerror(errno));
}

static int
session_ensure_upstream(struct session *s)
{
	if (s->ubev != NULL)
		return 0;
	http_parser_init(&s->up, HTTP_RESPONSE);
	s->up.data = s;
	/*
	 * A connect can fail synchronously (name resolution, refused);
	 * the event callback then only notes it, and we act here.
	 */
	s->connecting = 1;
	s->connect_failed = 0;
	s->ubev = upstream_connect(s->srv, session_upstream_read_cb,
	    session_upstream_write_cb, session_upstream_event_cb, s);
	s->connecting = 0;
	if (s->ubev == NULL)
		return -1;
	if (s->connect_failed) {
		char	why[256];

		log_warnx("session %llu: upstream %s: %s",
		    (unsigned long long)s->id, s->srv->conf->upstream.url,
		    upstream_error(s->ubev, why, sizeof(why)));
		session_drop_upstream(s);
		return -1;
	}
	bufferevent_setwatermark(s->ubev, EV_READ, 0,
	    s->srv->conf->limits.high_watermark);
	bufferevent_setwatermark(s->ubev, EV_WRITE,
	    s->srv->conf->limits.low_watermark, 0);
	{
		struct timeval	tv = { (time_t)s->srv->conf->timeouts.io, 0 };
		bufferevent_set_timeouts(s->ubev, &tv, &tv);
	}
	session_tune(s->srv, s->ubev);
	bufferevent_enable(s->ubev, EV_READ | EV_WRITE);
	return 0;
}

static int
session_forward_request_head(struct session *s)
{
	struct evbuffer	*out = bufferevent_get_output(s->ubev);
	const char	*cl = httpmsg_get(&s->req, "Content-Length");
	const char	*xff = httpmsg_get(&s->req, "X-Forwarded-For");

	if (evbuffer_add_printf(out, "%s %s HTTP/1.1\r\nHost: %s\r\n",
	    http_method_str(s->cp.method), s->req.url,
	    s->srv->conf->upstream.hostport) == -1 ||
	    httpmsg_write_headers(&s->req, out, session_skip_request_header,
	    s->admit_body) == -1 ||
	    evbuffer_add_printf(out, "X-Forwarded-For: %s%s%s\r\n",
	    xff ? xff : "", xff ? ", " : "", s->peer) == -1)
		return -1;
	if (s->cp.flags & F_CHUNKED) {
		s->req_chunked = 1;
		if (evbuffer_add_printf(out,
		    "Transfer-Encoding: chunked\r\n") == -1)
			return -1;
	} else if (cl != NULL) {
		if (evbuffer_add_printf(out, "Content-Length: %llu\r\n",
		    (unsigned long long)s->cp.content_length) == -1)
			return -1;
	}
	/* The upstream side always speaks keep-alive HTTP/1.1. */
	return evbuffer_add(out, "\r\n", 2);
}

/* A hook may watch the request's body (scan an upload, keep a manifest). */
static void
session_tap_open(struct session *s)
{
	const struct relay_hooks *h = s->srv->hooks;

	if (h != NULL && h->tap != NULL)
		s->tap = h->tap(h->arg, s);
}

/* Body bytes as relayed, to the tap. */
static void
session_tap_body(struct session *s, const void *data, size_t len)
{
	if (s->tap != NULL && s->tap->ops->feed(s->tap, data, len) &&
	    !s->throttled_feed) {
		/* The tap is behind: stop reading until it catches up. */
		s->throttled_feed = 1;
		bufferevent_disable(s->cbev, EV_READ);
	}
}

/*
 * The request got its answer (status), or never will (0): the tap hears
 * it and is gone.
 */
static void
session_tap_close(struct session *s, int status)
{
	struct relay_tap	*t = s->tap;

	if (t == NULL)
		return;
	s->tap = NULL;
	t->ops->close(t, status, s->req_complete);
}

/* Tap the first n bytes of in without consuming them. */
static void
session_tap_evbuffer(struct session *s, struct evbuffer *in, size_t n)
{
	struct evbuffer_ptr	 pos;
	struct evbuffer_iovec	 v[8];
	int			 nv, i;

	if (s->tap == NULL)
		return;
	evbuffer_ptr_set(in, &pos, 0, EVBUFFER_PTR_SET);
	while (n > 0) {
		nv = evbuffer_peek(in, (ev_ssize_t)n, &pos, v, 8);
		if (nv <= 0)
			break;
		if (nv > 8)
			nv = 8;
		for (i = 0; i < nv && n > 0; i++) {
			size_t l = v[i].iov_len < n ? v[i].iov_len : n;

			session_tap_body(s, v[i].iov_base, l);
			n -= l;
			if (evbuffer_ptr_set(in, &pos, l, EVBUFFER_PTR_ADD) ==
			    -1)
				return;
		}
	}
}

void
session_tap_resume(struct session *s)
{
	session_enter(s);
	s->throttled_feed = 0;
	if (!s->throttled_client && s->splice_drain != SPLICE_DRAIN_REQUEST &&
	    !s->closing && !s->dead)
		bufferevent_enable(s->cbev, EV_READ);
	session_parse_client(s);
	session_leave(s);
}

static int
creq_headers_done(http_parser *p)
{
	struct session	*s = session_of(p);
	enum route_error e;
	const char	*host;

	evtimer_del(s->head_timer);
	s->client_keepalive = http_should_keep_alive(p);
	switch (p->method) {
	case HTTP_GET: case HTTP_HEAD: case HTTP_POST: case HTTP_PUT:
	case HTTP_PATCH: case HTTP_DELETE: case HTTP_OPTIONS:
		break;
	default:
		session_reply_error(s, 405, "UNSUPPORTED",
		    "method not allowed by the registry API");
		return -1;
	}
	if (p->upgrade) {
		session_reply_error(s, 400, "UNSUPPORTED",
		    "protocol upgrades are not supported");
		return -1;
	}
	if (s->req.url == NULL || s->req.url[0] != '/') {
		session_reply_error(s, 400, "UNSUPPORTED",
		    "request target must be an absolute path");
		return -1;
	}
	host = httpmsg_get(&s->req, "Host");
	if (p->http_minor >= 1 && p->http_major == 1 && host == NULL) {
		session_reply_error(s, 400, "UNSUPPORTED",
		    "HTTP/1.1 request without a Host header");
		return -1;
	}
	e = route_parse(s->req.url, s->req.url_len, &s->route);
	switch (e) {
	case ROUTE_OK:
		break;
	case ROUTE_ENAME:
		session_reply_error(s, 400, "NAME_INVALID",
		    "invalid repository name");
		return -1;
	case ROUTE_EREF:
	case ROUTE_EDIGEST:
		/*
		 * A manifest that cannot exist, asked for: the spec's
		 * 404, as for any manifest the registry does not have.
		 */
		if (s->route.kind == ROUTE_MANIFEST && (p->method == HTTP_GET ||
		    p->method == HTTP_HEAD || p->method == HTTP_DELETE)) {
			session_reply_error(s, 404, "MANIFEST_UNKNOWN",
			    "manifest unknown: the reference is neither a "
			    "valid tag nor a valid digest");
			return -1;
		}
		if (e == ROUTE_EREF) {
			session_reply_error(s, 400, "TAG_INVALID",
			    "invalid tag or manifest reference");
			return -1;
		}
		session_reply_error(s, 400, "DIGEST_INVALID",
		    "invalid digest");
		return -1;
	case ROUTE_EPATH:
		session_reply_error(s, 404, "NOT_FOUND",
		    "not an OCI distribution API path");
		return -1;
	}
	/*
	 * The proxy's own endpoints. The referrers API and the tags
	 * list's pages too: read with the caller's credentials from the
	 * registry on a thread (docker-registry 2.8 has neither).
	 */
	if (s->route.kind == ROUTE_METRICS ||
	    s->route.kind == ROUTE_SEARCH ||
	    s->route.kind == ROUTE_OVERVIEW ||
	    s->route.kind == ROUTE_EVENTS || s->route.kind == ROUTE_UI ||
	    s->route.kind == ROUTE_LOGIN ||
	    s->route.kind == ROUTE_REFERRERS ||
	    (s->route.kind == ROUTE_TAGS && (route_query_has(s->route.query,
	    "n") || route_query_has(s->route.query, "last")))) {
		s->local = 1;
		return session_body_follows(s, p);
	}
	if (s->route.kind == ROUTE_STATUS &&
	    (p->method != HTTP_GET || (p->flags & F_CHUNKED) ||
	    (p->content_length > 0 && p->content_length != ULLONG_MAX))) {
		session_reply_error(s, 405, "UNSUPPORTED",
		    "the status endpoint answers GET without a body");
		return -1;
	}
	if (s->route.kind != ROUTE_STATUS && session_admit_begin(s, p) != 0)
		return s->dead || s->closing ? -1 : session_body_follows(s, p);
	if (session_ensure_upstream(s) == -1) {
		session_reply_error(s, 502, "UNAVAILABLE",
		    "cannot connect to the upstream registry");
		return -1;
	}
	http_parser_pause(&s->up, 0);
	if (s->route.kind == ROUTE_STATUS) {
		if (session_status_request(s) == -1) {
			session_kill(s, "out of memory");
			return -1;
		}
		return 0;
	}
	if (session_forward_request_head(s) == -1) {
		session_kill(s, "out of memory");
		return -1;
	}
	session_tap_open(s);
	return session_body_follows(s, p);
}

/* What on_headers_complete returns once the body is to be read. */
static int
session_body_follows(struct session *s, http_parser *p)
{
	if (!(p->flags & F_CHUNKED) && p->content_length > 0 &&
	    p->content_length != ULLONG_MAX) {
		s->req_raw_left = p->content_length;
		session_lowat(s->cbev, s->req_raw_left, &s->clowat);
		return 1;	/* the parse loop moves the body */
	}
	return 0;
}

static int
creq_body(http_parser *p, const char *at, size_t len)
{
	struct session	*s = session_of(p);
	struct evbuffer	*out;

	s->req_body_bytes += len;
	s->srv->stats.bytes_from_client += len;
	if (s->admit) {
		session_tap_body(s, at, len);
		return session_admit_add(s, at, len);
	}
	if (s->local || s->ubev == NULL)
		return 0;	/* nothing to relay it to */
	session_tap_body(s, at, len);
	out = bufferevent_get_output(s->ubev);
	if (s->req_chunked && evbuffer_add_printf(out, "%zx\r\n", len) == -1)
		goto fail;
	if (evbuffer_add(out, at, len) == -1)
		goto fail;
	if (s->req_chunked && evbuffer_add(out, "\r\n", 2) == -1)
		goto fail;
	return 0;
 fail:
	session_kill(s, "out of memory");
	return -1;
}

/* The proxy's own endpoints answer through the local hook. */
static void
session_local_reply(struct session *s)
{
	struct evbuffer			*out = bufferevent_get_output(s->cbev);
	const struct relay_hooks	*h = s->srv->hooks;

	s->res_started = 1;
	if (h == NULL || h->local == NULL) {
		s->status = 404;
		ocierr_reply(out, 404, "UNSUPPORTED",
		    "no such portcullis endpoint", NULL, session_local_close(s));
		return;
	}
	switch (h->local(h->arg, s, out)) {
	case -1:
		session_kill(s, "out of memory");
		break;
	case 1:
		/* Built elsewhere: session_local_release() sends it. */
		s->held = 1;
		break;
	}
}

/* ---- requests judged before the registry sees them ---- */

static void
session_admit_clear(struct session *s)
{
	if (s->admit_body != NULL)
		evbuffer_free(s->admit_body);
	s->admit_body = NULL;
	s->admit = s->admit_held = 0;
}

/* A kept body past the bound: refused, never forwarded unjudged. */
static void
session_admit_too_large(struct session *s)
{
	session_reply_error(s, 413, "SIZE_INVALID", "manifest larger than the "
	    "proxy's limits.max_manifest_bytes; it cannot be judged, so it "
	    "is not pushed");
}

/*
 * Does the admit hook want this request's body before anything of it
 * goes upstream? 0: relay as usual; 1: the body is being kept; -1: the
 * request was answered (too large to keep, out of memory).
 */
static int
session_admit_begin(struct session *s, http_parser *p)
{
	const struct relay_hooks *h = s->srv->hooks;
	const char		*e;

	if (h == NULL || h->admit_wanted == NULL || !h->admit_wanted(h->arg, s))
		return 0;
	if (!(p->flags & F_CHUNKED) && p->content_length != ULLONG_MAX &&
	    p->content_length > s->srv->conf->limits.max_manifest_bytes) {
		session_admit_too_large(s);
		return -1;
	}
	if ((s->admit_body = evbuffer_new()) == NULL) {
		session_kill(s, "out of memory");
		return -1;
	}
	s->admit = 1;
	/*
	 * Nothing is sent upstream until the decision: a connection kept
	 * from the last request would sit idle meanwhile, and time out.
	 */
	session_drop_upstream(s);
	/*
	 * A client waiting for "100 Continue" before its body would wait
	 * for a registry that has not heard of it yet: the proxy, which
	 * wants the body, says continue itself.
	 */
	if ((e = httpmsg_get(&s->req, "Expect")) != NULL &&
	    strcasecmp(e, "100-continue") == 0 &&
	    evbuffer_add_printf(bufferevent_get_output(s->cbev),
	    "HTTP/1.1 100 Continue\r\n\r\n") == -1) {
		session_kill(s, "out of memory");
		return -1;
	}
	session_tap_open(s);
	return 1;
}

/* Body bytes of a kept request (chunked or parsed). 0, or -1: answered. */
static int
session_admit_add(struct session *s, const void *data, size_t len)
{
	if (evbuffer_get_length(s->admit_body) + len >
	    s->srv->conf->limits.max_manifest_bytes) {
		session_admit_too_large(s);
		return -1;
	}
	if (evbuffer_add(s->admit_body, data, len) == -1) {
		session_kill(s, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Carry out the decision on a kept request: send it upstream whole, or
 * answer 403 DENIED without the registry hearing of it.
 */
static void
session_admit_apply(struct session *s, enum relay_decision d,
    const char *msg)
{
	struct evbuffer	*out;
	int		 n;
	size_t		 len = evbuffer_get_length(s->admit_body);

	s->admit = s->admit_held = 0;
	if (d == RELAY_DENY) {
		s->decision = "deny";
		snprintf(s->reason, sizeof(s->reason), "%s", msg);
		s->status = 403;
		s->res_started = 1;
		log_info("session %llu: refused the push to %s: %s",
		    (unsigned long long)s->id, s->route.name, msg);
		if ((n = ocierr_reply(bufferevent_get_output(s->cbev), 403,
		    "DENIED", msg, NULL, session_local_close(s))) == -1) {
			session_kill(s, "out of memory");
			return;
		}
		s->res_body_bytes = (uint64_t)n;
		session_tap_close(s, 403);
		session_admit_clear(s);
		session_txn_done(s);
		return;
	}
	s->decision = "allow";
	snprintf(s->reason, sizeof(s->reason), "%s", msg ? msg : "");
	if (session_ensure_upstream(s) == -1) {
		session_admit_clear(s);
		session_reply_error(s, 502, "UNAVAILABLE",
		    "cannot connect to the upstream registry");
		return;
	}
	http_parser_pause(&s->up, 0);
	out = bufferevent_get_output(s->ubev);
	if (session_forward_request_head(s) == -1 ||
	    (s->req_chunked && len > 0 &&
	    evbuffer_add_printf(out, "%zx\r\n", len) == -1) ||
	    evbuffer_add_buffer(out, s->admit_body) == -1 ||
	    (s->req_chunked && evbuffer_add(out, len > 0 ? "\r\n0\r\n\r\n" :
	    "0\r\n\r\n", len > 0 ? 7 : 5) == -1)) {
		session_kill(s, "out of memory");
		return;
	}
	session_admit_clear(s);
}

/* The whole body of a kept request is here: ask the hook. */
static void
session_admit_run(struct session *s)
{
	const struct relay_hooks *h = s->srv->hooks;
	char			 msg[sizeof(s->reason)];
	enum relay_decision	 d;

	msg[0] = '\0';
	d = h->admit(h->arg, s, s->admit_body, msg, sizeof(msg));
	if (d == RELAY_HOLD) {
		s->admit_held = 1;
		return;
	}
	session_admit_apply(s, d, msg);
}

void
session_admit_release(struct session *s, enum relay_decision d,
    const char *msg)
{
	if (!s->admit_held)
		return;
	session_enter(s);
	if (!s->dead) {
		session_admit_apply(s, d, msg);
		/* A refusal ends the exchange: go on with the next request. */
		session_parse_client(s);
	}
	session_leave(s);
}

static int
creq_done(http_parser *p)
{
	struct session	*s = session_of(p);

	if (s->req_raw_left > 0) {
		/* Head done; the body follows outside the parser. */
		http_parser_pause(p, 1);
		return 0;
	}
	s->req_complete = 1;
	if (s->admit)
		session_admit_run(s);
	else if (s->local) {
		session_local_reply(s);
		/* A reply built elsewhere is logged when it is sent. */
		if (s->held)
			s->local_txn_held = 1;
		else
			session_txn_done(s);
	} else if (s->req_chunked && s->ubev != NULL &&
	    evbuffer_add(bufferevent_get_output(s->ubev), "0\r\n\r\n", 5) ==
	    -1) {
		session_kill(s, "out of memory");
		return -1;
	}
	/* Hand control back between messages: requests are served in turn. */
	http_parser_pause(p, 1);
	return 0;
}

/*
 * While a Content-Length body streams from a plain socket, ask the
 * kernel (SO_RCVLOWAT) to report it readable only once a useful amount
 * is queued: each wake-up then moves ~64 KiB instead of one segment,
 * and system calls, not copies, are what a relay spends its CPU on.
 * Never more than what is still to come, or the last bytes would never
 * wake us. *cur caches the value set, so the call is rare.
 */
static void
session_lowat(struct bufferevent *bev, uint64_t body_left, int *cur)
{
	uint64_t	queued, want;
	int		v, fd;

	if (bev == NULL || (fd = bufferevent_getfd(bev)) == -1 ||
	    bufferevent_openssl_get_ssl(bev) != NULL)
		return;
	queued = evbuffer_get_length(bufferevent_get_input(bev));
	want = body_left > queued ? body_left - queued : 1;
	v = want > SESSION_LOWAT ? SESSION_LOWAT : (int)want;
	if (v < 1)
		v = 1;
	if (v == *cur)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)) == 0)
		*cur = v;
}

/*
 * libevent 2.1 reads at most 4 KiB per wake-up (EVBUFFER_MAX_READ) no
 * matter how much is queued, which makes a blob cost three system calls
 * per 4 KiB. While a Content-Length body streams from a plain socket we
 * read the rest of what is queued ourselves, straight into the
 * bufferevent's input, up to body_left. Errors and EOF are left for
 * libevent's own next read to report.
 */
static void
session_slurp(struct bufferevent *bev, uint64_t body_left)
{
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_iovec	 v[2];
	uint64_t		 queued = evbuffer_get_length(in);
	size_t			 want;
	ssize_t			 r;
	int			 fd, nv, i;

	if (body_left <= queued || (fd = bufferevent_getfd(bev)) == -1 ||
	    bufferevent_openssl_get_ssl(bev) != NULL)
		return;
	want = body_left - queued > SESSION_SLURP ? SESSION_SLURP :
	    (size_t)(body_left - queued);
	/* A socket bufferevent keeps its input's end frozen between reads. */
	evbuffer_unfreeze(in, 0);
	if ((nv = evbuffer_reserve_space(in, (ev_ssize_t)want, v, 2)) < 1)
		goto done;
	/* Never more than asked: the body ends where the next message starts. */
	if (v[0].iov_len > want) {
		v[0].iov_len = want;
		nv = 1;
	} else if (nv == 2 && v[0].iov_len + v[1].iov_len > want)
		v[1].iov_len = want - v[0].iov_len;
	r = readv(fd, (struct iovec *)v, nv);
	if (r <= 0) {
		evbuffer_commit_space(in, v, 0);
		goto done;
	}
	for (i = 0; i < nv; i++) {
		if ((size_t)r < v[i].iov_len)
			v[i].iov_len = (size_t)r;
		r -= (ssize_t)v[i].iov_len;
	}
	evbuffer_commit_space(in, v, nv);
 done:
	evbuffer_freeze(in, 0);
}

static void
session_lowat_reset(struct bufferevent *bev, int *cur)
{
	int	one = 1, fd = bufferevent_getfd(bev);

	if (fd != -1 && setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &one,
	    sizeof(one)) == 0)
		*cur = 1;
}

/*
 * Move up to *left bytes of a Content-Length body from in to dst.
 *
 * When dst is a plain socket with nothing queued, the bytes are written
 * to it straight from in: that saves the two epoll_ctl calls libevent
 * makes to arm and disarm the write event, and a loop turn, per chunk.
 * Whatever the socket does not take is queued on dst's output, where
 * libevent writes it and backpressure sees it. Queued bytes change owner
 * without a copy. Returns bytes moved.
 */
static size_t
session_move(struct session *s, struct evbuffer *in, struct bufferevent *dst,
    uint64_t *left)
{
	struct evbuffer	*out = bufferevent_get_output(dst);
	size_t		 avail = evbuffer_get_length(in);
	size_t		 n = avail < *left ? avail : (size_t)*left;
	size_t		 moved = 0;
	int		 w;

	if (evbuffer_get_length(out) == 0 &&
	    bufferevent_openssl_get_ssl(dst) == NULL &&
	    bufferevent_getfd(dst) != -1) {
		w = evbuffer_write_atmost(in, bufferevent_getfd(dst), n);
		if (w > 0) {
			moved = (size_t)w;
			n -= moved;
		}
		/* An error shows up again on dst's own write. */
	}
	if (n > 0) {
		if ((w = evbuffer_remove_buffer(in, out, n)) < 0) {
			session_kill(s, "out of memory");
			return moved;
		}
		moved += (size_t)w;
	}
	*left -= moved;
	return moved;
}

/*
 * Can a raw body move from src to dst in-kernel from here on? Both
 * plain sockets, nothing buffered on either side (order), and long
 * enough to pay for the pipe.
 */
static int
session_splice_fits(struct session *s, struct bufferevent *src,
    struct bufferevent *dst, uint64_t left)
{
	uint64_t	min = s->srv->conf->limits.splice_min;

	return s->splice == NULL && !s->dead && !s->closing && min > 0 &&
	    left >= min && src != NULL && dst != NULL &&
	    bufferevent_openssl_get_ssl(src) == NULL &&
	    bufferevent_openssl_get_ssl(dst) == NULL &&
	    bufferevent_getfd(src) != -1 && bufferevent_getfd(dst) != -1;
}

static int
session_splice_ok(struct session *s, struct bufferevent *src,
    struct bufferevent *dst, uint64_t left)
{
	return session_splice_fits(s, src, dst, left) &&
	    evbuffer_get_length(bufferevent_get_input(src)) == 0 &&
	    evbuffer_get_length(bufferevent_get_output(dst)) == 0;
}

/*
 * A body that could move in-kernel but for bytes queued on dst: stop
 * reading src until dst's queue is written out (its write callback then
 * fires at empty), so the splice starts instead of every later read
 * joining the queue. Without this a destination that is slower than
 * the source never shows an empty queue and the whole body goes
 * through user space. 1 src paused (or already), 0 not needed.
 */
static int
session_splice_drain(struct session *s, struct bufferevent *src,
    struct bufferevent *dst, uint64_t left, int which)
{
	if (s->splice_drain != 0)
		return 1;
	if (!session_splice_fits(s, src, dst, left) ||
	    evbuffer_get_length(bufferevent_get_output(dst)) == 0)
		return 0;
	s->splice_drain = which;
	bufferevent_disable(src, EV_READ);
	bufferevent_setwatermark(dst, EV_WRITE, 0, 0);
	return 1;
}

/* dst's queue is out: back to normal watermarks; 1 if a drain ended. */
static int
session_splice_drained(struct session *s, struct bufferevent *src,
    struct bufferevent *dst, int which)
{
	if (s->splice_drain != which)
		return 0;
	s->splice_drain = 0;
	bufferevent_setwatermark(dst, EV_WRITE,
	    s->srv->conf->limits.low_watermark, 0);
	bufferevent_enable(src, EV_READ);
	return 1;
}

/*
 * Hand the rest of a raw body (left bytes) from src to dst to a splice,
 * if it can go that way. 1 started (src's reading paused), 0 not.
 */
static int
session_splice_begin(struct session *s, struct bufferevent *src,
    struct bufferevent *dst, uint64_t left, splice_cb cb, int response)
{
	struct timeval	tv = { (time_t)s->srv->conf->timeouts.io, 0 };

	if (!session_splice_ok(s, src, dst, left) ||
	    (s->splice = splice_start(s->srv->base, bufferevent_getfd(src),
	    bufferevent_getfd(dst), left, &tv, cb, s)) == NULL)
		return 0;
	s->splice_response = response;
	bufferevent_disable(src, EV_READ);
	return 1;
}

/* A request body's progress in-kernel, and its end. */
static void
session_splice_request_cb(void *arg, size_t moved, uint64_t left,
    enum splice_state st)
{
	struct session	*s = arg;

	session_enter(s);
	s->req_body_bytes += moved;
	s->req_raw_left -= moved;
	s->srv->stats.bytes_from_client += moved;
	s->srv->stats.bytes_spliced += moved;
	if (s->tap != NULL)
		s->tap->ops->skip(s->tap, moved);
	session_lowat(s->cbev, left, &s->clowat);
	if (st == SPLICE_MORE)
		goto done;
	splice_free(s->splice);
	s->splice = NULL;
	switch (st) {
	case SPLICE_DONE:
		s->req_complete = 1;
		bufferevent_enable(s->cbev, EV_READ);
		session_parse_client(s);
		break;
	case SPLICE_FAIL_FROM:
		session_kill(s, "client disconnected mid-request");
		break;
	case SPLICE_TIMEOUT:
		session_drop_upstream(s);
		session_reply_error(s, 408, "UNSUPPORTED",
		    "request not completed in time");
		break;
	default:
		/*
		 * Upstream took no more: back to the buffered relay, whose
		 * upstream callbacks report what happened to it.
		 */
		bufferevent_enable(s->cbev, EV_READ);
		break;
	}
 done:
	session_leave(s);
}

/* Can the rest of a request body go without a look by the proxy? */
static int
session_splice_request_free(struct session *s)
{
	return !s->throttled_feed && !s->throttled_client && !s->admit &&
	    (s->tap == NULL || !s->tap->ops->wants(s->tap));
}

/* The rest of a request body needs no look by the proxy: splice it. */
static int
session_splice_request(struct session *s)
{
	if (!session_splice_request_free(s))
		return 0;
	return session_splice_begin(s, s->cbev, s->ubev, s->req_raw_left,
	    session_splice_request_cb, 0);
}

/* A response body's progress in-kernel, and its end. */
static void
session_splice_response_cb(void *arg, size_t moved, uint64_t left,
    enum splice_state st)
{
	struct session	*s = arg;

	session_enter(s);
	s->res_body_bytes += moved;
	s->res_raw_left -= moved;
	s->srv->stats.bytes_to_client += moved;
	s->srv->stats.bytes_spliced += moved;
	if (s->ubev != NULL)
		session_lowat(s->ubev, left, &s->ulowat);
	if (st == SPLICE_MORE)
		goto done;
	splice_free(s->splice);
	s->splice = NULL;
	switch (st) {
	case SPLICE_DONE:
		bufferevent_enable(s->ubev, EV_READ);
		session_response_done(s);
		session_parse_client(s);
		break;
	case SPLICE_FAIL_FROM:
		session_kill(s, "upstream closed mid-response");
		break;
	case SPLICE_TIMEOUT:
		session_kill(s, "no progress on the response");
		break;
	default:
		session_kill(s, "client connection error");
		break;
	}
 done:
	session_leave(s);
}

static int
session_splice_response_free(struct session *s)
{
	return !s->res_discard && !s->res_head_held && !s->held &&
	    !s->throttled_upstream;
}

static int
session_splice_response(struct session *s)
{
	if (!session_splice_response_free(s))
		return 0;
	return session_splice_begin(s, s->ubev, s->cbev, s->res_raw_left,
	    session_splice_response_cb, 1);
}

static void
session_parse_client(struct session *s)
{
	struct evbuffer		*in = bufferevent_get_input(s->cbev);
	struct evbuffer_iovec	 v;
	size_t			 n;
	enum http_errno		 err;
	char			 msg[160];

	while (!s->dead && !s->closing) {
		if (s->splice != NULL && !s->splice_response)
			break;		/* the body moves in-kernel */
		if (s->in_txn && s->req_complete)
			break;		/* wait for the response */
		if (s->throttled_feed)
			break;		/* the scanner catches up first */
		if (s->ubev != NULL && evbuffer_get_length(
		    bufferevent_get_output(s->ubev)) >=
		    s->srv->conf->limits.high_watermark) {
			/* Upstream is slower than the client: hold it. */
			s->throttled_client = 1;
			s->srv->stats.throttle_events++;
			bufferevent_disable(s->cbev, EV_READ);
			break;
		}
		if (s->req_raw_left > 0 && session_splice_request_free(s) &&
		    session_splice_drain(s, s->cbev, s->ubev, s->req_raw_left,
		    SPLICE_DRAIN_REQUEST))
			break;		/* upstream's queue goes out first */
		if (evbuffer_get_length(in) == 0) {
			if (s->req_raw_left > 0)
				(void)session_splice_request(s);
			break;
		}
		if (s->req_raw_left > 0 && s->admit) {
			n = evbuffer_get_length(in);
			if (n > s->req_raw_left)
				n = (size_t)s->req_raw_left;
			session_tap_evbuffer(s, in, n);
			if (evbuffer_remove_buffer(in, s->admit_body, n) !=
			    (int)n) {
				session_kill(s, "out of memory");
				break;
			}
			s->req_raw_left -= n;
			s->req_body_bytes += n;
			s->srv->stats.bytes_from_client += n;
			if (s->req_raw_left == 0) {
				s->req_complete = 1;
				session_admit_run(s);
			}
			continue;
		}
		if (s->req_raw_left > 0) {
			n = evbuffer_get_length(in);
			session_tap_evbuffer(s, in, n < s->req_raw_left ? n :
			    (size_t)s->req_raw_left);
			n = session_move(s, in, s->ubev, &s->req_raw_left);
			s->req_body_bytes += n;
			s->srv->stats.bytes_from_client += n;
			session_lowat(s->cbev, s->req_raw_left, &s->clowat);
			if (s->req_raw_left == 0)
				s->req_complete = 1;
			else if (session_splice_request(s))
				break;
			continue;
		}
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		httpmsg_segment(&s->req, v.iov_base, v.iov_len);
		n = http_parser_execute(&s->cp, &creq_settings, v.iov_base,
		    v.iov_len);
		evbuffer_drain(in, n);
		err = HTTP_PARSER_ERRNO(&s->cp);
		if (err == HPE_PAUSED) {
			http_parser_pause(&s->cp, 0);
			continue;
		}
		if (err == HPE_OK && s->cp.upgrade) {
			session_reply_error(s, 400, "UNSUPPORTED",
			    "protocol upgrades are not supported");
			break;
		}
		if (err != HPE_OK) {
			if (s->closing || s->dead)
				break;	/* a callback already answered */
			snprintf(msg, sizeof(msg), "malformed HTTP request: %s",
			    http_errno_description(err));
			session_drop_upstream(s);
			session_reply_error(s, err == HPE_HEADER_OVERFLOW ?
			    431 : 400, "UNSUPPORTED", msg);
			break;
		}
	}
}

/* ---- upstream response parsing ---- */

static int
ures_begin(http_parser *p)
{
	struct session	*s = session_of(p);

	httpmsg_clear(&s->res);
	return 0;
}

static int
ures_status(http_parser *p, const char *at, size_t len)
{
	return httpmsg_add_status(&session_of(p)->res, at, len);
}

static int
ures_field(http_parser *p, const char *at, size_t len)
{
	return httpmsg_add_field(&session_of(p)->res, at, len);
}

static int
ures_value(http_parser *p, const char *at, size_t len)
{
	return httpmsg_add_value(&session_of(p)->res, at, len);
}

static int
session_skip_response_header(const char *name, void *arg)
{
	(void)arg;
	return strcasecmp(name, "Location") == 0;
}

/*
 * The registry builds absolute URLs from the Host we sent it; point
 * them back at the proxy so the client's next request comes to us.
 */
static int
session_write_location(struct session *s, struct evbuffer *out,
    const char *loc)
{
	const struct conf_upstream *u = &s->srv->conf->upstream;
	const char	*rest, *auth, *host;
	size_t		 alen;
	int		 match;

	if (strncasecmp(loc, "http://", 7) == 0)
		auth = loc + 7;
	else if (strncasecmp(loc, "https://", 8) == 0)
		auth = loc + 8;
	else
		return evbuffer_add_printf(out, "Location: %s\r\n", loc);
	rest = auth + strcspn(auth, "/?#");
	alen = (size_t)(rest - auth);
	match = (alen == strlen(u->hostport) &&
	    strncasecmp(auth, u->hostport, alen) == 0);
	if (!match) {
		char	hp[300];

		snprintf(hp, sizeof(hp), "%s:%s", u->host, u->port);
		match = alen == strlen(hp) && strncasecmp(auth, hp, alen) == 0;
	}
	if (!match)
		return evbuffer_add_printf(out, "Location: %s\r\n", loc);
	host = httpmsg_get(&s->req, "Host");
	if (host == NULL || *host == '\0')
		host = s->srv->bound;
	return evbuffer_add_printf(out, "Location: %s://%s%s\r\n",
	    s->srv->server_ctx != NULL ? "https" : "http", host, rest);
}

/*
 * A manifest is about to be handed out: ask the hook. On a deny the
 * client gets 403 DENIED instead, and the manifest body from upstream
 * is read and dropped so the upstream connection stays usable.
 */
static int
session_decide(struct session *s, http_parser *p)
{
	const struct relay_hooks *h = s->srv->hooks;
	char			 msg[800];
	enum relay_decision	 d;

	if (h == NULL || h->decide == NULL)
		return session_response_head(s, p);
	msg[0] = '\0';
	d = h->decide(h->arg, s, msg, sizeof(msg));
	if (d != RELAY_HOLD)
		return session_decision_apply(s, p, d, msg);
	/*
	 * Hold the upstream response, its parser paused right after the
	 * head and reading stopped, until session_release().
	 */
	s->held = 1;
	http_parser_pause(p, 1);
	/* The framing decides this, whatever the hook decides later. */
	return (s->cp.method == HTTP_HEAD || (!(p->flags & F_CHUNKED) &&
	    httpmsg_get(&s->res, "Content-Length") != NULL &&
	    p->content_length > 0)) ? 1 : 0;
}

/*
 * A held response's reply is out: the upstream parser takes the head's
 * last byte, then the rest flows. Inside session_enter/leave.
 */
static void
session_resume_held(struct session *s)
{
	s->res_head_held = 1;
	http_parser_pause(&s->up, 0);
	bufferevent_enable(s->ubev, EV_READ);
	session_parse_upstream(s);
}

void
session_release(struct session *s, enum relay_decision d, const char *msg)
{
	if (!s->held)
		return;
	session_enter(s);
	s->held = 0;
	if (!s->dead && s->ubev != NULL &&
	    session_decision_apply(s, &s->up, d, msg) != -1)
		session_resume_held(s);
	session_leave(s);
}

/* Send the decision: the upstream head, or DENIED in its place. */
static int
session_decision_apply(struct session *s, http_parser *p,
    enum relay_decision d, const char *msg)
{
	struct evbuffer	*out = bufferevent_get_output(s->cbev);
	int		 n;

	if (d == RELAY_ALLOW) {
		s->decision = "allow";
		/* An allow may have a reason too (an exception): logged. */
		snprintf(s->reason, sizeof(s->reason), "%s",
		    msg ? msg : "");
		return session_response_head(s, p);
	}
	s->decision = "deny";
	snprintf(s->reason, sizeof(s->reason), "%s", msg);
	s->status = 403;
	s->res_discard = 1;
	log_info("session %llu: denied %s: %s", (unsigned long long)s->id,
	    s->route.name, msg);
	if (s->cp.method == HTTP_HEAD) {
		if (evbuffer_add_printf(out, "HTTP/1.1 403 Forbidden\r\n"
		    "Docker-Distribution-API-Version: registry/2.0\r\n"
		    "Content-Length: 0\r\n%s\r\n", session_local_close(s) ?
		    "Connection: close\r\n" : "") == -1)
			goto fail;
	} else if ((n = ocierr_reply(out, 403, "DENIED", msg, NULL,
	    session_local_close(s))) == -1)
		goto fail;
	else
		s->res_body_bytes = (uint64_t)n;
	/* Consume upstream's body by its own framing, sending nothing. */
	if (s->cp.method == HTTP_HEAD)
		return 1;
	if (!(p->flags & F_CHUNKED) && httpmsg_get(&s->res, "Content-Length")) {
		s->res_raw_left = p->content_length;
		return s->res_raw_left > 0 ? 1 : 0;
	}
	if (!(p->flags & F_CHUNKED)) {
		s->res_until_close = 1;
		s->client_keepalive = 0;
	}
	return 0;
 fail:
	session_kill(s, "out of memory");
	return -1;
}

/*
 * The status endpoint answers only callers who may read the manifest:
 * ask the registry with the caller's own credentials (a HEAD on the
 * manifest) and build the answer from what it says.
 */
static int
session_status_request(struct session *s)
{
	struct evbuffer	*out = bufferevent_get_output(s->ubev);
	const char	*auth = httpmsg_get(&s->req, "Authorization");

	s->status_query = 1;
	return evbuffer_add_printf(out, "HEAD /v2/%s/manifests/%s HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "Accept: application/vnd.oci.image.manifest.v1+json, "
	    "application/vnd.oci.image.index.v1+json, "
	    "application/vnd.docker.distribution.manifest.v2+json, "
	    "application/vnd.docker.distribution.manifest.list.v2+json\r\n"
	    "%s%s%s\r\n", s->route.name, s->route.ref,
	    s->srv->conf->upstream.hostport, auth ? "Authorization: " : "",
	    auth ? auth : "", auth ? "\r\n" : "");
}

/*
 * The registry answered the access probe: the status endpoint's reply
 * comes from the local hook. Returns what on_headers_complete must (our
 * HEAD: no body follows), or -1.
 */
static int
session_status_reply(struct session *s)
{
	session_local_reply(s);
	if (s->held)
		/* The probe's parser waits right after its head. */
		http_parser_pause(&s->up, 1);
	return s->dead ? -1 : 1;
}

void
session_local_release(struct session *s, struct evbuffer *reply)
{
	if (!s->held)
		return;
	session_enter(s);
	s->held = 0;
	if (!s->dead && evbuffer_add_buffer(bufferevent_get_output(s->cbev),
	    reply) == -1)
		session_kill(s, "out of memory");
	if (!s->dead && s->ubev != NULL)
		session_resume_held(s);
	if (!s->dead && s->local_txn_held) {
		s->local_txn_held = 0;
		session_txn_done(s);
		/* A request pipelined behind it waited for this reply. */
		if (!s->dead && !s->closing)
			session_parse_client(s);
	}
	session_leave(s);
}

static int
ures_headers_done(http_parser *p)
{
	struct session	*s = session_of(p);
	struct evbuffer	*out = bufferevent_get_output(s->cbev);

	if (p->status_code / 100 == 1) {
		if (p->status_code == 101) {
			session_kill(s, "upstream switched protocols");
			return -1;
		}
		/* Interim response: relay as is, the real one follows. */
		s->res_interim = 1;
		if (evbuffer_add_printf(out, "HTTP/1.1 %u %s\r\n\r\n",
		    p->status_code, s->res.status ? s->res.status : "") == -1) {
			session_kill(s, "out of memory");
			return -1;
		}
		return 0;
	}
	s->status = p->status_code;
	s->res_started = 1;
	if (s->status_query)
		return session_status_reply(s);
	session_tap_close(s, s->status);
	if (s->route.kind == ROUTE_MANIFEST && s->status == 200 &&
	    (s->cp.method == HTTP_GET || s->cp.method == HTTP_HEAD))
		return session_decide(s, p);
	/* A blob's bytes, whole or a range (a HEAD tells only its size). */
	if (s->route.kind == ROUTE_BLOB && (s->status == 200 ||
	    s->status == 206) && s->cp.method == HTTP_GET)
		return session_decide(s, p);
	return session_response_head(s, p);
}

/* Relay the upstream response head to the client. */
static int
session_response_head(struct session *s, http_parser *p)
{
	struct evbuffer	*out = bufferevent_get_output(s->cbev);
	const char	*cl = httpmsg_get(&s->res, "Content-Length");
	const char	*loc = httpmsg_get(&s->res, "Location");
	const char	*reason;
	int		 no_body;
	int		 client11 = s->cp.http_major == 1 &&
			    s->cp.http_minor >= 1;

	reason = s->res.status != NULL && *s->res.status ? s->res.status :
	    ocierr_reason(s->status);
	if (evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n", s->status,
	    reason) == -1 ||
	    httpmsg_write_headers(&s->res, out, session_skip_response_header,
	    NULL) == -1 ||
	    (loc != NULL && session_write_location(s, out, loc) == -1))
		goto fail;
	/* What the proxy adds to a success (a registry's own goes first). */
	if (s->status >= 200 && s->status < 300 && s->res_extra[0] != '\0' &&
	    evbuffer_add(out, s->res_extra, strlen(s->res_extra)) == -1)
		goto fail;
	no_body = s->cp.method == HTTP_HEAD || s->status == 204 ||
	    s->status == 304;
	if (no_body) {
		/* HEAD tells the size of what GET would send: keep it. */
		if (cl != NULL && evbuffer_add_printf(out,
		    "Content-Length: %s\r\n", cl) == -1)
			goto fail;
	} else if (p->flags & F_CHUNKED) {
		/* HTTP/1.0 clients cannot take chunks: delimit by close. */
		if (client11)
			s->res_chunked = 1;
		else
			s->client_keepalive = 0;
	} else if (cl != NULL) {
		if (evbuffer_add_printf(out, "Content-Length: %llu\r\n",
		    (unsigned long long)p->content_length) == -1)
			goto fail;
		s->res_raw_left = p->content_length;
		session_lowat(s->ubev, s->res_raw_left, &s->ulowat);
	} else {
		/* Body ends when upstream closes. */
		s->res_until_close = 1;
		if (client11)
			s->res_chunked = 1;
		else
			s->client_keepalive = 0;
	}
	if (s->res_chunked && evbuffer_add_printf(out,
	    "Transfer-Encoding: chunked\r\n") == -1)
		goto fail;
	if (!s->client_keepalive &&
	    evbuffer_add_printf(out, "Connection: close\r\n") == -1)
		goto fail;
	/* HTTP/1.0 keep-alive must be confirmed explicitly. */
	if (s->client_keepalive && !client11 &&
	    evbuffer_add_printf(out, "Connection: keep-alive\r\n") == -1)
		goto fail;
	if (evbuffer_add(out, "\r\n", 2) == -1)
		goto fail;
	/*
	 * http_parser cannot know a HEAD response has no body; a
	 * Content-Length body is moved by the parse loop.
	 */
	return (s->cp.method == HTTP_HEAD || s->res_raw_left > 0) ? 1 : 0;
 fail:
	session_kill(s, "out of memory");
	return -1;
}

static int
ures_body(http_parser *p, const char *at, size_t len)
{
	struct session	*s = session_of(p);
	struct evbuffer	*out = bufferevent_get_output(s->cbev);

	if (s->res_discard)
		return 0;
	s->res_body_bytes += len;
	s->srv->stats.bytes_to_client += len;
	if (s->res_chunked && evbuffer_add_printf(out, "%zx\r\n", len) == -1)
		goto fail;
	if (evbuffer_add(out, at, len) == -1)
		goto fail;
	if (s->res_chunked && evbuffer_add(out, "\r\n", 2) == -1)
		goto fail;
	return 0;
 fail:
	session_kill(s, "out of memory");
	return -1;
}

static int
ures_done(http_parser *p)
{
	struct session	*s = session_of(p);

	if (s->res_interim) {
		s->res_interim = 0;
		return 0;
	}
	if (s->res_raw_left > 0) {
		http_parser_pause(p, 1);
		return 0;
	}
	if (s->res_chunked && evbuffer_add(bufferevent_get_output(s->cbev),
	    "0\r\n\r\n", 5) == -1) {
		session_kill(s, "out of memory");
		return -1;
	}
	http_parser_pause(p, 1);
	return 0;
}

/* The upstream response is complete. */
static void
session_response_done(struct session *s)
{
	int	reuse = http_should_keep_alive(&s->up) && !s->res_until_close;

	if (!s->req_complete) {
		/*
		 * Upstream answered before the request body ended (an auth
		 * challenge or an error): neither connection is at a message
		 * boundary any more.
		 */
		reuse = 0;
		s->client_keepalive = 0;
	}
	if (!reuse)
		session_drop_upstream(s);
	session_txn_done(s);
}

static void
session_txn_done(struct session *s)
{
	session_access_log(s);
	s->in_txn = 0;
	httpmsg_clear(&s->res);
	if (!s->client_keepalive)
		session_close_after_flush(s, "client asked to close");
}

static void
session_parse_upstream(struct session *s)
{
	struct evbuffer		*in;
	struct evbuffer_iovec	 v;
	size_t			 n;
	enum http_errno		 err;

	while (!s->dead && s->ubev != NULL && !s->held) {
		if (s->splice != NULL && s->splice_response)
			break;		/* the body moves in-kernel */
		in = bufferevent_get_input(s->ubev);
		if (s->in_txn && s->res_raw_left > 0 &&
		    session_splice_response_free(s) &&
		    session_splice_drain(s, s->ubev, s->cbev, s->res_raw_left,
		    SPLICE_DRAIN_RESPONSE))
			break;		/* the client's queue goes out first */
		if (evbuffer_get_length(in) == 0) {
			if (s->in_txn && s->res_raw_left > 0)
				(void)session_splice_response(s);
			break;
		}
		if (!s->in_txn) {
			/* Bytes with no request: the connection is unusable. */
			session_drop_upstream(s);
			break;
		}
		if (evbuffer_get_length(bufferevent_get_output(s->cbev)) >=
		    s->srv->conf->limits.high_watermark) {
			/* The client reads slower than upstream sends. */
			s->throttled_upstream = 1;
			s->srv->stats.throttle_events++;
			bufferevent_disable(s->ubev, EV_READ);
			break;
		}
		/*
		 * A head held for a scan stopped on its own last byte:
		 * the parser takes that before any body moves raw.
		 */
		if (s->res_raw_left > 0 && s->res_discard && !s->res_head_held) {
			n = evbuffer_get_length(in);
			if (n > s->res_raw_left)
				n = (size_t)s->res_raw_left;
			evbuffer_drain(in, n);
			s->res_raw_left -= n;
			if (s->res_raw_left == 0) {
				session_response_done(s);
				session_parse_client(s);
				break;
			}
			continue;
		}
		if (s->res_raw_left > 0 && !s->res_head_held) {
			n = session_move(s, in, s->cbev, &s->res_raw_left);
			s->res_body_bytes += n;
			s->srv->stats.bytes_to_client += n;
			session_lowat(s->ubev, s->res_raw_left, &s->ulowat);
			if (s->res_raw_left == 0) {
				session_response_done(s);
				session_parse_client(s);
				break;
			}
			if (session_splice_response(s))
				break;
			continue;
		}
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		httpmsg_segment(&s->res, v.iov_base, v.iov_len);
		n = http_parser_execute(&s->up, &ures_settings, v.iov_base,
		    v.iov_len);
		evbuffer_drain(in, n);
		s->res_head_held = 0;
		err = HTTP_PARSER_ERRNO(&s->up);
		if (err == HPE_PAUSED && s->held) {
			/* The rest waits in the buffer for the scan. */
			bufferevent_disable(s->ubev, EV_READ);
			break;
		}
		if (err == HPE_PAUSED) {
			http_parser_pause(&s->up, s->res_raw_left > 0 ? 0 : 1);
			if (s->res_raw_left > 0)
				continue;
			session_response_done(s);
			/* A pipelined request may be waiting. */
			session_parse_client(s);
			break;
		}
		if (err != HPE_OK) {
			if (!s->dead) {
				log_warnx("session %llu: malformed upstream "
				    "response: %s", (unsigned long long)s->id,
				    http_errno_description(err));
				session_drop_upstream(s);
				session_reply_error(s, 502, "UNAVAILABLE",
				    "upstream registry sent a malformed "
				    "response");
			}
			break;
		}
	}
}

/* ---- libevent callbacks ---- */

static void
session_client_read_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;

	session_enter(s);

	if (s->req_raw_left > 0 && !s->throttled_client)
		session_slurp(bev, s->req_raw_left);
	session_parse_client(s);
	session_leave(s);
}

static void
session_client_write_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;

	session_enter(s);

	if (s->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			session_kill(s, s->close_reason);
	} else if (s->ubev != NULL && session_splice_drained(s, s->ubev,
	    s->cbev, SPLICE_DRAIN_RESPONSE)) {
		session_parse_upstream(s);
	} else if (s->throttled_upstream && s->ubev != NULL) {
		s->throttled_upstream = 0;
		bufferevent_enable(s->ubev, EV_READ);
		session_parse_upstream(s);
	}
	session_leave(s);
}

static void
session_client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;

	session_enter(s);

	if (what & BEV_EVENT_CONNECTED) {
		/* TLS handshake done: nothing to do until bytes come. */
	} else if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING)) {
		if (s->in_txn && s->req_complete) {
			/* Quiet client while the response streams: fine. */
			bufferevent_enable(bev, EV_READ);
		} else if (s->in_txn && s->clowat > 1) {
			/* As for upstream: bytes below the low mark. */
			session_lowat_reset(bev, &s->clowat);
			bufferevent_enable(bev, EV_READ);
		} else if (s->in_txn) {
			session_drop_upstream(s);
			session_reply_error(s, 408, "UNSUPPORTED",
			    "request not completed in time");
		} else
			session_kill(s, "idle timeout");
	} else if (what & BEV_EVENT_TIMEOUT) {
		session_kill(s, "client stopped reading");
	} else if (what & BEV_EVENT_EOF) {
		if (s->in_txn && s->req_complete && !s->closing) {
			/* Half-close: finish the response, then close. */
			s->client_keepalive = 0;
		} else
			session_kill(s, s->in_txn ?
			    "client disconnected mid-request" :
			    "client closed");
	} else
		session_kill(s, "client connection error");
	session_leave(s);
}

static void
session_upstream_read_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;

	session_enter(s);

	if (s->res_raw_left > 0 && !s->throttled_upstream)
		session_slurp(bev, s->res_raw_left);
	session_parse_upstream(s);
	session_leave(s);
}

static void
session_upstream_write_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;

	session_enter(s);

	if (session_splice_drained(s, s->cbev, s->ubev, SPLICE_DRAIN_REQUEST)) {
		session_parse_client(s);
	} else if (s->throttled_client) {
		s->throttled_client = 0;
		if (!s->throttled_feed)
			bufferevent_enable(s->cbev, EV_READ);
		session_parse_client(s);
	}
	session_leave(s);
}

static void
session_upstream_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;

	session_enter(s);

	if (s->connecting) {
		if (!(what & BEV_EVENT_CONNECTED))
			s->connect_failed = 1;
	} else if (what & BEV_EVENT_CONNECTED) {
		s->upstream_ready = 1;
	} else if (what & BEV_EVENT_TIMEOUT) {
		if ((what & BEV_EVENT_READING) && s->in_txn &&
		    !s->req_complete) {
			/* Upstream is quiet while we still send: expected. */
			bufferevent_enable(bev, EV_READ);
		} else if ((what & BEV_EVENT_READING) && s->ulowat > 1) {
			/*
			 * A stalled sender may have left fewer bytes than
			 * the low mark queued: take them and wait again.
			 */
			session_lowat_reset(bev, &s->ulowat);
			bufferevent_enable(bev, EV_READ);
		} else if (s->in_txn && !s->res_started) {
			session_drop_upstream(s);
			session_reply_error(s, 504, "UNAVAILABLE",
			    "upstream registry did not answer in time");
		} else if (s->in_txn) {
			session_kill(s, "upstream stalled mid-response");
		} else
			session_drop_upstream(s);
	} else
		session_upstream_closed(s, bev);
	session_leave(s);
}

/* The upstream connection ended (EOF or error). */
static void
session_upstream_closed(struct session *s, struct bufferevent *bev)
{
	char	why[256], msg[320];

	/* EOF or error. */
	upstream_error(bev, why, sizeof(why));
	if (s->in_txn && s->res_started && s->res_until_close) {
		/* Close-delimited body: EOF is its end. */
		http_parser_execute(&s->up, &ures_settings, NULL, 0);
		if (HTTP_PARSER_ERRNO(&s->up) == HPE_PAUSED) {
			session_response_done(s);
			session_parse_client(s);
		} else
			session_kill(s, "upstream closed mid-response");
	} else if (s->in_txn && s->res_started) {
		session_kill(s, "upstream closed mid-response");
	} else if (s->in_txn) {
		log_warnx("session %llu: upstream %s: %s",
		    (unsigned long long)s->id, s->srv->conf->upstream.url, why);
		snprintf(msg, sizeof(msg), "upstream registry unreachable: %s",
		    why);
		session_drop_upstream(s);
		session_reply_error(s, 502, "UNAVAILABLE", msg);
	} else
		session_drop_upstream(s);	/* idle keep-alive ended */
}

int
session_new(struct server *srv, struct bufferevent *bev, const char *peer)
{
	struct session	*s;
	struct timeval	 idle = { (time_t)srv->conf->timeouts.idle, 0 };
	struct timeval	 io = { (time_t)srv->conf->timeouts.io, 0 };

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	s->srv = srv;
	s->id = ++srv->next_id;
	s->cbev = bev;
	s->clowat = s->ulowat = 1;	/* the kernel's default */
	snprintf(s->peer, sizeof(s->peer), "%s", peer);
	httpmsg_init(&s->req, srv->conf->limits.max_header_bytes);
	httpmsg_init(&s->res, srv->conf->limits.max_header_bytes);
	http_parser_init(&s->cp, HTTP_REQUEST);
	s->cp.data = s;
	bufferevent_setcb(bev, session_client_read_cb, session_client_write_cb,
	    session_client_event_cb, s);
	bufferevent_setwatermark(bev, EV_READ, 0,
	    srv->conf->limits.high_watermark);
	bufferevent_setwatermark(bev, EV_WRITE,
	    srv->conf->limits.low_watermark, 0);
	bufferevent_set_timeouts(bev, &idle, &io);
	session_tune(srv, bev);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&srv->sessions, s, entry);
	srv->nsessions++;
	return 0;
}

void
session_free(struct session *s, const char *reason)
{
	if (s == NULL)
		return;
	log_debug("session %llu (%s) closed: %s", (unsigned long long)s->id,
	    s->peer, reason ? reason : "-");
	if (s->in_txn) {
		if (s->status == 0)
			s->status = 499;  /* nginx's "client closed request" */
		session_access_log(s);
	}
	/* A body cut short: the tap cannot vouch for it. */
	session_tap_close(s, 0);
	if (s->head_timer != NULL)
		event_free(s->head_timer);
	if ((s->held || s->admit_held) && s->srv->hooks != NULL &&
	    s->srv->hooks->gone != NULL)
		s->srv->hooks->gone(s->srv->hooks->arg, s);
	session_admit_clear(s);
	splice_free(s->splice);
	TAILQ_REMOVE(&s->srv->sessions, s, entry);
	if (s->ubev != NULL)
		bufferevent_free(s->ubev);
	if (s->cbev != NULL)
		bufferevent_free(s->cbev);
	httpmsg_clear(&s->req);
	httpmsg_clear(&s->res);
	server_session_gone(s->srv, s->peer);
	free(s);
}

void
session_free_all(struct server *srv)
{
	struct session	*s;

	while ((s = TAILQ_FIRST(&srv->sessions)) != NULL)
		session_free(s, "shutdown");
}

/* ---- what the hooks may read ---- */

uint64_t
session_id(const struct session *s)
{
	return s->id;
}

struct server *
session_server(const struct session *s)
{
	return s->srv;
}

const struct route *
session_route(const struct session *s)
{
	return &s->route;
}

int
session_method(const struct session *s)
{
	return (int)s->cp.method;
}

int
session_request_has_body(const struct session *s)
{
	return (s->cp.flags & F_CHUNKED) || (s->cp.content_length > 0 &&
	    s->cp.content_length != ULLONG_MAX);
}

const char *
session_request_header(const struct session *s, const char *name)
{
	return httpmsg_get(&s->req, name);
}

const char *
session_response_header(const struct session *s, const char *name)
{
	return httpmsg_get(&s->res, name);
}

int
session_status(const struct session *s)
{
	return s->status;
}

void
session_set_status(struct session *s, int status)
{
	s->status = status;
}

int
session_add_response_header(struct session *s, const char *name,
    const char *value)
{
	size_t	used = strlen(s->res_extra);
	int	n;

	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL ||
	    httpmsg_get(&s->res, name) != NULL)
		return -1;
	n = snprintf(s->res_extra + used, sizeof(s->res_extra) - used,
	    "%s: %s\r\n", name, value);
	if (n < 0 || (size_t)n >= sizeof(s->res_extra) - used) {
		s->res_extra[used] = '\0';
		return -1;
	}
	return 0;
}

void
session_set_response_bytes(struct session *s, uint64_t n)
{
	s->res_body_bytes = n;
}

int
session_keepalive(const struct session *s)
{
	return s->client_keepalive;
}

int
session_reply_closes(struct session *s)
{
	return session_local_close(s);
}
