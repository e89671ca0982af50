#include "proxy/fetch.h"
#include "proxy/tls.h"
#include "conf/log.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct fetch {
	struct event_base	*base;
	struct bufferevent	*bev;
	FILE			*out;
	unsigned long long	 got, max;
	int			 status;
	int			 failed;
	char			*err;
	size_t			 errlen;
};

static void
fetch_chunk_cb(struct evhttp_request *req, void *arg)
{
	struct fetch	*f = arg;
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	char		 buf[65536];
	int		 n;

	/* evhttp drains the input after this returns: move it all out. */
	while ((n = evbuffer_remove(in, buf, sizeof(buf))) > 0) {
		f->got += (unsigned long long)n;
		if (f->got > f->max) {
			snprintf(f->err, f->errlen, "download larger than %llu "
			    "bytes", f->max);
			f->failed = 1;
			evhttp_cancel_request(req);
			event_base_loopexit(f->base, NULL);
			return;
		}
		if (fwrite(buf, 1, (size_t)n, f->out) != (size_t)n) {
			snprintf(f->err, f->errlen, "write: %s",
			    strerror(errno));
			f->failed = 1;
			evhttp_cancel_request(req);
			event_base_loopexit(f->base, NULL);
			return;
		}
	}
}

static void
fetch_done_cb(struct evhttp_request *req, void *arg)
{
	struct fetch	*f = arg;
	unsigned long	 e;

	if (f->failed)
		return;
	if (req == NULL || evhttp_request_get_response_code(req) == 0) {
		char	tls[200] = "";

		if ((e = bufferevent_get_openssl_error(f->bev)) != 0)
			ERR_error_string_n(e, tls, sizeof(tls));
		snprintf(f->err, f->errlen, "no response%s%s",
		    tls[0] ? ": " : "", tls);
		f->failed = 1;
	} else if ((f->status = evhttp_request_get_response_code(req)) !=
	    200) {
		snprintf(f->err, f->errlen, "HTTP %d", f->status);
		f->failed = 1;
	}
	event_base_loopexit(f->base, NULL);
}

int
fetch_to_file(const char *url, const char *ca_file, const char *path,
    unsigned long long max_bytes, char *err, size_t errlen)
{
	struct fetch		 f;
	struct evhttp_uri	*uri = NULL;
	struct evdns_base	*dns = NULL;
	struct evhttp_connection *conn = NULL;
	struct evhttp_request	*req;
	SSL_CTX			*ctx = NULL;
	SSL			*ssl;
	const char		*host, *p, *q;
	char			 target[4096];
	int			 port, rv = -1;

	memset(&f, 0, sizeof(f));
	f.err = err;
	f.errlen = errlen;
	f.max = max_bytes;
	if ((uri = evhttp_uri_parse(url)) == NULL ||
	    evhttp_uri_get_scheme(uri) == NULL ||
	    strcasecmp(evhttp_uri_get_scheme(uri), "https") != 0 ||
	    (host = evhttp_uri_get_host(uri)) == NULL) {
		snprintf(err, errlen, "%s: not an https:// URL", url);
		goto done;
	}
	port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) : 443;
	p = evhttp_uri_get_path(uri);
	q = evhttp_uri_get_query(uri);
	snprintf(target, sizeof(target), "%s%s%s", p && *p ? p : "/",
	    q ? "?" : "", q ? q : "");
	if ((f.out = fopen(path, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	if ((f.base = event_base_new()) == NULL ||
	    (dns = evdns_base_new(f.base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL ||
	    (ctx = tls_client_ctx(ca_file, 1)) == NULL ||
	    (ssl = tls_client_ssl(ctx, host, 1)) == NULL) {
		snprintf(err, errlen, "cannot set up TLS");
		goto done;
	}
	f.bev = bufferevent_openssl_socket_new(f.base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (f.bev == NULL) {
		SSL_free(ssl);
		goto done;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(f.bev, 1);
	/* The connection owns the bufferevent from here on. */
	conn = evhttp_connection_base_bufferevent_new(f.base, dns, f.bev, host,
	    (unsigned short)port);
	if (conn == NULL)
		goto done;
	evhttp_connection_set_timeout(conn, 60);
	if ((req = evhttp_request_new(fetch_done_cb, &f)) == NULL)
		goto done;
	evhttp_request_set_chunked_cb(req, fetch_chunk_cb);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", host);
	evhttp_add_header(evhttp_request_get_output_headers(req), "User-Agent",
	    "portcullis-db-update");
	if (evhttp_make_request(conn, req, EVHTTP_REQ_GET, target) != 0) {
		snprintf(err, errlen, "cannot send the request");
		goto done;
	}
	event_base_dispatch(f.base);
	if (!f.failed && f.status != 200)
		snprintf(err, errlen, "no response");
	else if (!f.failed)
		rv = 0;
 done:
	if (f.out != NULL && fclose(f.out) != 0 && rv == 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rv = -1;
	}
	if (rv == -1)
		remove(path);
	if (conn != NULL)
		evhttp_connection_free(conn);
	else if (f.bev != NULL)
		bufferevent_free(f.bev);
	if (dns != NULL)
		evdns_base_free(dns, 0);
	SSL_CTX_free(ctx);
	if (f.base != NULL)
		event_base_free(f.base);
	if (uri != NULL)
		evhttp_uri_free(uri);
	return rv;
}
