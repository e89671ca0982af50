#include "proxy/gate/referrers.h"
#include "proxy/gate/asclient.h"
#include "proxy/gate/gate.h"
#include "proxy/http/ocierr.h"
#include "proxy/http/route.h"
#include "proxy/registry/regclient.h"
#include "proxy/relay/session.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <http_parser.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#define REFERRERS_INDEX_TYPE	"application/vnd.oci.image.index.v1+json"
/* An index of referrers larger than this is refused, not parsed. */
#define REFERRERS_MAX_INDEX	(4u << 20)
/* Tries of an index update another writer may have overwritten. */
#define REFERRERS_PUT_TRIES	3

/* What one GET or one index update works on (asclient's arg). */
struct referrers_req {
	char	 repo[256];
	char	 subject[160];
	char	 filter[256];	/* GET: the artifactType asked for */
	json_t	*desc;		/* PUT: the descriptor to add */
	struct gate *g;		/* whose attestation records to renew */
	int	 changed;	/* the index was changed (the thread's) */
};

/* The registry's own API: -1 not known yet, 0 none, 1 it has one. */
static int		referrers_native = -1;
/* Told when a subject's referrers change (referrers_on_change). */
static void		(*referrers_changed)(struct gate *, const char *,
			    const char *);
/* One index update at a time from this process. */
static pthread_mutex_t	referrers_put_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long referrers_served, referrers_added, referrers_failed;

static void
referrers_req_free(struct asclient *a)
{
	struct referrers_req	*q = a->arg;

	if (a->s != NULL && a->status == 200)
		__atomic_add_fetch(&referrers_served, 1, __ATOMIC_RELAXED);
	/*
	 * Listed now, or gone: a VEX check made before would not have
	 * found it, or found what no longer is.
	 */
	if (q->changed && q->g != NULL && referrers_changed != NULL)
		referrers_changed(q->g, q->repo, q->subject);
	json_decref(q->desc);
	free(q);
}

/* Where the subject a manifest was added to is kept: "subj:repo@digest". */
static void
referrers_subject_key(const char *repo, const char *digest, char *key,
    size_t len)
{
	snprintf(key, len, "subj:%s@%s", repo, digest);
}

/* The fallback tag of a digest: "<alg>-<encoded>", at most 128. */
static void
referrers_tag(const char *digest, char *tag, size_t len)
{
	size_t	i, n = strlen(digest);

	if (n > 128)
		n = 128;
	if (n >= len)
		n = len - 1;
	memcpy(tag, digest, n);
	tag[n] = '\0';
	for (i = 0; i < n; i++)
		if (tag[i] == ':')
			tag[i] = '-';
}

/* What a descriptor's manifest says it is (the spec's artifactType). */
static const char *
referrers_type(json_t *m)
{
	const char	*t = json_string_value(json_object_get(m,
			    "artifactType"));

	return t != NULL ? t : json_string_value(json_object_get(
	    json_object_get(m, "config"), "mediaType"));
}

/*
 * The referrers index of subject in repo, from its fallback tag, read
 * as the caller (caller 1: with auth as it sent it, NULL: none) or with
 * rc's own account (tokens asked for as needed). A 404 gives an empty index.
 * NULL with *status (401, 403: the registry's refusal; 0: other) and,
 * for auth, a (the answer, its challenge).
 */
static json_t *
referrers_index_get(struct regclient *rc, int caller, const char *auth,
    const char *repo, const char *subject, struct regclient_answer *a,
    char *err, size_t errlen)
{
	char	 path[1024], tag[160], dg[72], *body = NULL;
	size_t	 len = 0;
	json_t	*ix = NULL;

	memset(a, 0, sizeof(*a));
	referrers_tag(subject, tag, sizeof(tag));
	if (caller) {
		snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, tag);
		if (regclient_as_client(rc, EVHTTP_REQ_GET, path, auth,
		    REFERRERS_INDEX_TYPE, NULL, NULL, 0, REFERRERS_MAX_INDEX, a,
		    err, errlen) == -1)
			return NULL;
	} else {
		if (regclient_manifest(rc, repo, tag, REFERRERS_MAX_INDEX, &body,
		    &len, dg, err, errlen) == -1 && rc->status != 404) {
			a->status = rc->status == 401 || rc->status == 403 ?
			    rc->status : 0;
			return NULL;
		}
		a->status = body != NULL ? 200 : 404;
		a->body = body;
		a->len = len;
	}
	if (a->status == 404)
		return json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2,
		    "mediaType", REFERRERS_INDEX_TYPE, "manifests");
	if (a->status != 200)
		return NULL;
	if ((ix = json_loadb(a->body, a->len, 0, NULL)) == NULL ||
	    !json_is_array(json_object_get(ix, "manifests"))) {
		json_decref(ix);
		snprintf(err, errlen, "%s:%s is not an image index", repo, tag);
		a->status = 0;
		return NULL;
	}
	return ix;
}

/* Is a descriptor of digest dg in the index? */
static int
referrers_index_has(json_t *ix, const char *dg)
{
	json_t	*d;
	size_t	 i;

	json_array_foreach(json_object_get(ix, "manifests"), i, d)
		if (json_is_string(json_object_get(d, "digest")) &&
		    strcmp(json_string_value(json_object_get(d, "digest")),
		    dg) == 0)
			return 1;
	return 0;
}

/*
 * Put desc (a descriptor) into subject's index, or take the manifest dg
 * out of it (desc NULL): read, edit, write, and read back, as another
 * instance may have written over it meanwhile; up to three times. As
 * the caller or with rc's account (see referrers_index_get). 0 once the
 * index says so, or -1 with err.
 */
static int
referrers_index_edit(struct regclient *rc, int caller, const char *auth,
    const char *repo, const char *subject, const char *dg, json_t *desc,
    char *err, size_t errlen)
{
	struct regclient_answer	 a;
	char			 path[1024], tag[160], *body = NULL;
	json_t			*ix = NULL, *keep, *d;
	size_t			 i;
	int			 tries, rv = -1;

	memset(&a, 0, sizeof(a));
	err[0] = '\0';
	referrers_tag(subject, tag, sizeof(tag));
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, tag);
	pthread_mutex_lock(&referrers_put_mu);
	for (tries = 0; tries < REFERRERS_PUT_TRIES && dg != NULL; tries++) {
		free(a.body);
		json_decref(ix);
		if ((ix = referrers_index_get(rc, caller, auth, repo, subject,
		    &a, err, errlen)) == NULL)
			break;
		if (referrers_index_has(ix, dg) == (desc != NULL)) {
			rv = 0;		/* as wanted (written, and still so) */
			break;
		}
		if (desc != NULL)
			json_array_append(json_object_get(ix, "manifests"),
			    desc);
		else if ((keep = json_array()) != NULL) {
			json_array_foreach(json_object_get(ix, "manifests"), i,
			    d)
				if (!json_is_string(json_object_get(d,
				    "digest")) || strcmp(json_string_value(
				    json_object_get(d, "digest")), dg) != 0)
					json_array_append(keep, d);
			json_object_set_new(ix, "manifests", keep);
		}
		free(body);
		free(a.body);
		a.body = NULL;
		if ((body = json_dumps(ix, JSON_COMPACT)) == NULL)
			break;
		if (caller) {
			if (regclient_as_client(rc, EVHTTP_REQ_PUT, path, auth,
			    NULL, REFERRERS_INDEX_TYPE, body, strlen(body), 65536,
			    &a, err, errlen) == -1)
				break;
			if (a.status != 201) {
				snprintf(err, errlen, "HTTP %d", a.status);
				break;
			}
		} else if (regclient_push_manifest(rc, repo, tag,
		    REFERRERS_INDEX_TYPE, body, strlen(body), err, errlen) == -1)
			break;
	}
	pthread_mutex_unlock(&referrers_put_mu);
	if (rv == -1) {
		__atomic_add_fetch(&referrers_failed, 1, __ATOMIC_RELAXED);
		if (err[0] == '\0')
			snprintf(err, errlen, "the index keeps being written "
			    "over");
	}
	free(a.body);
	free(body);
	json_decref(ix);
	return rv;
}

int
referrers_index_add(struct regclient *rc, int caller, const char *auth,
    const char *repo, const char *subject, json_t *desc, char *err,
    size_t errlen)
{
	if (referrers_index_edit(rc, caller, auth, repo, subject,
	    json_string_value(json_object_get(desc, "digest")), desc, err,
	    errlen) == -1)
		return -1;
	__atomic_add_fetch(&referrers_added, 1, __ATOMIC_RELAXED);
	return 0;
}

json_t *
referrers_list(struct regclient *rc, const char *repo, const char *subject,
    char *err, size_t errlen)
{
	struct regclient_answer	 a;
	char			 path[1024];
	json_t			*ix = NULL;

	memset(&a, 0, sizeof(a));
	if (__atomic_load_n(&referrers_native, __ATOMIC_RELAXED) == 1) {
		/* The account's Basic credentials, as a client would send. */
		snprintf(path, sizeof(path), "/v2/%s/referrers/%s", repo,
		    subject);
		if (regclient_as_client(rc, EVHTTP_REQ_GET, path, rc->basic,
		    REFERRERS_INDEX_TYPE, NULL, NULL, 0, REFERRERS_MAX_INDEX,
		    &a, err, errlen) == 0 && a.status == 200)
			ix = json_loadb(a.body, a.len, 0, NULL);
		free(a.body);
		memset(&a, 0, sizeof(a));
		if (json_is_array(json_object_get(ix, "manifests")))
			return ix;
		json_decref(ix);
	}
	ix = referrers_index_get(rc, 0, NULL, repo, subject, &a, err, errlen);
	free(a.body);
	return ix;
}

/* GET, on the thread: the registry's API, or the fallback index. */
static void
referrers_get(struct asclient *c, struct regclient *rc)
{
	struct referrers_req	*j = c->arg;
	struct regclient_answer	 a;
	char			 path[1400], err[512], *enc = NULL;
	json_t			*ix = NULL, *out = NULL, *d;
	size_t			 i;
	int			 native = __atomic_load_n(&referrers_native,
				    __ATOMIC_RELAXED);

	memset(&a, 0, sizeof(a));
	if (native != 0) {
		if (j->filter[0] != '\0')
			enc = evhttp_encode_uri(j->filter);
		snprintf(path, sizeof(path), "/v2/%s/referrers/%s%s%s", j->repo,
		    j->subject, enc ? "?artifactType=" : "", enc ? enc : "");
		free(enc);
		if (regclient_as_client(rc, EVHTTP_REQ_GET, path, c->auth,
		    REFERRERS_INDEX_TYPE, NULL, NULL, 0, REFERRERS_MAX_INDEX, &a,
		    err, sizeof(err)) == -1)
			goto fail;
		if (a.status == 200 && strncasecmp(a.content_type,
		    REFERRERS_INDEX_TYPE, strlen(REFERRERS_INDEX_TYPE)) == 0) {
			__atomic_store_n(&referrers_native, 1, __ATOMIC_RELAXED);
			ix = json_loadb(a.body, a.len, 0, NULL);
		} else if (a.status == 404 && strstr(a.content_type, "json") ==
		    NULL) {
			/* An unknown route: a registry without the API. */
			__atomic_store_n(&referrers_native, 0, __ATOMIC_RELAXED);
		} else if (a.status == 401 || a.status == 403 || a.status ==
		    404) {
			goto pass;
		}
		free(a.body);
		memset(&a, 0, sizeof(a));
	}
	if (ix == NULL && (ix = referrers_index_get(rc, 1, c->auth, j->repo,
	    j->subject, &a, err, sizeof(err))) == NULL) {
		if (a.status == 401 || a.status == 403)
			goto pass;
		goto fail;
	}
	/* The index as the spec answers it, filtered if asked. */
	if ((out = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2,
	    "mediaType", REFERRERS_INDEX_TYPE, "manifests")) == NULL)
		goto fail;
	json_array_foreach(json_object_get(ix, "manifests"), i, d) {
		const char *t = json_string_value(json_object_get(d,
		    "artifactType"));

		if (j->filter[0] != '\0' && (t == NULL || strcmp(t,
		    j->filter) != 0))
			continue;
		json_array_append(json_object_get(out, "manifests"), d);
	}
	if (j->filter[0] != '\0')
		snprintf(c->headers, sizeof(c->headers),
		    "OCI-Filters-Applied: artifactType\r\n");
	free(c->body);
	if ((c->body = json_dumps(out, JSON_COMPACT)) == NULL)
		goto fail;
	c->len = strlen(c->body);
	c->content_type = REFERRERS_INDEX_TYPE;
	c->status = 200;
	goto done;
 pass:
	/* The registry's own refusal, with its challenge. */
	c->status = a.status;
	snprintf(c->www_auth, sizeof(c->www_auth), "%s", a.www_authenticate);
	goto done;
 fail:
	log_warnx("referrers: %s@%s: %s", j->repo, j->subject, a.status ?
	    "the registry's answer was not usable" : err);
	c->status = 502;
 done:
	free(a.body);
	json_decref(ix);
	json_decref(out);
}

/*
 * DELETE, on the thread: the manifest taken out of its subject's index
 * (with the deleting caller's credentials).
 */
static void
referrers_remove(struct asclient *c, struct regclient *rc)
{
	struct referrers_req	*j = c->arg;
	const char		*dg = json_string_value(json_object_get(
				    j->desc, "digest"));
	char			 err[512];

	if (referrers_index_edit(rc, 1, c->auth, j->repo, j->subject, dg,
	    NULL, err, sizeof(err)) == -1)
		log_warnx("referrers: %s: deleted %s stays in %s's referrers: "
		    "%s", j->repo, dg, j->subject, err);
	else
		j->changed = 1;
}

/* At most this many tags of a repository are looked through. */
#define REFERRERS_SWEEP_TAGS	1000

/*
 * DELETE, on the thread, of a manifest this proxy did not see pushed
 * (another instance of a fleet did, or a client kept the index
 * itself): the repository's fallback indexes (tags sha256-<hex>) are
 * looked through for it, as the caller, and it is taken out of those
 * that list it.
 */
static void
referrers_sweep(struct asclient *c, struct regclient *rc)
{
	struct referrers_req	*j = c->arg;
	struct regclient_answer	 a, b;
	const char		*dg = json_string_value(json_object_get(
				    j->desc, "digest")), *t;
	char			 path[600], subject[80], err[512];
	json_t			*tags = NULL, *ix, *x;
	size_t			 i;

	memset(&a, 0, sizeof(a));
	snprintf(path, sizeof(path), "/v2/%s/tags/list?n=%d", j->repo,
	    REFERRERS_SWEEP_TAGS);
	if (regclient_as_client(rc, EVHTTP_REQ_GET, path, c->auth,
	    "application/json", NULL, NULL, 0, REFERRERS_MAX_INDEX, &a, err,
	    sizeof(err)) == -1 || a.status != 200 ||
	    (tags = json_loadb(a.body, a.len, 0, NULL)) == NULL) {
		if (a.status != 404)
			log_warnx("referrers: %s: deleted %s: the tags cannot "
			    "be listed (%s)", j->repo, dg, a.status ? "HTTP "
			    "error" : err);
		goto done;
	}
	json_array_foreach(json_object_get(tags, "tags"), i, x) {
		if ((t = json_string_value(x)) == NULL || strlen(t) != 71 ||
		    strncmp(t, "sha256-", 7) != 0 || strspn(t + 7,
		    "0123456789abcdef") != 64)
			continue;
		snprintf(subject, sizeof(subject), "sha256:%s", t + 7);
		if ((ix = referrers_index_get(rc, 1, c->auth, j->repo,
		    subject, &b, err, sizeof(err))) == NULL) {
			free(b.body);
			continue;
		}
		free(b.body);
		if (referrers_index_has(ix, dg)) {
			if (referrers_index_edit(rc, 1, c->auth, j->repo,
			    subject, dg, NULL, err, sizeof(err)) == -1)
				log_warnx("referrers: %s: deleted %s stays in "
				    "%s's referrers: %s", j->repo, dg, subject,
				    err);
			else {
				snprintf(j->subject, sizeof(j->subject), "%s",
				    subject);
				j->changed = 1;
			}
		}
		json_decref(ix);
	}
 done:
	json_decref(tags);
	free(a.body);
}

/* PUT, on the thread: the descriptor added to the subject's index. */
static void
referrers_add(struct asclient *c, struct regclient *rc)
{
	struct referrers_req	*j = c->arg;
	char			 err[512];

	if (referrers_index_add(rc, 1, c->auth, j->repo, j->subject, j->desc,
	    err, sizeof(err)) == 0)
		j->changed = 1;
	else
		log_warnx("referrers: %s: %s not added to %s's referrers: %s",
		    j->repo, json_string_value(json_object_get(j->desc,
		    "digest")), j->subject, err);
}

/* artifactType=... from the query, decoded. */
static void
referrers_filter(const char *query, char *out, size_t len)
{
	struct evkeyvalq	 q;
	const char		*v;

	out[0] = '\0';
	if (query == NULL || evhttp_parse_query_str(query, &q) != 0)
		return;
	if ((v = evhttp_find_header(&q, "artifactType")) != NULL)
		snprintf(out, len, "%s", v);
	evhttp_clear_headers(&q);
}

int
referrers_reply(struct gate *g, struct session *s, struct evbuffer *out)
{
	const struct route	*r = session_route(s);
	struct referrers_req	*q;

	if (session_method(s) != HTTP_GET) {
		session_set_status(s, 405);
		return ocierr_reply(out, 405, "UNSUPPORTED", "the referrers "
		    "API answers GET", NULL, session_reply_closes(s)) == -1 ?
		    -1 : 0;
	}
	if ((q = calloc(1, sizeof(*q))) != NULL) {
		snprintf(q->repo, sizeof(q->repo), "%s", r->name);
		snprintf(q->subject, sizeof(q->subject), "%s", r->ref);
		referrers_filter(r->query, q->filter, sizeof(q->filter));
		if (asclient_start(g, s, session_request_header(s,
		    "Authorization"), referrers_get, referrers_req_free, q) == 0)
			return 1;
		free(q);
	}
	return asclient_busy(s, out);
}

void
referrers_put(struct gate *g, const char *repo, const char *digest,
    json_t *m, size_t len, const char *authorization)
{
	struct referrers_req	*q = NULL;
	struct store		*st;
	json_t			*desc = NULL;
	const char		*subject, *mt, *at;
	char			 key[600];

	if (__atomic_load_n(&referrers_native, __ATOMIC_RELAXED) == 1)
		return;		/* the registry keeps its own */
	subject = json_string_value(json_object_get(json_object_get(m,
	    "subject"), "digest"));
	if (subject == NULL || !route_valid_digest(subject, strlen(subject)))
		goto done;
	mt = json_string_value(json_object_get(m, "mediaType"));
	at = referrers_type(m);
	desc = json_pack("{s:s, s:s, s:I}", "mediaType", mt ? mt :
	    "application/vnd.oci.image.manifest.v1+json", "digest", digest,
	    "size", (json_int_t)len);
	if (desc == NULL || (q = calloc(1, sizeof(*q))) == NULL)
		goto fail;
	if (at != NULL)
		json_object_set_new(desc, "artifactType", json_string(at));
	if (json_is_object(json_object_get(m, "annotations")))
		json_object_set(desc, "annotations", json_object_get(m,
		    "annotations"));
	snprintf(q->repo, sizeof(q->repo), "%s", repo);
	snprintf(q->subject, sizeof(q->subject), "%s", subject);
	q->desc = desc;
	q->g = g;
	desc = NULL;
	if (asclient_start(g, NULL, authorization, referrers_add,
	    referrers_req_free, q) == 0) {
		/* A DELETE of it through the proxy takes it out again. */
		referrers_subject_key(repo, digest, key, sizeof(key));
		if ((st = gate_store(g)) != NULL)
			store_digest_put(st, STORE_IMAGES, key, subject);
		goto done;
	}
	json_decref(q->desc);
	free(q);
 fail:
	__atomic_add_fetch(&referrers_failed, 1, __ATOMIC_RELAXED);
	log_warnx("referrers: %s: %s not added to %s's referrers (too many "
	    "updates at once)", repo, digest, subject);
 done:
	json_decref(desc);
}

void
referrers_subject_header(struct session *s, json_t *m)
{
	const char	*subject;

	if (__atomic_load_n(&referrers_native, __ATOMIC_RELAXED) == 1)
		return;		/* the registry says it itself */
	subject = json_string_value(json_object_get(json_object_get(m,
	    "subject"), "digest"));
	if (subject != NULL && route_valid_digest(subject, strlen(subject)))
		session_add_response_header(s, "OCI-Subject", subject);
}

void
referrers_deleted(struct gate *g, const char *repo, const char *digest,
    const char *authorization)
{
	struct store		*st = gate_store(g);
	struct referrers_req	*q;
	char			 key[600], *subject = NULL;

	if (__atomic_load_n(&referrers_native, __ATOMIC_RELAXED) == 1 ||
	    !route_valid_digest(digest, strlen(digest)))
		return;		/* the registry keeps its own; or no manifest */
	referrers_subject_key(repo, digest, key, sizeof(key));
	/* Not added through this proxy: looked for in every index. */
	if (st != NULL && store_digest_get(st, STORE_IMAGES, key, &subject) !=
	    STORE_OK)
		subject = NULL;
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->desc = json_pack("{s:s}", "digest", digest)) == NULL) {
		free(q);
		free(subject);
		return;
	}
	snprintf(q->repo, sizeof(q->repo), "%s", repo);
	snprintf(q->subject, sizeof(q->subject), "%s", subject ? subject : "");
	q->g = g;
	if (asclient_start(g, NULL, authorization, subject != NULL ?
	    referrers_remove : referrers_sweep, referrers_req_free, q) == -1) {
		free(subject);
		__atomic_add_fetch(&referrers_failed, 1, __ATOMIC_RELAXED);
		json_decref(q->desc);
		free(q);
		return;
	}
	if (subject != NULL)
		store_digest_del(st, STORE_IMAGES, key);
	free(subject);
}

void
referrers_on_change(void (*cb)(struct gate *, const char *repo,
    const char *subject))
{
	referrers_changed = cb;
}

void
referrers_metrics(struct evbuffer *out)
{
	evbuffer_add_printf(out,
	    "# TYPE portcullis_referrers_served_total counter\n"
	    "portcullis_referrers_served_total %llu\n"
	    "# TYPE portcullis_referrers_index_added_total counter\n"
	    "portcullis_referrers_index_added_total %llu\n"
	    "# TYPE portcullis_referrers_index_failures_total counter\n"
	    "portcullis_referrers_index_failures_total %llu\n",
	    __atomic_load_n(&referrers_served, __ATOMIC_RELAXED),
	    __atomic_load_n(&referrers_added, __ATOMIC_RELAXED),
	    __atomic_load_n(&referrers_failed, __ATOMIC_RELAXED));
}
