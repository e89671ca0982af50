#include "proxy/endpoint/status.h"
#include "proxy/gate/attest.h"
#include "proxy/gate/feeds.h"
#include "proxy/gate/decide.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/record.h"
#include "proxy/http/ocierr.h"
#include "proxy/http/route.h"
#include "proxy/relay/relay.h"
#include "proxy/relay/session.h"
#include "scan/image/suppress.h"
#include "scan/image/verdict.h"
#include "conf/conf.h"

#include "proxy/relay/session.h"
#include "store/db.h"
#include "conf/log.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
status_body_free(const void *data, size_t len, void *arg)
{
	free((void *)data);
}

static void
status_annotate(json_t *a, const char *key, const char *value)
{
	json_object_set_new(a, key, json_string(value ? value : ""));
}

/*
 * One document serves every repository holding the same manifest, and
 * it names the one it was first recorded in, and the base image it was
 * found built on: the caller was let read only this repository, so the
 * report names nothing else.
 */
static void
status_own_repository(json_t *doc, const char *repo)
{
	const char	*base = json_string_value(json_object_get(doc,
			    "base_by_layers"));
	size_t		 n = strlen(repo);

	json_object_set_new(doc, "repository", json_string(repo));
	if (base != NULL && !(strncmp(base, repo, n) == 0 && base[n] == '@'))
		json_object_del(doc, "base_by_layers");
}

/* An image's signed VEX attestations, as recorded (read on the loop). */
struct status_vex {
	struct vex_set	 set;
	int		 have;
	json_t		*report;	/* the record, for the report; NULL */
};

static void
status_vex_load(struct gate *g, const char *repo, const char *digest,
    struct status_vex *att)
{
	time_t	checked;

	memset(att, 0, sizeof(*att));
	att->have = attest_vex_get(gate_store(g), &g->conf->policy, repo,
	    digest, &att->set, &checked, &att->report) == 1;
}

static void
status_vex_clear(struct status_vex *att)
{
	vex_clear(&att->set);
	json_decref(att->report);
	memset(att, 0, sizeof(*att));
}

/*
 * The annotations of a scanned image's document, and its verdict under
 * p. Pure: the large-report thread runs it with a copy of the policy.
 */
static void
status_scanned(json_t *ann, json_t *doc, const struct policy *p,
    const char *repo, const char *digest, const struct status_vex *att,
    struct verdict *v)
{
	struct suppress_subject	 subj = { repo, digest, time(NULL),
				    att->have ? &att->set : NULL };
	const char	*keys[] = { "critical", "high", "medium", "low",
			    "unknown", "secrets", "unscanned-content" };
	time_t		 t = (time_t)json_integer_value(json_object_get(doc,
			    "scanned_at"));
	struct tm	 tm;
	json_t		*sum;
	char		 num[32], when[32];
	int		 i;

	status_annotate(ann, "dev.portcullis.status", "scanned");
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	status_annotate(ann, "dev.portcullis.scanned-at", t ? when : "");
	status_annotate(ann, "dev.portcullis.data-version",
	    json_string_value(json_object_get(doc, "data_version")));
	/* Older than this build's: a rescan may find more. */
	snprintf(num, sizeof(num), "%lld", (long long)
	    json_integer_value(json_object_get(doc, "scanner")));
	status_annotate(ann, "dev.portcullis.scanner-version",
	    json_object_get(doc, "scanner") ? num : "");
	sum = json_object_get(doc, "summary");
	for (i = 0; i < 7; i++) {
		char		 key[64];
		/* The summary's own name for the last one. */
		const char	*sk = i == 6 ? "unscanned" : keys[i];

		snprintf(key, sizeof(key), "dev.portcullis.%s%s",
		    i < 5 ? "vulnerabilities." : "", keys[i]);
		snprintf(num, sizeof(num), "%lld", (long long)
		    json_integer_value(json_object_get(sum, sk)));
		status_annotate(ann, key, num);
	}
	verdict_eval_attached(doc, p, repo, digest, subj.attached, subj.now,
	    v);
	/* The image's own attestations: read, and set aside with why. */
	if (att->report != NULL)
		json_object_set(doc, "vex_attestations", att->report);
	/* What exceptions and VEX took out, and each finding they cover. */
	status_annotate(ann, "dev.portcullis.policy.exceptions", v->note);
	suppress_annotate(p, doc, &subj);
	/* End of life as of now (the document keeps the dates). */
	if (json_object_get(doc, "lifecycle") != NULL) {
		status_annotate(ann, "dev.portcullis.os.end-of-life",
		    json_string_value(json_object_get(json_object_get(
		    json_object_get(doc, "lifecycle"), "os"), "eol")));
		status_annotate(ann, "dev.portcullis.os.past-end-of-life",
		    v->eol_os ? "true" : "false");
		snprintf(num, sizeof(num), "%d", v->support_ended);
		status_annotate(ann, "dev.portcullis.packages.support-ended",
		    num);
	}
}

/*
 * The reply's body (malloc'd JSON, newline-terminated) from the
 * annotations and the document (both taken over), or NULL.
 */
static char *
status_body(json_t *ann, json_t *doc, const struct verdict *v,
    const char *repo, size_t *len)
{
	json_t	*reply;
	char	*body, *nb;

	status_annotate(ann, "dev.portcullis.policy.result", v->deny ?
	    "deny" : "allow");
	status_annotate(ann, "dev.portcullis.policy.reasons", v->message);
	if (doc != NULL)
		status_own_repository(doc, repo);
	reply = json_pack("{s:o, s:o}", "annotations", ann, "report",
	    doc ? doc : json_null());
	body = reply ? json_dumps(reply, JSON_INDENT(2) |
	    JSON_REAL_PRECISION(10)) : NULL;
	json_decref(reply);
	if (body == NULL)
		return NULL;
	*len = strlen(body);
	if ((nb = realloc(body, *len + 2)) == NULL) {
		free(body);
		return NULL;
	}
	nb[(*len)++] = '\n';
	nb[*len] = '\0';
	return nb;
}

/* The reply's head for a body of len bytes. 0 or -1. */
static int
status_head(struct evbuffer *out, struct session *s, size_t len)
{
	return evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n",
	    len, session_keepalive(s) ? "" : "Connection: close\r\n") ==
	    -1 ? -1 : 0;
}

/*
 * Reports of very large images (hundreds of thousands of packages make
 * a document of 100 MB) are parsed, judged and written out on a thread
 * of their own, so the loop goes on serving everyone else; the reply is
 * then handed to the session by reference, never copied. At most
 * STATUS_JOBS_MAX at once: the memory of as many documents, given back
 * to the system (malloc_trim) when each is done.
 */
#define STATUS_ASYNC_MIN	(1u << 20)	/* bytes of document */
#define STATUS_JOBS_MAX		2

struct status_job {
	TAILQ_ENTRY(status_job)	 entry;
	struct session		*s;		/* NULL: it went away */
	struct policy		 policy;	/* a copy: reloads may come */
	struct status_vex	 att;
	char			 repo[256];
	char			 digest[80];
	char			*raw;		/* the document, taken over */
	json_t			*ann;		/* taken over */
	char			*body;		/* the thread's result */
	size_t			 len;
	struct event		*wake;
	pthread_t		 thread;
};

static TAILQ_HEAD(, status_job)	status_jobs =
    TAILQ_HEAD_INITIALIZER(status_jobs);
static unsigned			status_njobs;

static void
status_job_free(struct status_job *j)
{
	TAILQ_REMOVE(&status_jobs, j, entry);
	status_njobs--;
	pthread_join(j->thread, NULL);
	event_free(j->wake);
	policy_clear(&j->policy);
	status_vex_clear(&j->att);
	free(j->raw);
	free(j->body);
	json_decref(j->ann);
	free(j);
}

static void *
status_job_thread(void *arg)
{
	struct status_job	*j = arg;
	struct verdict		 v;
	json_t			*doc;

	memset(&v, 0, sizeof(v));
	doc = json_loads(j->raw, 0, NULL);
	free(j->raw);
	j->raw = NULL;
	if (doc != NULL)
		status_scanned(j->ann, doc, &j->policy, j->repo, j->digest,
		    &j->att, &v);
	else {
		v.deny = 1;
		snprintf(v.message, sizeof(v.message), "the stored scan "
		    "result for this image is unreadable; refusing");
	}
	j->body = status_body(j->ann, doc, &v, j->repo, &j->len);
	j->ann = NULL;		/* status_body took it */
	/* What parsing a huge document took goes back to the system. */
	malloc_trim(0);
	event_active(j->wake, EV_READ, 0);
	return NULL;
}

/* In the loop: the thread is done; the session gets its reply. */
static void
status_job_done(evutil_socket_t fd, short ev, void *arg)
{
	struct status_job	*j = arg;
	struct evbuffer		*out;

	if (j->s != NULL && (out = evbuffer_new()) != NULL) {
		if (j->body != NULL && status_head(out, j->s, j->len) == 0 &&
		    evbuffer_add_reference(out, j->body, j->len,
		    status_body_free, NULL) == 0) {
			j->body = NULL;		/* the buffer frees it */
			session_set_status(j->s, 200);
			session_set_response_bytes(j->s, j->len);
		} else {
			evbuffer_drain(out, evbuffer_get_length(out));
			session_set_status(j->s, 500);
			ocierr_reply(out, 500, "UNAVAILABLE", "out of memory "
			    "building the report", NULL, 1);
		}
		session_local_release(j->s, out);
		evbuffer_free(out);
	}
	status_job_free(j);
}

/*
 * A report to build on a thread? 1: started (the reply comes later),
 * 2: too many at once (a 503 is in out), 0: not a large judged document
 * (build it here), -1: out of memory.
 */
static int
status_async(struct gate *g, struct session *s, json_t *ann,
    const char *digest, struct evbuffer *out)
{
	struct store		*st = gate_store(g);
	struct status_job	*j = NULL;
	char			*raw = NULL;

	if (st == NULL || digest == NULL || store_digest_get(st,
	    STORE_IMAGES, digest, &raw) != STORE_OK)
		return 0;
	/* A pending one is built by the gate first, as a pull would. */
	if (strlen(raw) < STATUS_ASYNC_MIN ||
	    strncmp(raw, "{\"pending\"", 10) == 0) {
		free(raw);
		return 0;
	}
	if (status_njobs >= STATUS_JOBS_MAX) {
		free(raw);
		session_set_status(s, 503);
		return ocierr_reply(out, 503, "UNAVAILABLE", "other large "
		    "reports are being built; retry in a moment", NULL,
		    session_reply_closes(s)) == -1 ? -1 : 2;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    policy_copy(&j->policy, &g->conf->policy) == -1)
		goto fail;
	j->s = s;
	j->raw = raw;
	j->ann = json_incref(ann);
	snprintf(j->repo, sizeof(j->repo), "%s", session_route(s)->name);
	snprintf(j->digest, sizeof(j->digest), "%s", digest);
	status_vex_load(g, j->repo, j->digest, &j->att);
	if ((j->wake = event_new(g->base, -1, 0, status_job_done, j)) ==
	    NULL)
		goto fail;
	TAILQ_INSERT_TAIL(&status_jobs, j, entry);
	status_njobs++;
	if (pthread_create(&j->thread, NULL, status_job_thread, j) != 0) {
		TAILQ_REMOVE(&status_jobs, j, entry);
		status_njobs--;
		j->raw = NULL;
		goto fail;
	}
	return 1;
 fail:
	log_warnx("status: cannot build the report of %s on a thread; "
	    "building it here", digest);
	if (j != NULL) {
		if (j->wake != NULL)
			event_free(j->wake);
		policy_clear(&j->policy);
		status_vex_clear(&j->att);
		json_decref(j->ann);
		free(j);
	}
	free(raw);
	return 0;
}

void
status_gone(struct session *s)
{
	struct status_job	*j;

	TAILQ_FOREACH(j, &status_jobs, entry)
		if (j->s == s)
			j->s = NULL;	/* the result is dropped */
}

void
status_shutdown(void)
{
	struct status_job	*j;

	while ((j = TAILQ_FIRST(&status_jobs)) != NULL)
		status_job_free(j);	/* joins the thread */
}

int
status_reply(struct gate *g, struct session *s, struct evbuffer *out)
{
	const struct route *r = session_route(s);
	const char	*dg = session_response_header(s,
			    "Docker-Content-Digest");
	const char	*wa = session_response_header(s, "WWW-Authenticate");
	int		 status = session_status(s);
	json_t		*doc = NULL, *ann;
	struct verdict	 v;
	char		*rec, *body = NULL;
	size_t		 blen = 0;
	int		 error = 0, rv = 1;

	if (status != 200) {
		char	msg[600];
		int	n;

		snprintf(msg, sizeof(msg), "the registry answered %d for "
		    "%s:%s with your credentials", status, r->name,
		    r->ref);
		if (status == 401 && wa != NULL &&
		    evbuffer_add_printf(out, "HTTP/1.1 401 Unauthorized\r\n"
		    "WWW-Authenticate: %s\r\n", wa) == -1)
			goto fail;
		if (status == 401) {
			/* The challenge line is out; finish with the body. */
			json_t *e = json_pack("{s:[{s:s, s:s}]}", "errors",
			    "code", "UNAUTHORIZED", "message", msg);
			char *eb = e ? json_dumps(e, JSON_COMPACT |
			    JSON_REAL_PRECISION(10)) : NULL;

			json_decref(e);
			if (eb == NULL || evbuffer_add_printf(out,
			    "Content-Type: application/json\r\n"
			    "Content-Length: %zu\r\n\r\n%s", strlen(eb), eb) ==
			    -1) {
				free(eb);
				goto fail;
			}
			free(eb);
			return 0;
		}
		if ((n = ocierr_reply(out, status == 404 ? 404 : status ==
		    403 ? 403 : 502, status == 404 ? "MANIFEST_UNKNOWN" :
		    status == 403 ? "DENIED" : "UNAVAILABLE", msg, NULL,
		    session_reply_closes(s))) == -1)
			goto fail;
		session_set_response_bytes(s, (uint64_t)n);
		session_set_status(s, status == 404 || status == 403 ? status :
		    502);
		return 0;
	}
	ann = json_object();
	status_annotate(ann, "org.opencontainers.image.ref.name", r->ref);
	status_annotate(ann, "dev.portcullis.repository", r->name);
	status_annotate(ann, "dev.portcullis.digest", dg);
	/* How current the advisory data behind the verdict is. */
	feeds_annotate(g->feeds, ann);
	/* A large judged document is parsed and written out elsewhere. */
	switch (status_async(g, s, ann, dg, out)) {
	case 1:		/* on its thread, which holds its own reference */
		json_decref(ann);
		return 1;
	case 2:		/* refused as busy */
		json_decref(ann);
		return 0;
	case -1:
		json_decref(ann);
		goto fail;
	}
	rec = record_scan_doc(g, dg, &error);
	if (rec != NULL)
		doc = json_loads(rec, 0, NULL);
	free(rec);
	if (doc == NULL) {
		status_annotate(ann, "dev.portcullis.status", error ?
		    "store-unavailable" : "unscanned");
		memset(&v, 0, sizeof(v));
		/* What a pull would meet, without looking it up again. */
		/* A scan-first image counts as refused until it is scanned. */
		if (decide_unrecorded(g, r->name, dg, error, v.message,
		    sizeof(v.message)) != GATE_ALLOW)
			v.deny = 1;
		else
			v.message[0] = '\0';
	} else {
		struct status_vex att;

		status_vex_load(g, r->name, dg, &att);
		status_scanned(ann, doc, &g->conf->policy, r->name, dg, &att,
		    &v);
		status_vex_clear(&att);
	}
	if ((body = status_body(ann, doc, &v, r->name, &blen)) == NULL ||
	    status_head(out, s, blen) == -1 ||
	    evbuffer_add(out, body, blen) == -1)
		rv = -1;
	free(body);
	if (rv == -1)
		goto fail;
	return 0;
 fail:
	return -1;
}
