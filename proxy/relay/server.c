#include "proxy/relay/server.h"
#include "proxy/relay/session.h"
#include "proxy/http/tls.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/upload.h"
#include "proxy/gate/notify.h"
#include "proxy/gate/scanjob.h"
#include "proxy/gate/monitor.h"
#include "proxy/gate/gatecache.h"
#include "proxy/gate/record.h"
#include "scan/layer/feed.h"
#include "store/db.h"
#include <sys/stat.h>
#include <time.h>
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
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (srv->server_ctx != NULL) {
		SSL	*ssl = SSL_new(srv->server_ctx);

		if (ssl == NULL) {
			tls_log_errors("SSL_new");
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
		evutil_closesocket(fd);
		return;
	}
	if (session_new(srv, bev, host) == NULL) {
		bufferevent_free(bev);
		return;
	}
	if (srv->nsessions >= srv->conf->limits.max_connections)
		server_pause_accept(srv, 0);
}

void
server_session_gone(struct server *srv, struct session *s)
{
	srv->nsessions--;
	server_resume_accept(srv);
}

struct store *
server_store(struct server *srv)
{
	char	path[4096];
	time_t	now = time(NULL);

	if (srv->store != NULL || now - srv->store_tried < 5)
		return srv->store;
	srv->store_tried = now;
	/* The proxy records what it scans: open for writing, creating. */
	if (mkdir(srv->conf->state_dir, 0750) == -1 && errno != EEXIST) {
		log_warn("state_dir %s", srv->conf->state_dir);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/db", srv->conf->state_dir);
	srv->store = store_open(path, 0);
	if (srv->store != NULL && record_base_index_build(srv->store) == -1)
		log_warnx("cannot index the recorded images by their first "
		    "layer: bases found by layers may be missed until a "
		    "restart does it");
	return srv->store;
}

void
server_access(struct server *srv, const char *line)
{
	if (srv->access == NULL)
		return;
	fprintf(srv->access, "%s\n", line);
	fflush(srv->access);
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
	    "# TYPE portcullis_gate_decisions_total counter\n"
	    "portcullis_gate_decisions_total{decision=\"allow\"} %llu\n"
	    "portcullis_gate_decisions_total{decision=\"deny\"} %llu\n"
	    "# TYPE portcullis_gate_unscanned_total counter\n"
	    "portcullis_gate_unscanned_total %llu\n"
	    "# TYPE portcullis_gate_cache_hits_total counter\n"
	    "portcullis_gate_cache_hits_total %llu\n"
	    "# TYPE portcullis_layers_scanned_total counter\n"
	    "portcullis_layers_scanned_total %llu\n"
	    "# TYPE portcullis_uploads_scanning gauge\n"
	    "portcullis_uploads_scanning %u\n"
	    "# TYPE portcullis_upload_scan_waits_total counter\n"
	    "portcullis_upload_scan_waits_total %llu\n"
	    "# TYPE portcullis_upload_readbacks_total counter\n"
	    "portcullis_upload_readbacks_total %llu\n"
	    "# TYPE portcullis_upload_readback_failures_total counter\n"
	    "portcullis_upload_readback_failures_total %llu\n"
	    "# TYPE portcullis_spill_bytes gauge\n"
	    "portcullis_spill_bytes %llu\n"
	    "# TYPE portcullis_images_rematched_total counter\n"
	    "portcullis_images_rematched_total %llu\n"
	    "# TYPE portcullis_verdicts_changed_total counter\n"
	    "portcullis_verdicts_changed_total %llu\n"
	    "# TYPE portcullis_scans_running gauge\n"
	    "portcullis_scans_running %u\n",
	    (unsigned long long)st->connections,
	    (unsigned long long)srv->nsessions,
	    (unsigned long long)st->requests,
	    (unsigned long long)st->upstream_errors,
	    (unsigned long long)st->client_errors,
	    (unsigned long long)st->bytes_from_client,
	    (unsigned long long)st->bytes_to_client,
	    (unsigned long long)st->bytes_spliced,
	    (unsigned long long)st->throttle_events,
	    (unsigned long long)st->gate_allowed,
	    (unsigned long long)st->gate_denied,
	    (unsigned long long)st->gate_unknown,
	    (unsigned long long)st->gate_cached,
	    (unsigned long long)st->layers_scanned, srv->nuploads,
	    (unsigned long long)st->scan_waits,
	    (unsigned long long)st->readbacks,
	    (unsigned long long)st->readback_failures,
	    (unsigned long long)feed_budget_used(srv->spill_budget),
	    (unsigned long long)st->images_rematched,
	    (unsigned long long)st->verdicts_changed, srv->nscanjobs);
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
server_new(struct event_base *base, struct conf *conf)
{
	struct server	*srv;

	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		log_warn("%s", __func__);
		conf_free(conf);
		return NULL;
	}
	srv->base = base;
	srv->conf = conf;
	TAILQ_INIT(&srv->sessions);
	TAILQ_INIT(&srv->uploads);
	TAILQ_INIT(&srv->scanjobs);
	TAILQ_INIT(&srv->notifies);
	if (conf->tls.cert != NULL && (srv->server_ctx =
	    tls_server_ctx(conf->tls.cert, conf->tls.key)) == NULL)
		goto fail;
	if (conf->upstream.tls && (srv->upstream_ctx =
	    tls_client_ctx(conf->upstream.ca_file, conf->upstream.verify)) ==
	    NULL)
		goto fail;
	if ((srv->dns = evdns_base_new(base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL) {
		/* No resolv.conf: literal addresses still work. */
		if ((srv->dns = evdns_base_new(base, 0)) == NULL)
			goto fail;
	}
	if ((srv->accept_timer = evtimer_new(base, server_accept_timer_cb,
	    srv)) == NULL)
		goto fail;
	if (conf->access_log != NULL) {
		if (strcmp(conf->access_log, "-") == 0)
			srv->access = stdout;
		else if ((srv->access = fopen(conf->access_log, "a")) == NULL) {
			log_warn("access log %s", conf->access_log);
			goto fail;
		}
	}
	/* A slot per few hundred bytes: 4096 entries, about 4.6 MiB. */
	if ((srv->gatecache = gatecache_new(4096)) == NULL ||
	    (srv->spill_budget = feed_budget_new(conf->scanner.spill_max)) ==
	    NULL || server_listen(srv) == -1)
		goto fail;
	/*
	 * Create state_dir and the store now, not at the first push: the
	 * upload feeds spill there. Failure is retried later (logged).
	 */
	server_store(srv);
	if (monitor_start(srv) == -1)
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
	struct session	*s;

	if (srv == NULL)
		return;
	while ((s = TAILQ_FIRST(&srv->sessions)) != NULL)
		session_free(s, "shutdown");
	monitor_stop(srv);
	upload_shutdown(srv);
	/* Every feed is joined: none uses the budget any more. */
	feed_budget_free(srv->spill_budget);
	scanjob_shutdown(srv);
	notify_shutdown(srv);
	if (srv->listener != NULL)
		evconnlistener_free(srv->listener);
	if (srv->accept_timer != NULL)
		event_free(srv->accept_timer);
	if (srv->dns != NULL)
		evdns_base_free(srv->dns, 0);
	if (srv->access != NULL && srv->access != stdout)
		fclose(srv->access);
	gate_close(srv);
	SSL_CTX_free(srv->server_ctx);
	SSL_CTX_free(srv->upstream_ctx);
	SSL_CTX_free(srv->notify_ctx);
	conf_free(srv->conf);
	free(srv);
}
