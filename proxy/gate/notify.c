#include "proxy/gate/notify.h"
#include "proxy/gate/gate.h"
#include "proxy/http/tls.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct notify {
	TAILQ_ENTRY(notify)		 entry;
	struct gate			*g;
	struct evhttp_connection	*conn;
	struct event			*reap;
	char				*url;
};

static void
notify_free(struct notify *n)
{
	TAILQ_REMOVE(&n->g->notifies, n, entry);
	if (n->conn != NULL)
		evhttp_connection_free(n->conn);
	if (n->reap != NULL)
		event_free(n->reap);
	free(n->url);
	free(n);
}

/* Connections may not be freed inside their own callback: do it next. */
static void
notify_reap_cb(evutil_socket_t fd, short ev, void *arg)
{
	notify_free(arg);
}

static void
notify_done_cb(struct evhttp_request *req, void *arg)
{
	struct notify	*n = arg;
	int		 code = req ? evhttp_request_get_response_code(req) : 0;

	if (code < 200 || code > 299)
		log_warnx("webhook %s: %s %d", n->url, code ? "answered" :
		    "no answer", code);
	if (n->reap != NULL)
		event_active(n->reap, EV_TIMEOUT, 0);
}

void
notify_shutdown(struct gate *g)
{
	struct notify	*n;

	while ((n = TAILQ_FIRST(&g->notifies)) != NULL)
		notify_free(n);
}

/* The hex sha256 of fields, each followed by a newline. */
static void
notify_event_id(const char *const *fields, size_t n, char id[65])
{
	EVP_MD_CTX	*md = EVP_MD_CTX_new();
	unsigned char	 h[EVP_MAX_MD_SIZE];
	unsigned	 hlen = 0, i;
	size_t		 k;

	id[0] = '\0';
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto done;
	for (k = 0; k < n; k++)
		if (EVP_DigestUpdate(md, fields[k] ? fields[k] : "",
		    fields[k] ? strlen(fields[k]) : 0) != 1 ||
		    EVP_DigestUpdate(md, "\n", 1) != 1)
			goto done;
	if (EVP_DigestFinal_ex(md, h, &hlen) != 1)
		goto done;
	for (i = 0; i < hlen && i < 32; i++)
		snprintf(id + 2 * i, 3, "%02x", h[i]);
 done:
	EVP_MD_CTX_free(md);
}

static void	notify_webhooks(struct gate *, const char *);

void
notify_event(struct gate *g, json_t *event, const char *const *fields,
    size_t n)
{
	char	 id[65], inst[128], *ev;

	if (event == NULL)
		return;
	notify_event_id(fields, n, id);
	conf_instance(g->conf, inst, sizeof(inst));
	json_object_set_new(event, "instance", json_string(inst));
	json_object_set_new(event, "id", json_string(id));
	if ((ev = json_dumps(event, JSON_COMPACT |
	    JSON_REAL_PRECISION(10))) != NULL) {
		notify_webhooks(g, ev);
		free(ev);
	}
	json_decref(event);
}

static void
notify_webhooks(struct gate *g, const char *event)
{
	int	i;

	/* In a fleet, the instances chosen to send do (one, or all). */
	if (g->conf->fleet.key_file != NULL && !g->conf->fleet.notify)
		return;
	for (i = 0; i < g->conf->nwebhooks; i++) {
		struct evhttp_uri	*uri = evhttp_uri_parse(g->conf->webhooks[i]);
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
			SSL_CTX *ctx = g->notify_ctx;
			SSL	*ssl;

			if (ctx == NULL)
				ctx = g->notify_ctx = tls_client_ctx(NULL, 1);
			if (ctx != NULL && (ssl = tls_client_ssl(ctx, host, 1)) !=
			    NULL && (bev = bufferevent_openssl_socket_new(
			    g->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
			    BEV_OPT_CLOSE_ON_FREE)) == NULL)
				SSL_free(ssl);
		}
		n->g = g;
		TAILQ_INSERT_TAIL(&g->notifies, n, entry);
		n->url = strdup(g->conf->webhooks[i]);
		n->reap = event_new(g->base, -1, 0, notify_reap_cb, n);
		n->conn = (tls && bev == NULL) ? NULL :
		    evhttp_connection_base_bufferevent_new(g->base, g->dns,
		    bev, host, (unsigned short)port);
		if (n->conn == NULL || n->url == NULL || n->reap == NULL ||
		    (req = evhttp_request_new(notify_done_cb, n)) == NULL) {
			log_warnx("webhook %s: cannot send", g->conf->webhooks[i]);
			notify_free(n);
			evhttp_uri_free(uri);
			continue;
		}
		evhttp_connection_set_timeout(n->conn, 10);
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
