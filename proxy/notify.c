#include "proxy/notify.h"
#include "proxy/server.h"
#include "proxy/tls.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

struct notify {
	struct evhttp_connection	*conn;
	char				*url;
};

static void
notify_done_cb(struct evhttp_request *req, void *arg)
{
	struct notify	*n = arg;
	int		 code = req ? evhttp_request_get_response_code(req) : 0;

	if (code < 200 || code > 299)
		log_warnx("webhook %s: %s %d", n->url, code ? "answered" :
		    "no answer", code);
	/* The connection frees itself (free_on_completion). */
	free(n->url);
	free(n);
}

void
notify_webhooks(struct server *srv, const char *event)
{
	int	i;

	for (i = 0; i < srv->conf->nwebhooks; i++) {
		struct evhttp_uri	*uri = evhttp_uri_parse(srv->conf->webhooks[i]);
		struct evhttp_request	*req;
		struct notify		*n;
		struct bufferevent	*bev = NULL;
		const char		*host, *path, *scheme;
		int			 port, tls;

		if (uri == NULL || (host = evhttp_uri_get_host(uri)) == NULL ||
		    (scheme = evhttp_uri_get_scheme(uri)) == NULL ||
		    (n = calloc(1, sizeof(*n))) == NULL) {
			if (uri != NULL)
				evhttp_uri_free(uri);
			continue;
		}
		tls = strcmp(scheme, "https") == 0;
		port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) :
		    tls ? 443 : 80;
		path = evhttp_uri_get_path(uri);
		if (tls) {
			SSL_CTX *ctx = srv->notify_ctx;
			SSL	*ssl;

			if (ctx == NULL)
				ctx = srv->notify_ctx = tls_client_ctx(NULL, 1);
			if (ctx != NULL && (ssl = tls_client_ssl(ctx, host, 1)) !=
			    NULL && (bev = bufferevent_openssl_socket_new(
			    srv->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
			    BEV_OPT_CLOSE_ON_FREE)) == NULL)
				SSL_free(ssl);
		}
		n->url = strdup(srv->conf->webhooks[i]);
		n->conn = (tls && bev == NULL) ? NULL :
		    evhttp_connection_base_bufferevent_new(srv->base, srv->dns,
		    bev, host, (unsigned short)port);
		if (n->conn == NULL || n->url == NULL ||
		    (req = evhttp_request_new(notify_done_cb, n)) == NULL) {
			log_warnx("webhook %s: cannot send", srv->conf->webhooks[i]);
			if (n->conn != NULL)
				evhttp_connection_free(n->conn);
			free(n->url);
			free(n);
			evhttp_uri_free(uri);
			continue;
		}
		evhttp_connection_set_timeout(n->conn, 10);
		evhttp_connection_free_on_completion(n->conn);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
		    host);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "application/json");
		evbuffer_add(evhttp_request_get_output_buffer(req), event,
		    strlen(event));
		if (evhttp_make_request(n->conn, req, EVHTTP_REQ_POST,
		    path && *path ? path : "/") != 0)
			log_warnx("webhook %s: cannot send", n->url);
		evhttp_uri_free(uri);
	}
}
