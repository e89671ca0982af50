#include "proxy/registry/regclient.h"
#include "proxy/registry/fetch.h"
#include "proxy/http/route.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <ctype.h>
#include <errno.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Redirects followed per request (registries send one, to storage). */
#define REGCLIENT_MAX_REDIRECTS	5
/* Largest token response accepted. */
#define REGCLIENT_MAX_TOKEN	(64u << 10)

int
regclient_init(struct regclient *rc, const char *base, int allow_http,
    const char *user, const char *pass, const char *ca_file)
{
	char	*plain = NULL;
	size_t	 n;
	int	 rv = -1;

	memset(rc, 0, sizeof(*rc));
	rc->allow_http = allow_http;
	rc->ca_file = ca_file;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if (n >= sizeof(rc->base)) {
		log_warnx("registry %s: address too long", base);
		goto done;
	}
	memcpy(rc->base, base, n);
	rc->base[n] = '\0';
	if (user != NULL) {
		n = strlen(user) + 1 + (pass ? strlen(pass) : 0);
		if ((plain = calloc(1, n + 1)) == NULL ||
		    (rc->basic = malloc(6 + 4 * (n / 3 + 1) + 1)) == NULL)
			goto done;
		snprintf(plain, n + 1, "%s:%s", user, pass ? pass : "");
		memcpy(rc->basic, "Basic ", 6);
		EVP_EncodeBlock((unsigned char *)rc->basic + 6,
		    (unsigned char *)plain, (int)n);
	}
	rv = 0;
 done:
	if (plain != NULL) {
		explicit_bzero(plain, n);
		free(plain);
	}
	if (rv == -1)
		regclient_free(rc);
	return rv;
}

/* The scanner's password: the first line of its file. NULL: none. */
static char *
regclient_password(const char *file, char *err, size_t errlen)
{
	FILE	*f;
	char	 buf[1024], *pw = NULL;

	if ((f = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "scanner.password_file %s: %s", file,
		    strerror(errno));
		return NULL;
	}
	if (fgets(buf, sizeof(buf), f) != NULL) {
		buf[strcspn(buf, "\r\n")] = '\0';
		pw = strdup(buf);
	}
	explicit_bzero(buf, sizeof(buf));
	fclose(f);
	if (pw == NULL)
		snprintf(err, errlen, "scanner.password_file %s is empty", file);
	return pw;
}

int
regclient_upstream(struct regclient *rc, const struct conf *c, int account,
    char *err, size_t errlen)
{
	char	*pw = NULL;
	int	 rv = -1;

	memset(rc, 0, sizeof(*rc));
	if (account && c->scanner.password_file != NULL &&
	    (pw = regclient_password(c->scanner.password_file, err,
	    errlen)) == NULL)
		return -1;
	if (regclient_init(rc, c->upstream.url, !c->upstream.tls,
	    account ? c->scanner.username : NULL, pw, c->upstream.ca_file) ==
	    -1) {
		snprintf(err, errlen, "cannot set up the registry client");
		goto done;
	}
	rc->insecure = !c->upstream.verify;
	rv = 0;
 done:
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	return rv;
}

void
regclient_free(struct regclient *rc)
{
	free(rc->basic);
	free(rc->bearer);
	rc->basic = rc->bearer = NULL;
}

int
regclient_set_authorization(struct regclient *rc, const char *value)
{
	char	**slot = strncasecmp(value, "Bearer ", 7) == 0 ? &rc->bearer :
		    &rc->basic;
	char	 *v;

	if ((v = strdup(value)) == NULL)
		return -1;
	free(*slot);
	*slot = v;
	return 0;
}

/*
 * One parameter of a challenge (RFC 7235 auth-param: key="value" or
 * key=token). 0 found, -1 not.
 */
static int
regclient_param(const char *ch, const char *key, char *out, size_t outlen)
{
	size_t		 kl = strlen(key), n = 0;
	const char	*p = ch;

	while ((p = strcasestr(p, key)) != NULL) {
		/* A whole key: after the scheme, a space or a comma. */
		if ((p == ch || p[-1] == ' ' || p[-1] == ',') && p[kl] == '=')
			break;
		p += kl;
	}
	if (p == NULL)
		return -1;
	p += kl + 1;
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (n + 1 < outlen)
				out[n++] = *p;
		}
	} else
		while (*p != '\0' && *p != ',' && *p != ' ' && n + 1 < outlen)
			out[n++] = *p++;
	out[n] = '\0';
	return 0;
}

/* What every request of rc shares: trust, plain http, cancellation. */
static void
regclient_connection(const struct regclient *rc, struct fetch_req *r)
{
	r->ca_file = rc->ca_file;
	r->allow_http = rc->allow_http;
	r->insecure = rc->insecure;
	r->cancel = rc->cancel;
}

/* Answer a Bearer challenge: ask its realm for a token. 0 or -1. */
static int
regclient_token(struct regclient *rc, const char *challenge, char *err,
    size_t errlen)
{
	struct fetch_req	 r;
	char			 realm[1024], service[256] = "", scope[512] = "";
	char			 url[2400], *es = NULL, *ec = NULL;
	const char		*tok;
	json_t			*j = NULL;
	int			 rv = -1;

	memset(&r, 0, sizeof(r));
	if (strncasecmp(challenge, "Bearer ", 7) != 0 ||
	    regclient_param(challenge + 7, "realm", realm, sizeof(realm)) == -1) {
		snprintf(err, errlen, "registry wants credentials (%.200s)",
		    challenge[0] ? challenge : "no challenge");
		goto done;
	}
	regclient_param(challenge + 7, "service", service, sizeof(service));
	regclient_param(challenge + 7, "scope", scope, sizeof(scope));
	if ((es = evhttp_encode_uri(service)) == NULL ||
	    (ec = evhttp_encode_uri(scope)) == NULL)
		goto done;
	snprintf(url, sizeof(url), "%s%sservice=%s%s%s", realm,
	    strchr(realm, '?') ? "&" : "?", es, scope[0] ? "&scope=" : "", ec);
	r.url = url;
	regclient_connection(rc, &r);
	r.authorization = rc->basic;
	r.max = REGCLIENT_MAX_TOKEN;
	if (fetch_run(&r, err, errlen) == -1)
		goto done;
	if (r.status != 200) {
		snprintf(err, errlen, "token service %s: HTTP %d", realm,
		    r.status);
		goto done;
	}
	if ((j = json_loadb(r.body, r.bodylen, 0, NULL)) == NULL ||
	    ((tok = json_string_value(json_object_get(j, "token"))) == NULL &&
	    (tok = json_string_value(json_object_get(j, "access_token"))) ==
	    NULL)) {
		snprintf(err, errlen, "token service %s: no token in the "
		    "answer", realm);
		goto done;
	}
	free(rc->bearer);
	if ((rc->bearer = malloc(strlen(tok) + 8)) == NULL)
		goto done;
	snprintf(rc->bearer, strlen(tok) + 8, "Bearer %s", tok);
	rv = 0;
 done:
	json_decref(j);
	free(r.body);
	free(es);
	free(ec);
	return rv;
}

/* Same scheme, host and port as the registry? */
static int
regclient_same_origin(const struct regclient *rc, const char *url)
{
	size_t	n = strlen(rc->base);

	return strncmp(url, rc->base, n) == 0 &&
	    (url[n] == '/' || url[n] == '\0');
}

/* Follow Location from url (in place): absolute, or a path on its origin. */
static void
regclient_resolve(char *url, size_t len, const char *loc)
{
	char	*p;

	if (strstr(loc, "://") != NULL) {
		snprintf(url, len, "%s", loc);
		return;
	}
	/* url is always absolute here: keep scheme://host[:port]. */
	if ((p = strstr(url, "://")) != NULL && (p = strchr(p + 3, '/')) != NULL)
		*p = '\0';
	snprintf(url + strlen(url), len - strlen(url), "%s%s",
	    loc[0] == '/' ? "" : "/", loc);
}

/*
 * Send base + path (GET unless r->method says otherwise): credentials,
 * one challenge answered, redirects followed. r carries
 * accept/out/max/sha256 (and a body to send) and gets the response.
 * The caller checks r->status. 0 or -1.
 */
static int
regclient_send(struct regclient *rc, const char *path, struct fetch_req *r,
    char *err, size_t errlen)
{
	char	url[2400];
	int	hops = 0, answered = 0;
	long	start = r->out ? ftell(r->out) : 0;

	snprintf(url, sizeof(url), "%s%s", rc->base, path);
	for (;;) {
		r->url = url;
		regclient_connection(rc, r);
		/* Storage a blob redirects to gets no registry credentials. */
		r->authorization = !regclient_same_origin(rc, url) ? NULL :
		    rc->bearer ? rc->bearer : rc->basic;
		if (r->out != NULL && (fseek(r->out, start, SEEK_SET) != 0 ||
		    ftruncate(fileno(r->out), start) != 0)) {
			snprintf(err, errlen, "cannot rewind the download");
			return -1;
		}
		free(r->body);
		r->body = NULL;
		if (fetch_run(r, err, errlen) == -1)
			return -1;
		rc->status = r->status;
		if (r->status == 401 && (answered ||
		    strncasecmp(r->www_authenticate, "Bearer ", 7) != 0)) {
			snprintf(err, errlen, "HTTP 401: the registry refused %s",
			    r->authorization ? "these credentials" :
			    "anonymous access");
			return -1;
		}
		if (r->status == 401 && regclient_same_origin(rc, url)) {
			answered = 1;
			if (regclient_token(rc, r->www_authenticate, err,
			    errlen) == -1)
				return -1;
			continue;
		}
		if ((r->status == 301 || r->status == 302 || r->status == 303 ||
		    r->status == 307 || r->status == 308) &&
		    r->location[0] != '\0') {
			if (++hops > REGCLIENT_MAX_REDIRECTS) {
				snprintf(err, errlen, "too many redirects");
				return -1;
			}
			regclient_resolve(url, sizeof(url), r->location);
			continue;
		}
		return 0;
	}
}

int
regclient_digest_of(const void *data, size_t len, char digest[72])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned	mdlen = 0, i;

	if (EVP_Digest(len > 0 ? data : "", len, md, &mdlen, EVP_sha256(),
	    NULL) != 1 || mdlen != 32)
		return -1;
	memcpy(digest, "sha256:", 7);
	for (i = 0; i < mdlen; i++)
		snprintf(digest + 7 + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int
regclient_digest_ok(const char *d)
{
	size_t	i;

	if (d == NULL || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
		return 0;
	for (i = 7; i < 71; i++)
		if (!isxdigit((unsigned char)d[i]) || isupper((unsigned char)d[i]))
			return 0;
	return 1;
}

/*
 * "/v2/<repo>/manifests/<ref>", both checked: names can come from a
 * pushed index, so only what the spec allows. 0 or -1 with err.
 */
static int
regclient_manifest_path(const char *repo, const char *ref, char *path,
    size_t len, char *err, size_t errlen)
{
	if (!route_valid_name(repo, strlen(repo)) ||
	    !(route_valid_tag(ref, strlen(ref)) ||
	    route_valid_digest(ref, strlen(ref)))) {
		snprintf(err, errlen, "not a valid repository and reference: "
		    "%.100s:%.100s", repo, ref);
		return -1;
	}
	snprintf(path, len, "/v2/%s/manifests/%s", repo, ref);
	return 0;
}

/*
 * GET path into memory (at most max bytes): a 200 whose sha256 is want
 * (NULL: any). what names it in errors. 0, or -1 with err.
 */
static int
regclient_get_mem(struct regclient *rc, const char *path, const char *accept,
    size_t max, const char *want, const char *what, char **body,
    size_t *len, char digest[72], char *err, size_t errlen)
{
	struct fetch_req	r;

	memset(&r, 0, sizeof(r));
	*body = NULL;
	r.accept = accept;
	r.max = max;
	r.sha256 = 1;
	if (regclient_send(rc, path, &r, err, errlen) == -1)
		goto fail;
	if (r.status != 200) {
		snprintf(err, errlen, "%s: HTTP %d", what, r.status);
		goto fail;
	}
	if (want != NULL && strcmp(want, r.digest) != 0) {
		snprintf(err, errlen, "%s: the registry sent %s", what,
		    r.digest);
		goto fail;
	}
	if (digest != NULL)
		memcpy(digest, r.digest, 72);
	*body = r.body;
	*len = r.bodylen;
	return 0;
 fail:
	free(r.body);
	return -1;
}

int
regclient_manifest(struct regclient *rc, const char *repo, const char *ref,
    size_t max, char **body, size_t *len, char digest[72], char *err,
    size_t errlen)
{
	char	path[1024], what[400];

	*body = NULL;
	if (regclient_manifest_path(repo, ref, path, sizeof(path), err,
	    errlen) == -1)
		return -1;
	snprintf(what, sizeof(what), "%.255s:%.100s: manifest", repo, ref);
	return regclient_get_mem(rc, path, REGCLIENT_MANIFEST_TYPES, max,
	    strncmp(ref, "sha256:", 7) == 0 ? ref : NULL, what, body, len,
	    digest, err, errlen);
}

/* "/v2/<repo>/blobs/<digest>", both checked first. 0 or -1 with err. */
static int
regclient_blob_path(const char *repo, const char *digest, char *path,
    size_t len, char *err, size_t errlen)
{
	if (!route_valid_name(repo, strlen(repo)) ||
	    !regclient_digest_ok(digest)) {
		snprintf(err, errlen, "%s: not a sha256 digest", digest ?
		    digest : "(none)");
		return -1;
	}
	snprintf(path, len, "/v2/%s/blobs/%s", repo, digest);
	return 0;
}

int
regclient_blob(struct regclient *rc, const char *repo, const char *digest,
    const char *path, unsigned long long max, char *err, size_t errlen)
{
	struct fetch_req	r;
	char			target[1024];
	int			rv = -1;

	memset(&r, 0, sizeof(r));
	if (regclient_blob_path(repo, digest, target, sizeof(target), err,
	    errlen) == -1)
		return -1;
	if ((r.out = fopen(path, "w")) == NULL) {
		snprintf(err, errlen, "%s: cannot create", path);
		return -1;
	}
	r.max = max;
	r.sha256 = 1;
	if (regclient_send(rc, target, &r, err, errlen) == -1)
		goto done;
	if (r.status != 200)
		snprintf(err, errlen, "%s: blob %.19s: HTTP %d", repo, digest,
		    r.status);
	else if (strcmp(r.digest, digest) != 0)
		snprintf(err, errlen, "%s: blob %.19s has content %.19s", repo,
		    digest, r.digest);
	else
		rv = 0;
 done:
	if (fclose(r.out) != 0 && rv == 0) {
		snprintf(err, errlen, "%s: write failed", path);
		rv = -1;
	}
	if (rv == -1)
		remove(path);
	return rv;
}

/* Skips what a registry sent before the offset asked for. */
struct regclient_range {
	struct fetch_req	*r;
	unsigned long long	 skip;
	int			(*sink)(void *, const void *, size_t);
	void			*arg;
};

static int
regclient_range_sink(void *arg, const void *buf, size_t len)
{
	struct regclient_range	*rr = arg;
	const char		*p = buf;

	if (rr->r->status == 200 && rr->skip > 0) {
		/* Range ignored: the whole blob comes. */
		size_t n = rr->skip < len ? (size_t)rr->skip : len;

		rr->skip -= n;
		p += n;
		len -= n;
	}
	return len == 0 ? 0 : rr->sink(rr->arg, p, len);
}

int
regclient_blob_stream(struct regclient *rc, const char *repo,
    const char *digest, unsigned long long offset,
    int (*sink)(void *, const void *, size_t), void *arg, char *err,
    size_t errlen)
{
	struct fetch_req	r;
	struct regclient_range	rr;
	char			target[1024], range[64];
	int			rv = -1;

	memset(&r, 0, sizeof(r));
	if (regclient_blob_path(repo, digest, target, sizeof(target), err,
	    errlen) == -1)
		return -1;
	snprintf(range, sizeof(range), "bytes=%llu-", offset);
	rr.r = &r;
	rr.skip = offset;
	rr.sink = sink;
	rr.arg = arg;
	r.range = offset > 0 ? range : NULL;
	r.max = ~0ULL;
	r.sink = regclient_range_sink;
	r.sink_arg = &rr;
	if (regclient_send(rc, target, &r, err, errlen) == -1)
		goto done;
	if (r.status != 200 && r.status != 206)
		snprintf(err, errlen, "%s: blob %.19s: HTTP %d", repo, digest,
		    r.status);
	else if (r.status == 200 && rr.skip > 0)
		snprintf(err, errlen, "%s: blob %.19s is shorter than %llu "
		    "bytes", repo, digest, offset);
	else
		rv = 0;
 done:
	free(r.body);
	return rv;
}

int
regclient_blob_mem(struct regclient *rc, const char *repo, const char *digest,
    size_t max, char **body, size_t *len, char *err, size_t errlen)
{
	char	target[1024], what[400];

	*body = NULL;
	if (regclient_blob_path(repo, digest, target, sizeof(target), err,
	    errlen) == -1)
		return -1;
	snprintf(what, sizeof(what), "%.255s: blob %.19s", repo, digest);
	return regclient_get_mem(rc, target, NULL, max, digest, what, body,
	    len, NULL, err, errlen);
}

/*
 * An upload's Location (absolute on the registry, or a path) as a path
 * of rc with digest added to its query. 0 or -1.
 */
static int
regclient_upload_target(const struct regclient *rc, const char *loc,
    const char *digest, char *out, size_t outlen)
{
	size_t	n = strlen(rc->base);

	if (strncmp(loc, rc->base, n) == 0 && loc[n] == '/')
		loc += n;
	if (loc[0] != '/' || (size_t)snprintf(out, outlen, "%s%sdigest=%s",
	    loc, strchr(loc, '?') ? "&" : "?", digest) >= outlen)
		return -1;
	return 0;
}

/* The monolithic upload of body, or of len bytes of file. 0 or -1. */
static int
regclient_upload(struct regclient *rc, const char *repo, const char *digest,
    const void *body, const char *file, size_t len, char *err, size_t errlen)
{
	struct fetch_req	r;
	char			target[1024];
	int			rv = -1;

	memset(&r, 0, sizeof(r));
	if (regclient_blob_path(repo, digest, target, sizeof(target), err,
	    errlen) == -1)
		return -1;
	/* Already there: done. */
	r.method = EVHTTP_REQ_HEAD;
	r.max = 4096;
	if (regclient_send(rc, target, &r, err, errlen) == -1)
		goto done;
	if (r.status == 200) {
		rv = 0;
		goto done;
	}
	/*
	 * POST for a session, then one PUT of the whole blob: the
	 * monolithic upload every registry has (docker-registry 2.8 takes
	 * no body with the POST).
	 */
	free(r.body);
	memset(&r, 0, sizeof(r));
	snprintf(target, sizeof(target), "/v2/%s/blobs/uploads/", repo);
	r.method = EVHTTP_REQ_POST;
	r.max = 65536;
	if (regclient_send(rc, target, &r, err, errlen) == -1)
		goto done;
	if (r.status != 202 || regclient_upload_target(rc, r.location, digest,
	    target, sizeof(target)) == -1) {
		snprintf(err, errlen, "%s: upload of %.19s: HTTP %d%s", repo,
		    digest, r.status, r.status == 202 ? " with no usable "
		    "Location" : "");
		goto done;
	}
	free(r.body);
	memset(&r, 0, sizeof(r));
	r.method = EVHTTP_REQ_PUT;
	r.put_body = body;
	r.put_file = file;
	r.put_len = len;
	r.put_type = "application/octet-stream";
	r.max = 65536;
	if (regclient_send(rc, target, &r, err, errlen) == -1)
		goto done;
	if (r.status != 201) {
		snprintf(err, errlen, "%s: upload of %.19s: HTTP %d", repo,
		    digest, r.status);
		goto done;
	}
	rv = 0;
 done:
	free(r.body);
	return rv;
}

int
regclient_push_blob(struct regclient *rc, const char *repo,
    const char *digest, const void *body, size_t len, char *err,
    size_t errlen)
{
	return regclient_upload(rc, repo, digest, body, NULL, len, err,
	    errlen);
}

int
regclient_push_blob_file(struct regclient *rc, const char *repo,
    const char *digest, const char *path, size_t len, char *err,
    size_t errlen)
{
	return regclient_upload(rc, repo, digest, NULL, path, len, err,
	    errlen);
}

int
regclient_push_manifest(struct regclient *rc, const char *repo,
    const char *ref, const char *type, const char *body, size_t len,
    char *err, size_t errlen)
{
	struct fetch_req	r;
	char			target[1024];
	int			rv = -1;

	memset(&r, 0, sizeof(r));
	if (regclient_manifest_path(repo, ref, target, sizeof(target), err,
	    errlen) == -1)
		return -1;
	r.method = EVHTTP_REQ_PUT;
	r.put_body = body;
	r.put_len = len;
	r.put_type = type;
	r.max = 65536;
	if (regclient_send(rc, target, &r, err, errlen) == -1)
		goto done;
	if (r.status != 201) {
		snprintf(err, errlen, "%s:%s: manifest: HTTP %d%s%.200s", repo,
		    ref, r.status, r.body ? ": " : "", r.body ? r.body : "");
		goto done;
	}
	rv = 0;
 done:
	free(r.body);
	return rv;
}

int
regclient_as_client(struct regclient *rc, int method, const char *path,
    const char *authorization, const char *accept, const char *put_type,
    const void *put, size_t putlen, size_t max, struct regclient_answer *a,
    char *err, size_t errlen)
{
	struct fetch_req	r;
	char			url[2400];

	memset(&r, 0, sizeof(r));
	memset(a, 0, sizeof(*a));
	snprintf(url, sizeof(url), "%s%s", rc->base, path);
	r.url = url;
	regclient_connection(rc, &r);
	r.method = method;
	r.authorization = authorization;
	r.accept = accept;
	r.put_type = put_type;
	r.put_body = put;
	r.put_len = putlen;
	r.max = max;
	r.sha256 = 1;
	if (fetch_run(&r, err, errlen) == -1) {
		free(r.body);
		return -1;
	}
	a->status = r.status;
	a->body = r.body;
	a->len = r.bodylen;
	memcpy(a->digest, r.digest, sizeof(a->digest));
	snprintf(a->content_type, sizeof(a->content_type), "%s",
	    r.content_type);
	snprintf(a->www_authenticate, sizeof(a->www_authenticate), "%s",
	    r.www_authenticate);
	return 0;
}
