#include "proxy/gate/tap.h"
#include "proxy/gate/attest.h"
#include "proxy/gate/cosign.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/journal.h"
#include "proxy/gate/pushgate.h"
#include "proxy/gate/record.h"
#include "proxy/gate/referrers.h"
#include "proxy/gate/upload.h"
#include "proxy/http/route.h"
#include "proxy/relay/session.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <event2/buffer.h>
#include <http_parser.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

/* What every tap of the gate starts with. */
struct tap {
	struct relay_tap	 tap;
	struct gate		*g;
	struct session		*s;
};

/* A blob upload's bytes, fed to its scan as they are relayed. */
struct tap_upload {
	struct tap		 base;
	struct upload		*u;
	int			 waiting;	/* for the scan to drain */
};

/* A manifest PUT's body, kept to be recorded if the registry takes it. */
struct tap_manifest {
	struct tap		 base;
	struct evbuffer		*body;
	int			 over;		/* larger than the bound */
	EVP_MD_CTX		*md;		/* sha256 of every byte */
	uint64_t		 want;		/* Content-Length; 0: chunked */
	uint64_t		 seen;
	int			 slot;		/* journal slot, or -1 */
	/*
	 * The push gate held this PUT (it asks at the same moment the tap
	 * opens) and recorded the manifest before letting it through: a
	 * 201 needs no second record, which would put back the pending
	 * document in place of the one judged.
	 */
	int			 gated;
	json_t			*doc;		/* body parsed, once; or NULL */
};

static void
tap_upload_resume(void *arg)
{
	struct tap_upload	*t = arg;

	t->waiting = 0;
	session_tap_resume(t->base.s);
}

static int
tap_upload_feed(struct relay_tap *tap, const void *data, size_t len)
{
	struct tap_upload	*t = (struct tap_upload *)tap;

	if (!upload_feed(t->u, data, len))
		return 0;
	if (!t->waiting) {
		/* The scanner is behind: the client waits until it drains. */
		t->waiting = 1;
		t->base.g->stats.scan_waits++;
		upload_wait(t->u, tap_upload_resume, t);
	}
	return 1;
}

static int
tap_upload_wants(struct relay_tap *tap)
{
	return upload_wants_bytes(((struct tap_upload *)tap)->u);
}

static void
tap_upload_skip(struct relay_tap *tap, uint64_t n)
{
	upload_skip(((struct tap_upload *)tap)->u, n);
}

/* status 0: a body cut short; the scan cannot vouch for the blob. */
static void
tap_upload_close(struct relay_tap *tap, int status, int complete)
{
	struct tap_upload	*t = (struct tap_upload *)tap;
	int			 method = status ? session_method(t->base.s) : -1;

	if (method == HTTP_PUT && status == 201 && complete)
		upload_commit(t->u, session_response_header(t->base.s,
		    "Docker-Content-Digest"), session_request_header(t->base.s,
		    "Authorization"));
	else if (!(method == HTTP_PATCH && status == 202 && complete))
		upload_abort(t->u);
	else
		upload_paused(t->u);
	upload_unwait(t->u, t);
	free(t);
}

static const struct relay_tap_ops tap_upload_ops = {
	.feed = tap_upload_feed,
	.wants = tap_upload_wants,
	.skip = tap_upload_skip,
	.close = tap_upload_close,
};

/*
 * The whole body is here and its last byte not yet relayed (feed runs
 * before the relay writes upstream): journal the push now, so that a
 * crash or a store that refuses the record cannot leave the registry
 * holding an image the proxy forgot it was pushed.
 */
static void
tap_manifest_journal(struct tap_manifest *t)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen, i;
	char		dg[7 + 2 * EVP_MAX_MD_SIZE + 1] = "sha256:";

	if (EVP_DigestFinal_ex(t->md, md, &mdlen) != 1)
		return;
	for (i = 0; i < mdlen; i++)
		snprintf(dg + 7 + 2 * i, 3, "%02x", md[i]);
	t->slot = journal_add(t->base.g->journal, dg,
	    session_route(t->base.s)->name);
	if (t->slot == -1)
		log_warnx("%s: cannot journal this manifest push; a crash "
		    "before it is recorded would leave it unknown", dg);
}

/* The kept body as JSON, parsed the first time it is asked for. */
static json_t *
tap_manifest_doc(struct tap_manifest *t)
{
	if (t->doc == NULL && !t->over && evbuffer_get_length(t->body) > 0)
		t->doc = json_loadb((const char *)evbuffer_pullup(t->body, -1),
		    evbuffer_get_length(t->body), 0, NULL);
	return t->doc;
}

static int
tap_manifest_feed(struct relay_tap *tap, const void *data, size_t len)
{
	struct tap_manifest	*t = (struct tap_manifest *)tap;

	if (t->md != NULL && t->want > 0) {
		EVP_DigestUpdate(t->md, data, len);
		if ((t->seen += len) == t->want)
			tap_manifest_journal(t);
	}
	/* Gated, it was recorded from the relay's own copy: none kept here. */
	if (t->over || t->gated)
		return 0;
	if (evbuffer_get_length(t->body) + len >
	    t->base.g->conf->limits.max_manifest_bytes)
		t->over = 1;
	else
		evbuffer_add(t->body, data, len);
	if (!t->over && t->want > 0 && t->seen == t->want)
		referrers_subject_header(t->base.s, tap_manifest_doc(t));
	return 0;
}

/*
 * A new attestation for an image (a manifest naming it as subject, or
 * cosign's sha256-<hex>.att tag): the image's VEX is to be read again.
 */
static void
tap_attestation(struct tap_manifest *t)
{
	const struct route	*r = session_route(t->base.s);
	const char		*subject = json_string_value(json_object_get(
				    json_object_get(tap_manifest_doc(t),
				    "subject"), "digest"));
	char			 dg[72];

	if (subject != NULL && route_valid_digest(subject, strlen(subject)))
		attest_forget(t->base.g, r->name, subject);
	if (cosign_tag_digest(r->ref, "att", dg) == 0)
		attest_forget(t->base.g, r->name, dg);
}

/* Every byte of a manifest is kept: it never bypasses the proxy. */
static int
tap_manifest_wants(struct relay_tap *tap)
{
	return 1;
}

static void
tap_manifest_skip(struct relay_tap *tap, uint64_t n)
{
}

static void
tap_manifest_close(struct relay_tap *tap, int status, int complete)
{
	struct tap_manifest	*t = (struct tap_manifest *)tap;
	struct journal		*j = t->base.g->journal;
	const char		*dg = status ? session_response_header(t->base.s,
				    "Docker-Content-Digest") : NULL;
	int			 rv = -1;

	/* A manifest with a subject joins that subject's referrers. */
	if (status == 201 && dg != NULL && complete && !t->over) {
		referrers_put(t->base.g, session_route(t->base.s)->name, dg,
		    tap_manifest_doc(t), evbuffer_get_length(t->body),
		    session_request_header(t->base.s, "Authorization"));
		tap_attestation(t);
	}
	if (status == 201 && t->gated && dg != NULL)
		rv = 0;
	else if (status == 201 && dg != NULL && complete && !t->over)
		rv = record_manifest(t->base.g, session_route(t->base.s)->name,
		    dg, t->body, session_request_header(t->base.s,
		    "Authorization"));
	if (rv == 0) {
		journal_done(j, t->slot);
		journal_recorded(j, dg);
	} else if (status == 201 || (status == 0 && t->slot != -1)) {
		/*
		 * Taken by the registry (or maybe: the session ended with
		 * the whole body sent) and not recorded: it stays on disk,
		 * refused at pull until pushed again.
		 */
		journal_failed(j, t->slot);
		if (status == 201)
			log_warnx("%s@%s: the registry took this manifest and "
			    "the proxy could not record it%s; pulls of it are "
			    "refused until it is pushed again",
			    session_route(t->base.s)->name, dg ? dg : "?",
			    t->over ? " (larger than limits.max_manifest_bytes)"
			    : "");
	} else
		journal_done(j, t->slot);
	EVP_MD_CTX_free(t->md);
	evbuffer_free(t->body);
	json_decref(t->doc);
	free(t);
}

static const struct relay_tap_ops tap_manifest_ops = {
	.feed = tap_manifest_feed,
	.wants = tap_manifest_wants,
	.skip = tap_manifest_skip,
	.close = tap_manifest_close,
};

/* A zeroed tap of size bytes (a struct starting with struct tap). */
static struct tap *
tap_new(size_t size, const struct relay_tap_ops *ops, struct gate *g,
    struct session *s)
{
	struct tap	*t;

	if ((t = calloc(1, size)) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	t->tap.ops = ops;
	t->g = g;
	t->s = s;
	return t;
}

static struct relay_tap *
tap_upload(struct gate *g, struct session *s, struct upload *u)
{
	struct tap_upload	*t;

	if (u == NULL)
		return NULL;
	if ((t = (struct tap_upload *)tap_new(sizeof(*t), &tap_upload_ops, g,
	    s)) == NULL) {
		/* Unwatched, the blob is never recorded: fail closed. */
		upload_abort(u);
		return NULL;
	}
	t->u = u;
	return &t->base.tap;
}

static struct relay_tap *
tap_manifest(struct gate *g, struct session *s)
{
	struct tap_manifest	*t;
	const char		*cl;

	if ((t = (struct tap_manifest *)tap_new(sizeof(*t), &tap_manifest_ops,
	    g, s)) == NULL)
		return NULL;
	t->slot = -1;
	t->gated = pushgate_wanted(g, s);
	if ((cl = session_request_header(s, "Content-Length")) != NULL)
		t->want = strtoull(cl, NULL, 10);
	if ((t->body = evbuffer_new()) == NULL ||
	    (t->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(t->md, EVP_sha256(), NULL) != 1) {
		log_warnx("%s: out of memory", __func__);
		EVP_MD_CTX_free(t->md);
		if (t->body != NULL)
			evbuffer_free(t->body);
		free(t);
		return NULL;
	}
	return &t->base.tap;
}

/* A manifest DELETE the registry took: out of its subject's referrers. */
static void
tap_delete_close(struct relay_tap *tap, int status, int complete)
{
	struct tap	*t = (struct tap *)tap;

	if (status == 202)
		referrers_deleted(t->g, session_route(t->s)->name,
		    session_route(t->s)->ref, session_request_header(t->s,
		    "Authorization"));
	free(t);
}

/* A DELETE has no body: nothing to feed, want or skip. */
static int
tap_delete_feed(struct relay_tap *tap, const void *data, size_t len)
{
	return 0;
}

static int
tap_delete_wants(struct relay_tap *tap)
{
	return 0;
}

static void
tap_delete_skip(struct relay_tap *tap, uint64_t n)
{
}

static const struct relay_tap_ops tap_delete_ops = {
	.feed = tap_delete_feed,
	.wants = tap_delete_wants,
	.skip = tap_delete_skip,
	.close = tap_delete_close,
};

static struct relay_tap *
tap_delete(struct gate *g, struct session *s)
{
	struct tap	*t = tap_new(sizeof(*t), &tap_delete_ops, g, s);

	return t != NULL ? &t->tap : NULL;
}

/*
 * Bodies the gate looks at while they are relayed: blob upload chunks
 * go to the upload's scanner; manifest PUTs are kept to be recorded;
 * a manifest DELETE's answer is watched for referrers to forget.
 */
struct relay_tap *
tap_open(void *arg, struct session *s)
{
	struct gate		*g = arg;
	const struct route	*r = session_route(s);
	int			 method = session_method(s);
	const char		*cr;
	uint64_t		 start;

	if (!session_request_has_body(s)) {
		/* The closing PUT usually carries no bytes, only the digest. */
		if (r->kind == ROUTE_UPLOAD && method == HTTP_PUT)
			return tap_upload(g, s, upload_find(g, r->ref));
		if (r->kind == ROUTE_MANIFEST && method == HTTP_DELETE &&
		    r->ref_is_digest)
			return tap_delete(g, s);
		return NULL;
	}
	if (r->kind == ROUTE_UPLOAD && (method == HTTP_PATCH ||
	    method == HTTP_PUT)) {
		/* Without Content-Range a chunk continues the stream. */
		if ((cr = session_request_header(s, "Content-Range")) != NULL)
			start = strtoull(cr, NULL, 10);
		else
			start = UINT64_MAX;
		return tap_upload(g, s, upload_for(g, r->name, r->ref, start));
	}
	if (r->kind == ROUTE_MANIFEST && method == HTTP_PUT)
		return tap_manifest(g, s);
	return NULL;
}
