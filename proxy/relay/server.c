#include "proxy/relay/server.h"
#include "proxy/relay/accesslog.h"
#include "proxy/relay/peers.h"
#include "proxy/http/tls.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void	server_accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	server_accept_error_cb(struct evconnlistener *, void *);

static void
server_pause_accept(struct server *srv, int seconds)
{
	if (srv->accept_paused)
		return;
	evconnlistener_disable(srv->listener);
	srv->accept_paused = 1;
	if (seconds > 0) {
		struct timeval tv = { seconds, 0 };
		evtimer_add(srv->accept_timer, &tv);
	}
}

static void
server_resume_accept(struct server *srv)
{
	if (!srv->accept_paused ||
	    srv->nsessions >= srv->conf->limits.max_connections)
		return;
	srv->accept_paused = 0;
	evtimer_del(srv->accept_timer);
	evconnlistener_enable(srv->listener);
}

static void
server_accept_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	server_resume_accept(arg);
}

static void
server_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct server	*srv = arg;
	int		 err = EVUTIL_SOCKET_ERROR();

	/* Out of descriptors: back off instead of spinning on accept. */
	if (err == EMFILE || err == ENFILE || err == ENOBUFS ||
	    err == ENOMEM) {
		log_warnx("accept: %s; pausing for 1s",
		    evutil_socket_error_to_string(err));
		server_pause_accept(srv, 1);
		return;
	}
	log_warnx("accept: %s", evutil_socket_error_to_string(err));
}

static void
server_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct server		*srv = arg;
	struct bufferevent	*bev = NULL;
	char			 host[INET6_ADDRSTRLEN] = "?";
	int			 one = 1;
	int			 opts = BEV_OPT_CLOSE_ON_FREE;

	srv->stats.connections++;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, host,
		    sizeof(host));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr,
		    host, sizeof(host));
	if (peers_add(srv->peers, host) == -1) {
		/* Closed at once: a busy address must not hold a slot. */
		if (srv->stats.refused_per_ip++ % 100 == 0)
			log_warnx("%s: more than %llu connections from this "
			    "address (limits.max_connections_per_ip); refusing",
			    host, (unsigned long long)
			    srv->conf->limits.max_connections_per_ip);
		evutil_closesocket(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (srv->server_ctx != NULL) {
		SSL	*ssl = SSL_new(srv->server_ctx);

		if (ssl == NULL) {
			tls_log_errors("SSL_new");
			peers_del(srv->peers, host);
			evutil_closesocket(fd);
			return;
		}
		bev = bufferevent_openssl_socket_new(srv->base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, opts);
		if (bev == NULL)
			SSL_free(ssl);
		else
			bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	} else
		bev = bufferevent_socket_new(srv->base, fd, opts);
	if (bev == NULL) {
		log_warnx("%s: cannot set up connection from %s", __func__,
		    host);
		peers_del(srv->peers, host);
		evutil_closesocket(fd);
		return;
	}
	if (srv->accept(srv, bev, host) == -1) {
		peers_del(srv->peers, host);
		bufferevent_free(bev);
		return;
	}
	if (srv->nsessions >= srv->conf->limits.max_connections)
		server_pause_accept(srv, 0);
}

void
server_session_gone(struct server *srv, const char *peer)
{
	peers_del(srv->peers, peer);
	srv->nsessions--;
	server_resume_accept(srv);
}

void
server_metrics(struct server *srv, struct evbuffer *out)
{
	const struct server_stats *st = &srv->stats;

	evbuffer_add_printf(out,
	    "# TYPE portcullis_connections_total counter\n"
	    "portcullis_connections_total %llu\n"
	    "# TYPE portcullis_connections_open gauge\n"
	    "portcullis_connections_open %llu\n"
	    "# TYPE portcullis_requests_total counter\n"
	    "portcullis_requests_total %llu\n"
	    "# TYPE portcullis_upstream_errors_total counter\n"
	    "portcullis_upstream_errors_total %llu\n"
	    "# TYPE portcullis_client_errors_total counter\n"
	    "portcullis_client_errors_total %llu\n"
	    "# TYPE portcullis_bytes_from_client_total counter\n"
	    "portcullis_bytes_from_client_total %llu\n"
	    "# TYPE portcullis_bytes_to_client_total counter\n"
	    "portcullis_bytes_to_client_total %llu\n"
	    "# TYPE portcullis_bytes_spliced_total counter\n"
	    "portcullis_bytes_spliced_total %llu\n"
	    "# TYPE portcullis_throttle_events_total counter\n"
	    "portcullis_throttle_events_total %llu\n"
	    "# TYPE portcullis_connections_refused_total counter\n"
	    "portcullis_connections_refused_total{reason=\"per_ip\"} %llu\n"
	    "# TYPE portcullis_request_head_timeouts_total counter\n"
	    "portcullis_request_head_timeouts_total %llu\n",
	    (unsigned long long)st->connections,
	    (unsigned long long)srv->nsessions,
	    (unsigned long long)st->requests,
	    (unsigned long long)st->upstream_errors,
	    (unsigned long long)st->client_errors,
	    (unsigned long long)st->bytes_from_client,
	    (unsigned long long)st->bytes_to_client,
	    (unsigned long long)st->bytes_spliced,
	    (unsigned long long)st->throttle_events,
	    (unsigned long long)st->refused_per_ip,
	    (unsigned long long)st->head_timeouts);
}

static int
server_listen(struct server *srv)
{
	struct evutil_addrinfo	 hints, *res = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 h[INET6_ADDRSTRLEN];
	int			 rv = -1, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_NUMERICSERV;
	if ((e = evutil_getaddrinfo(srv->conf->listen_host,
	    srv->conf->listen_port, &hints, &res)) != 0) {
		log_warnx("listen %s:%s: %s", srv->conf->listen_host,
		    srv->conf->listen_port, evutil_gai_strerror(e));
		goto done;
	}
	srv->listener = evconnlistener_new_bind(srv->base, server_accept_cb,
	    srv, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	    LEV_OPT_CLOSE_ON_EXEC, 511, res->ai_addr, (int)res->ai_addrlen);
	if (srv->listener == NULL) {
		log_warn("listen %s:%s", srv->conf->listen_host,
		    srv->conf->listen_port);
		goto done;
	}
	evconnlistener_set_error_cb(srv->listener, server_accept_error_cb);
	/* Report the real port (the config may say 0). */
	if (getsockname(evconnlistener_get_fd(srv->listener),
	    (struct sockaddr *)&ss, &sslen) == 0) {
		if (ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6,
			    &((struct sockaddr_in6 *)&ss)->sin6_addr, h,
			    sizeof(h));
			snprintf(srv->bound, sizeof(srv->bound), "[%s]:%u", h,
			    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
		} else {
			inet_ntop(AF_INET,
			    &((struct sockaddr_in *)&ss)->sin_addr, h,
			    sizeof(h));
			snprintf(srv->bound, sizeof(srv->bound), "%s:%u", h,
			    ntohs(((struct sockaddr_in *)&ss)->sin_port));
		}
	}
	rv = 0;
 done:
	if (res != NULL)
		evutil_freeaddrinfo(res);
	return rv;
}

struct server *
server_new(struct event_base *base, struct evdns_base *dns, struct conf *conf,
    const struct relay_hooks *hooks, server_accept_fn accept)
{
	struct server	*srv;

	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	srv->base = base;
	srv->dns = dns;
	srv->conf = conf;
	srv->hooks = hooks;
	srv->accept = accept;
	TAILQ_INIT(&srv->sessions);
	if (conf->tls.cert != NULL && (srv->server_ctx =
	    tls_server_ctx(conf->tls.cert, conf->tls.key)) == NULL)
		goto fail;
	if (conf->upstream.tls && (srv->upstream_ctx =
	    tls_client_ctx(conf->upstream.ca_file, conf->upstream.verify)) ==
	    NULL)
		goto fail;
	if ((srv->accept_timer = evtimer_new(base, server_accept_timer_cb,
	    srv)) == NULL)
		goto fail;
	if (conf->access_log != NULL &&
	    (srv->access = accesslog_open(conf->access_log)) == NULL)
		goto fail;
	if ((srv->peers = peers_new(conf->limits.max_connections_per_ip)) ==
	    NULL || server_listen(srv) == -1)
		goto fail;
	return srv;
 fail:
	log_warnx("%s: cannot start the server", __func__);
	server_free(srv);
	return NULL;
}

void
server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	if (srv->listener != NULL)
		evconnlistener_free(srv->listener);
	if (srv->accept_timer != NULL)
		event_free(srv->accept_timer);
	accesslog_close(srv->access);
	peers_free(srv->peers);
	SSL_CTX_free(srv->server_ctx);
	SSL_CTX_free(srv->upstream_ctx);
	free(srv);
}
