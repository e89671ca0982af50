#include "proxy/relay/upstream.h"
#include "proxy/relay/server.h"
#include "proxy/http/tls.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct bufferevent *
upstream_connect(struct server *srv,
    void (*readcb)(struct bufferevent *, void *),
    void (*writecb)(struct bufferevent *, void *),
    void (*eventcb)(struct bufferevent *, short, void *), void *arg)
{
	const struct conf_upstream *u = &srv->conf->upstream;
	struct bufferevent	*bev = NULL;
	SSL			*ssl = NULL;
	/*
	 * No deferred callbacks: they cost a quarter of relay throughput;
	 * the session guards against nesting instead.
	 */
	int			 opts = BEV_OPT_CLOSE_ON_FREE;

	if (u->tls) {
		const char *name = u->server_name ? u->server_name : u->host;

		if ((ssl = tls_client_ssl(srv->upstream_ctx, name,
		    u->verify)) == NULL)
			goto fail;
		bev = bufferevent_openssl_socket_new(srv->base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, opts);
		if (bev == NULL) {
			SSL_free(ssl);
			goto fail;
		}
		/* Registries often close without close_notify. */
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	} else if ((bev = bufferevent_socket_new(srv->base, -1, opts)) == NULL)
		goto fail;
	bufferevent_setcb(bev, readcb, writecb, eventcb, arg);
	if (bufferevent_socket_connect_hostname(bev, srv->dns, AF_UNSPEC,
	    u->host, atoi(u->port)) == -1) {
		log_warnx("%s: connect to %s:%s failed at once", __func__,
		    u->host, u->port);
		goto fail;
	}
	return bev;
 fail:
	if (bev != NULL)
		bufferevent_free(bev);
	log_warnx("%s: cannot open upstream connection", __func__);
	return NULL;
}

const char *
upstream_error(struct bufferevent *bev, char *buf, size_t len)
{
	unsigned long	e;
	int		dnserr = bufferevent_socket_get_dns_error(bev);

	if (dnserr != 0) {
		snprintf(buf, len, "name resolution: %s",
		    evutil_gai_strerror(dnserr));
		return buf;
	}
	if ((e = bufferevent_get_openssl_error(bev)) != 0) {
		char	tmp[200];

		ERR_error_string_n(e, tmp, sizeof(tmp));
		snprintf(buf, len, "TLS: %s", tmp);
		while (bufferevent_get_openssl_error(bev) != 0)
			;
		return buf;
	}
	snprintf(buf, len, "%s", EVUTIL_SOCKET_ERROR() ?
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()) :
	    "connection closed");
	return buf;
}
