#include "proxy/gate/referrers.h"
#include "proxy/gate/gate.h"
#include "proxy/http/ocierr.h"
#include "proxy/http/route.h"
#include "proxy/registry/regclient.h"
#include "proxy/relay/session.h"
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
/* Jobs at once; past it a GET is answered 503, a PUT's index not kept. */
#define REFERRERS_JOBS_MAX	16
/* Tries of an index update another writer may have overwritten. */
#define REFERRERS_PUT_TRIES	3

enum referrers_kind { REFERRERS_GET, REFERRERS_PUT };

struct referrers_job {
	TAILQ_ENTRY(referrers_job) entry;
	enum referrers_kind	 kind;
	struct session		*s;		/* GET; NULL: it went away */
	const struct conf	*conf;
	char			 repo[256];
	char			 subject[160];
	char			 filter[256];	/* artifactType asked for */
	char			*auth;
	json_t			*desc;		/* PUT: the descriptor to add */
	/* The answer (GET), filled by the thread. */
	int			 status;
	char			*body;
	size_t			 len;
	int			 filtered;
	char			 www_auth[1024];
	pthread_t		 thread;
	struct event		*wake;
};

static TAILQ_HEAD(, referrers_job) referrers_jobs =
    TAILQ_HEAD_INITIALIZER(referrers_jobs);
static unsigned		referrers_njobs;
/* The registry's own API: -1 not known yet, 0 none, 1 it has one. */
static int		referrers_native = -1;
/* One index update at a time from this process. */
static pthread_mutex_t	referrers_put_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long referrers_served, referrers_added, referrers_failed;

static void
referrers_job_free(struct referrers_job *j)
{
	TAILQ_REMOVE(&referrers_jobs, j, entry);
	referrers_njobs--;
	pthread_join(j->thread, NULL);
	event_free(j->wake);
	if (j->auth != NULL) {
		explicit_bzero(j->auth, strlen(j->auth));
		free(j->auth);
	}
	json_decref(j->desc);
	free(j->body);
	free(j);
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

/* The index of j's subject from the fallback tag; 404 gives an empty one. */
static json_t *
referrers_fetch_index(struct regclient *rc, struct referrers_job *j,
    struct regclient_answer *a, char *err, size_t errlen)
{
	char	 path[1024], tag[160];
	json_t	*ix;

	referrers_tag(j->subject, tag, sizeof(tag));
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", j->repo, tag);
	if (regclient_as_client(rc, EVHTTP_REQ_GET, path, j->auth,
	    REFERRERS_INDEX_TYPE, NULL, NULL, 0, REFERRERS_MAX_INDEX, a, err,
	    errlen) == -1)
		return NULL;
	if (a->status == 404)
		return json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2,
		    "mediaType", REFERRERS_INDEX_TYPE, "manifests");
	if (a->status != 200)
		return NULL;
	if ((ix = json_loadb(a->body, a->len, 0, NULL)) == NULL ||
	    !json_is_array(json_object_get(ix, "manifests"))) {
		json_decref(ix);
		snprintf(err, errlen, "%s:%s is not an image index", j->repo,
		    tag);
		a->status = 0;
		return NULL;
	}
	return ix;
}

/* GET, on the thread: the registry's API, or the fallback index. */
static void
referrers_get(struct regclient *rc, struct referrers_job *j)
{
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
		if (regclient_as_client(rc, EVHTTP_REQ_GET, path, j->auth,
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
	if (ix == NULL && (ix = referrers_fetch_index(rc, j, &a, err,
	    sizeof(err))) == NULL) {
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
	j->filtered = j->filter[0] != '\0';
	free(j->body);
	if ((j->body = json_dumps(out, JSON_COMPACT)) == NULL)
		goto fail;
	j->len = strlen(j->body);
	j->status = 200;
	goto done;
 pass:
	/* The registry's own refusal, with its challenge. */
	j->status = a.status;
	snprintf(j->www_auth, sizeof(j->www_auth), "%s", a.www_authenticate);
	goto done;
 fail:
	log_warnx("referrers: %s@%s: %s", j->repo, j->subject, a.status ?
	    "the registry's answer was not usable" : err);
	j->status = 502;
 done:
	free(a.body);
	json_decref(ix);
	json_decref(out);
}

/* PUT, on the thread: the descriptor added to the subject's index. */
static void
referrers_add(struct regclient *rc, struct referrers_job *j)
{
	struct regclient_answer	 a;
	const char		*dg = json_string_value(json_object_get(
				    j->desc, "digest"));
	char			 path[1024], tag[160], err[512] = "";
	char			*body = NULL;
	json_t			*ix = NULL, *d;
	size_t			 i;
	int			 tries, have, rv = -1;

	memset(&a, 0, sizeof(a));
	referrers_tag(j->subject, tag, sizeof(tag));
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", j->repo, tag);
	pthread_mutex_lock(&referrers_put_mu);
	for (tries = 0; tries < REFERRERS_PUT_TRIES; tries++) {
		free(a.body);
		json_decref(ix);
		if ((ix = referrers_fetch_index(rc, j, &a, err,
		    sizeof(err))) == NULL)
			break;
		have = 0;
		json_array_foreach(json_object_get(ix, "manifests"), i, d)
			if (json_is_string(json_object_get(d, "digest")) &&
			    strcmp(json_string_value(json_object_get(d,
			    "digest")), dg) == 0)
				have = 1;
		if (have) {
			rv = 0;		/* there (written, and still there) */
			break;
		}
		if (!have) {
			json_array_append(json_object_get(ix, "manifests"),
			    j->desc);
			free(body);
			free(a.body);
			a.body = NULL;
			if ((body = json_dumps(ix, JSON_COMPACT)) == NULL ||
			    regclient_as_client(rc, EVHTTP_REQ_PUT, path,
			    j->auth, NULL, REFERRERS_INDEX_TYPE, body,
			    strlen(body), 65536, &a, err, sizeof(err)) == -1)
				break;
			if (a.status != 201) {
				snprintf(err, sizeof(err), "HTTP %d", a.status);
				break;
			}
		}
		/* Read back: another instance may have written over it. */
	}
	pthread_mutex_unlock(&referrers_put_mu);
	if (rv == 0)
		__atomic_add_fetch(&referrers_added, 1, __ATOMIC_RELAXED);
	else {
		__atomic_add_fetch(&referrers_failed, 1, __ATOMIC_RELAXED);
		log_warnx("referrers: %s: %s not added to %s's referrers: %s",
		    j->repo, dg, j->subject, err[0] ? err : "the index keeps "
		    "being written over");
	}
	free(a.body);
	free(body);
	json_decref(ix);
}

static void *
referrers_thread(void *arg)
{
	struct referrers_job	*j = arg;
	struct regclient	 rc;
	char			 err[512];

	if (regclient_upstream(&rc, j->conf, 0, err, sizeof(err)) == -1) {
		log_warnx("referrers: %s", err);
		j->status = 502;
	} else {
		if (j->kind == REFERRERS_GET)
			referrers_get(&rc, j);
		else
			referrers_add(&rc, j);
		regclient_free(&rc);
	}
	event_active(j->wake, EV_READ, 0);
	return NULL;
}

/* In the loop: the thread is done; a GET's session gets its reply. */
static void
referrers_done(evutil_socket_t fd, short ev, void *arg)
{
	struct referrers_job	*j = arg;
	struct evbuffer		*out;
	int			 close, n;

	(void)fd;
	(void)ev;
	if (j->kind == REFERRERS_GET && j->s != NULL &&
	    (out = evbuffer_new()) != NULL) {
		close = session_reply_closes(j->s);
		if (j->status == 200 && evbuffer_add_printf(out, "HTTP/1.1 200 "
		    "OK\r\nContent-Type: %s\r\nDocker-Distribution-API-Version: "
		    "registry/2.0\r\nContent-Length: %zu\r\n%s%s\r\n",
		    REFERRERS_INDEX_TYPE, j->len, j->filtered ?
		    "OCI-Filters-Applied: artifactType\r\n" : "", close ?
		    "Connection: close\r\n" : "") != -1 && evbuffer_add(out,
		    j->body, j->len) == 0) {
			__atomic_add_fetch(&referrers_served, 1,
			    __ATOMIC_RELAXED);
			session_set_status(j->s, 200);
			session_set_response_bytes(j->s, j->len);
		} else if (j->status == 401 || j->status == 403 ||
		    j->status == 404) {
			evbuffer_drain(out, evbuffer_get_length(out));
			if (j->status == 401 && j->www_auth[0] != '\0' &&
			    strpbrk(j->www_auth, "\r\n") == NULL)
				n = evbuffer_add_printf(out, "HTTP/1.1 401 "
				    "Unauthorized\r\nWWW-Authenticate: %s\r\n"
				    "Content-Length: 0\r\n%s\r\n", j->www_auth,
				    close ? "Connection: close\r\n" : "");
			else
				n = ocierr_reply(out, j->status, j->status ==
				    404 ? "NAME_UNKNOWN" : j->status == 403 ?
				    "DENIED" : "UNAUTHORIZED", "the registry "
				    "refused to show this repository", NULL,
				    close);
			session_set_status(j->s, j->status);
			session_set_response_bytes(j->s, n > 0 ? (size_t)n : 0);
		} else {
			evbuffer_drain(out, evbuffer_get_length(out));
			n = ocierr_reply(out, 502, "UNAVAILABLE", "the referrers "
			    "could not be read from the registry", NULL, 1);
			session_set_status(j->s, 502);
			session_set_response_bytes(j->s, n > 0 ? (size_t)n : 0);
		}
		session_local_release(j->s, out);
		evbuffer_free(out);
	}
	referrers_job_free(j);
}

static struct referrers_job *
referrers_job_new(struct gate *g, enum referrers_kind kind, const char *repo,
    const char *subject, const char *auth)
{
	struct referrers_job	*j;

	if (referrers_njobs >= REFERRERS_JOBS_MAX ||
	    (j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->kind = kind;
	j->conf = g->conf;
	snprintf(j->repo, sizeof(j->repo), "%s", repo);
	snprintf(j->subject, sizeof(j->subject), "%s", subject);
	if ((auth != NULL && (j->auth = strdup(auth)) == NULL) ||
	    (j->wake = event_new(g->base, -1, 0, referrers_done, j)) ==
	    NULL) {
		free(j->auth);
		free(j);
		return NULL;
	}
	return j;
}

static int
referrers_start(struct referrers_job *j)
{
	TAILQ_INSERT_TAIL(&referrers_jobs, j, entry);
	referrers_njobs++;
	if (pthread_create(&j->thread, NULL, referrers_thread, j) != 0) {
		TAILQ_REMOVE(&referrers_jobs, j, entry);
		referrers_njobs--;
		return -1;
	}
	return 0;
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
	struct referrers_job	*j;
	int			 n;

	if (session_method(s) != HTTP_GET) {
		session_set_status(s, 405);
		return ocierr_reply(out, 405, "UNSUPPORTED", "the referrers "
		    "API answers GET", NULL, session_reply_closes(s)) == -1 ?
		    -1 : 0;
	}
	if ((j = referrers_job_new(g, REFERRERS_GET, r->name, r->ref,
	    session_request_header(s, "Authorization"))) == NULL) {
		session_set_status(s, 503);
		n = ocierr_reply(out, 503, "UNAVAILABLE", "too many referrers "
		    "requests at once; retry in a moment", NULL,
		    session_reply_closes(s));
		if (n > 0)
			session_set_response_bytes(s, (size_t)n);
		return n == -1 ? -1 : 0;
	}
	j->s = s;
	referrers_filter(r->query, j->filter, sizeof(j->filter));
	if (referrers_start(j) == -1) {
		event_free(j->wake);
		free(j->auth);
		free(j);
		session_set_status(s, 503);
		return ocierr_reply(out, 503, "UNAVAILABLE", "cannot start a "
		    "thread", NULL, 1) == -1 ? -1 : 0;
	}
	return 1;
}

void
referrers_put(struct gate *g, const char *repo, const char *digest,
    struct evbuffer *body, const char *authorization)
{
	struct referrers_job	*j = NULL;
	size_t			 len = evbuffer_get_length(body);
	json_t			*m, *desc = NULL;
	const char		*subject, *mt, *at;

	if (__atomic_load_n(&referrers_native, __ATOMIC_RELAXED) == 1)
		return;		/* the registry keeps its own */
	m = json_loadb((const char *)evbuffer_pullup(body, -1), len, 0, NULL);
	subject = json_string_value(json_object_get(json_object_get(m,
	    "subject"), "digest"));
	if (subject == NULL || !route_valid_digest(subject, strlen(subject)))
		goto done;
	mt = json_string_value(json_object_get(m, "mediaType"));
	at = referrers_type(m);
	desc = json_pack("{s:s, s:s, s:I}", "mediaType", mt ? mt :
	    "application/vnd.oci.image.manifest.v1+json", "digest", digest,
	    "size", (json_int_t)len);
	if (desc == NULL)
		goto done;
	if (at != NULL)
		json_object_set_new(desc, "artifactType", json_string(at));
	if (json_is_object(json_object_get(m, "annotations")))
		json_object_set(desc, "annotations", json_object_get(m,
		    "annotations"));
	if ((j = referrers_job_new(g, REFERRERS_PUT, repo, subject,
	    authorization)) == NULL) {
		__atomic_add_fetch(&referrers_failed, 1, __ATOMIC_RELAXED);
		log_warnx("referrers: %s: %s not added to %s's referrers "
		    "(too many updates at once)", repo, digest, subject);
		goto done;
	}
	j->desc = desc;
	desc = NULL;
	if (referrers_start(j) == -1) {
		__atomic_add_fetch(&referrers_failed, 1, __ATOMIC_RELAXED);
		event_free(j->wake);
		free(j->auth);
		json_decref(j->desc);
		free(j);
	}
 done:
	json_decref(desc);
	json_decref(m);
}

void
referrers_gone(struct session *s)
{
	struct referrers_job	*j;

	TAILQ_FOREACH(j, &referrers_jobs, entry)
		if (j->s == s)
			j->s = NULL;
}

void
referrers_shutdown(void)
{
	struct referrers_job	*j;

	while ((j = TAILQ_FIRST(&referrers_jobs)) != NULL)
		referrers_job_free(j);	/* joins the thread */
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
