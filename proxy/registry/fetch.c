#include "proxy/registry/fetch.h"
#include "proxy/http/tls.h"
#include "conf/log.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

/*
 * How often a cancellable transfer looks at its flag: a shutdown waits
 * at most this long for it, whatever the remote side does.
 */
#define FETCH_CANCEL_POLL	100	/* ms */

struct fetch {
	struct event_base	*base;
	struct bufferevent	*bev;
	struct fetch_req	*r;
	struct evhttp_request	*req;		/* NULL once answered */
	struct evbuffer		*mem;		/* body when r->out is NULL */
	EVP_MD_CTX		*md;
	unsigned long long	 got;
	int			 failed;
	char			*err;
	size_t			 errlen;
};

static void
fetch_fail(struct fetch *f, struct evhttp_request *req, const char *fmt,
    const char *arg)
{
	snprintf(f->err, f->errlen, fmt, arg);
	f->failed = 1;
	if (req != NULL)
		evhttp_cancel_request(req);
	event_base_loopexit(f->base, NULL);
}

/*
 * Move the body bytes out of req's input. may_cancel: req may be
 * cancelled on failure (not from its done callback).
 */
static void
fetch_take(struct fetch *f, struct evhttp_request *req, int may_cancel)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	struct evhttp_request *c = may_cancel ? req : NULL;
	int		 code = evhttp_request_get_response_code(req);
	int		 sink = f->r->sink != NULL && code >= 200 && code < 300;
	char		 buf[65536], lim[32];
	int		 n;

	while (!f->failed && (n = evbuffer_remove(in, buf, sizeof(buf))) > 0) {
		f->got += (unsigned long long)n;
		if (f->got > f->r->max) {
			snprintf(lim, sizeof(lim), "%llu", f->r->max);
			fetch_fail(f, c, "response larger than %s bytes", lim);
		} else if (f->md != NULL &&
		    EVP_DigestUpdate(f->md, buf, (size_t)n) != 1)
			fetch_fail(f, c, "%s", "sha256 failed");
		else if (sink) {
			f->r->status = code;	/* the sink may ask */
			if (f->r->sink(f->r->sink_arg, buf, (size_t)n) == -1)
				fetch_fail(f, c, "%s", "the body's reader "
				    "stopped");
		} else if (f->r->out != NULL ? fwrite(buf, 1, (size_t)n,
		    f->r->out) != (size_t)n : evbuffer_add(f->mem, buf,
		    (size_t)n) != 0)
			fetch_fail(f, c, "write: %s", strerror(errno));
	}
}

static void
fetch_chunk_cb(struct evhttp_request *req, void *arg)
{
	/* evhttp drains the input after this returns: move it all out. */
	fetch_take(arg, req, 1);
}

static void
fetch_header(struct evhttp_request *req, const char *name, char *dst,
    size_t len)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(req),
	    name);

	snprintf(dst, len, "%s", v ? v : "");
}

/* A body that ended before its Content-Length is no body. */
static void
fetch_short(struct fetch *f, struct evhttp_request *req)
{
	const char		*cl = evhttp_find_header(
				    evhttp_request_get_input_headers(req),
				    "Content-Length");
	unsigned long long	 want;
	char			 got[64];

	/* A HEAD's Content-Length is the GET's: no body follows. */
	if (cl == NULL || f->failed || f->r->status == 304 ||
	    f->r->status == 204 || f->r->method == EVHTTP_REQ_HEAD)
		return;
	want = strtoull(cl, NULL, 10);
	if (f->got < want) {
		snprintf(got, sizeof(got), "%llu of %llu", f->got, want);
		snprintf(f->err, f->errlen, "the body ended after %s bytes",
		    got);
		f->failed = 1;
	}
}

static void
fetch_done_cb(struct evhttp_request *req, void *arg)
{
	struct fetch	*f = arg;
	unsigned long	 e;

	f->req = NULL;		/* evhttp frees it on return */
	if (f->failed)
		return;
	if (req == NULL || evhttp_request_get_response_code(req) == 0) {
		char	tls[200] = "";

		if (f->bev != NULL && (e = bufferevent_get_openssl_error(f->bev))
		    != 0)
			ERR_error_string_n(e, tls, sizeof(tls));
		if (f->got > 0)
			snprintf(f->err, f->errlen, "the transfer broke off "
			    "after %llu bytes of the body%s%s", f->got,
			    tls[0] ? ": " : "", tls);
		else
			snprintf(f->err, f->errlen, "no response%s%s",
			    tls[0] ? ": " : "", tls);
		f->failed = 1;
	} else {
		/* Whatever the chunk callback has not seen (never cancel here). */
		fetch_take(f, req, 0);
		f->r->status = evhttp_request_get_response_code(req);
		fetch_header(req, "WWW-Authenticate", f->r->www_authenticate,
		    sizeof(f->r->www_authenticate));
		fetch_header(req, "Location", f->r->location,
		    sizeof(f->r->location));
		fetch_header(req, "Content-Type", f->r->content_type,
		    sizeof(f->r->content_type));
		fetch_header(req, "ETag", f->r->etag, sizeof(f->r->etag));
		fetch_header(req, "Last-Modified", f->r->last_modified,
		    sizeof(f->r->last_modified));
		fetch_short(f, req);
	}
	event_base_loopexit(f->base, NULL);
}

/* The loop's look at the cancel flag. */
static void
fetch_cancel_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fetch	*f = arg;

	(void)fd;
	(void)what;
	if (!f->failed && f->req != NULL &&
	    __atomic_load_n(f->r->cancel, __ATOMIC_ACQUIRE))
		fetch_fail(f, f->req, "%s", "cancelled");
}

int
fetch_run(struct fetch_req *r, char *err, size_t errlen)
{
	struct fetch		 f;
	struct evhttp_uri	*uri = NULL;
	struct evdns_base	*dns = NULL;
	struct evhttp_connection *conn = NULL;
	struct evhttp_request	*req;
	struct evkeyvalq	*h;
	struct event		*poll = NULL;
	struct timeval		 every = { 0, FETCH_CANCEL_POLL * 1000 };
	SSL_CTX			*ctx = NULL;
	SSL			*ssl;
	const char		*host, *p, *q, *scheme;
	char			 target[4096], hosthdr[300];
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned		 mdlen, i;
	int			 port, tls, rv = -1;

	memset(&f, 0, sizeof(f));
	f.err = err;
	f.errlen = errlen;
	f.r = r;
	r->status = 0;
	r->body = NULL;
	r->bodylen = 0;
	r->digest[0] = r->www_authenticate[0] = r->location[0] = '\0';
	r->content_type[0] = r->etag[0] = r->last_modified[0] = '\0';
	if ((uri = evhttp_uri_parse(r->url)) == NULL ||
	    (scheme = evhttp_uri_get_scheme(uri)) == NULL ||
	    (host = evhttp_uri_get_host(uri)) == NULL ||
	    (strcasecmp(scheme, "https") != 0 && (!r->allow_http ||
	    strcasecmp(scheme, "http") != 0))) {
		snprintf(err, errlen, "%s: not an %s URL", r->url,
		    r->allow_http ? "http(s)://" : "https://");
		goto done;
	}
	tls = strcasecmp(scheme, "https") == 0;
	port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) :
	    tls ? 443 : 80;
	p = evhttp_uri_get_path(uri);
	q = evhttp_uri_get_query(uri);
	snprintf(target, sizeof(target), "%s%s%s", p && *p ? p : "/",
	    q ? "?" : "", q ? q : "");
	if (evhttp_uri_get_port(uri) > 0)
		snprintf(hosthdr, sizeof(hosthdr), "%s:%d", host, port);
	else
		snprintf(hosthdr, sizeof(hosthdr), "%s", host);
	if ((f.base = event_base_new()) == NULL ||
	    (dns = evdns_base_new(f.base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL ||
	    (r->out == NULL && (f.mem = evbuffer_new()) == NULL) ||
	    (r->sha256 && ((f.md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(f.md, EVP_sha256(), NULL) != 1))) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (tls) {
		if ((ctx = tls_client_ctx(r->ca_file, !r->insecure)) == NULL ||
		    (ssl = tls_client_ssl(ctx, host, !r->insecure)) == NULL) {
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
	} else if ((f.bev = bufferevent_socket_new(f.base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		goto done;
	/* The connection owns the bufferevent from here on. */
	conn = evhttp_connection_base_bufferevent_new(f.base, dns, f.bev, host,
	    (unsigned short)port);
	if (conn == NULL)
		goto done;
	evhttp_connection_set_timeout(conn, 60);
	if ((req = evhttp_request_new(fetch_done_cb, &f)) == NULL)
		goto done;
	evhttp_request_set_chunked_cb(req, fetch_chunk_cb);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", hosthdr);
	evhttp_add_header(h, "User-Agent", "portcullis");
	if (r->accept != NULL)
		evhttp_add_header(h, "Accept", r->accept);
	if (r->authorization != NULL)
		evhttp_add_header(h, "Authorization", r->authorization);
	if (r->range != NULL)
		evhttp_add_header(h, "Range", r->range);
	if (r->if_none_match != NULL && *r->if_none_match != '\0')
		evhttp_add_header(h, "If-None-Match", r->if_none_match);
	if (r->if_modified_since != NULL && *r->if_modified_since != '\0')
		evhttp_add_header(h, "If-Modified-Since", r->if_modified_since);
	if (r->method != 0) {
		char	clen[32];

		snprintf(clen, sizeof(clen), "%zu", r->put_len);
		evhttp_add_header(h, "Content-Length", clen);
		if (r->put_type != NULL)
			evhttp_add_header(h, "Content-Type", r->put_type);
		if (r->put_file != NULL) {
			int	fd = open(r->put_file, O_RDONLY | O_CLOEXEC);

			/* The buffer owns fd from here on. */
			if (fd == -1 || evbuffer_add_file(
			    evhttp_request_get_output_buffer(req), fd, 0,
			    (ev_off_t)r->put_len) == -1) {
				if (fd != -1)
					close(fd);
				evhttp_request_free(req);
				snprintf(err, errlen, "%s: cannot send it",
				    r->put_file);
				goto done;
			}
		} else if (r->put_len > 0 && evbuffer_add(
		    evhttp_request_get_output_buffer(req), r->put_body,
		    r->put_len) == -1) {
			evhttp_request_free(req);
			snprintf(err, errlen, "out of memory");
			goto done;
		}
	}
	if (evhttp_make_request(conn, req, r->method != 0 ?
	    (enum evhttp_cmd_type)r->method : EVHTTP_REQ_GET, target) != 0) {
		snprintf(err, errlen, "cannot send the request");
		goto done;
	}
	f.req = req;
	if (r->cancel != NULL && ((poll = event_new(f.base, -1, EV_PERSIST,
	    fetch_cancel_cb, &f)) == NULL || event_add(poll, &every) == -1)) {
		fetch_fail(&f, req, "%s", "out of memory");
		goto done;
	}
	event_base_dispatch(f.base);
	if (f.failed)
		goto done;
	if (r->status == 0) {
		snprintf(err, errlen, "no response");
		goto done;
	}
	if (f.md != NULL) {
		if (EVP_DigestFinal_ex(f.md, md, &mdlen) != 1)
			goto done;
		memcpy(r->digest, "sha256:", 7);
		for (i = 0; i < mdlen && i < 32; i++)
			snprintf(r->digest + 7 + 2 * i, 3, "%02x", md[i]);
	}
	if (f.mem != NULL) {
		r->bodylen = evbuffer_get_length(f.mem);
		if ((r->body = malloc(r->bodylen + 1)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto done;
		}
		evbuffer_remove(f.mem, r->body, r->bodylen);
		r->body[r->bodylen] = '\0';
	}
	rv = 0;
 done:
	if (poll != NULL)
		event_free(poll);
	if (conn != NULL)
		evhttp_connection_free(conn);
	else if (f.bev != NULL)
		bufferevent_free(f.bev);
	if (dns != NULL)
		evdns_base_free(dns, 0);
	if (f.mem != NULL)
		evbuffer_free(f.mem);
	EVP_MD_CTX_free(f.md);
	SSL_CTX_free(ctx);
	if (f.base != NULL)
		event_base_free(f.base);
	if (uri != NULL)
		evhttp_uri_free(uri);
	return rv;
}

int
fetch_to_file(const char *url, const char *ca_file, const char *path,
    unsigned long long max_bytes, char *err, size_t errlen)
{
	struct fetch_req	r;
	int			rv = -1;

	memset(&r, 0, sizeof(r));
	r.url = url;
	r.ca_file = ca_file;
	r.max = max_bytes;
	if ((r.out = fopen(path, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fetch_run(&r, err, errlen) == 0) {
		if (r.status == 200)
			rv = 0;
		else
			snprintf(err, errlen, "HTTP %d", r.status);
	}
	if (fclose(r.out) != 0 && rv == 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rv = -1;
	}
	if (rv == -1)
		remove(path);
	return rv;
}
