#include "proxy/gate/attach.h"
#include "proxy/gate/asclient.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/referrers.h"
#include "proxy/registry/regclient.h"
#include "scan/image/report.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATTACH_EMPTY_DIGEST \
	"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define ATTACH_MANIFEST_TYPE	"application/vnd.oci.image.manifest.v1+json"
/* The image manifest read back for its descriptor, at most. */
#define ATTACH_MAX_MANIFEST	(4u << 20)

struct attach_req {
	char	 repo[256];
	char	 digest[80];
	char	 ver[64];
	char	 message[1024];
	int	 deny;
	char	*doc;
};

static unsigned long long attach_done, attach_failed;


/*
 * Push body as an artifact of type type naming subject; its
 * descriptor for the referrers index into *desc. 0 or -1 with err.
 */
static int
attach_push(struct regclient *rc, struct attach_req *q, json_t *subject,
    const char *type, const char *body, json_t **desc, char *err,
    size_t errlen)
{
	char	 bdg[72], mdg[72], *man = NULL;
	json_t	*m = NULL;
	size_t	 blen = strlen(body);
	int	 rv = -1;

	if (regclient_digest_of(body, blen, bdg) == -1) {
		snprintf(err, errlen, "cannot hash the artifact");
		return -1;
	}
	m = json_pack("{s:i, s:s, s:s, s:{s:s, s:s, s:i}, s:[{s:s, s:s, s:I}], "
	    "s:O, s:{s:s, s:s}}", "schemaVersion", 2, "mediaType",
	    ATTACH_MANIFEST_TYPE, "artifactType", type, "config", "mediaType",
	    "application/vnd.oci.empty.v1+json", "digest", ATTACH_EMPTY_DIGEST,
	    "size", 2, "layers", "mediaType", type, "digest", bdg, "size",
	    (json_int_t)blen, "subject", subject, "annotations",
	    "io.portcullis.verdict", q->deny ? "deny" : "allow",
	    "io.portcullis.data.version", q->ver);
	if (m == NULL || (man = json_dumps(m, JSON_COMPACT |
	    JSON_SORT_KEYS)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (regclient_digest_of(man, strlen(man), mdg) == -1)
		goto done;
	if (regclient_push_blob(rc, q->repo, ATTACH_EMPTY_DIGEST, "{}", 2, err,
	    errlen) == -1 || regclient_push_blob(rc, q->repo, bdg, body, blen,
	    err, errlen) == -1 || regclient_push_manifest(rc, q->repo, mdg,
	    ATTACH_MANIFEST_TYPE, man, strlen(man), err, errlen) == -1)
		goto done;
	*desc = json_pack("{s:s, s:s, s:I, s:s, s:O}", "mediaType",
	    ATTACH_MANIFEST_TYPE, "digest", mdg, "size",
	    (json_int_t)strlen(man), "artifactType", type, "annotations",
	    json_object_get(m, "annotations"));
	rv = *desc != NULL ? 0 : -1;
 done:
	free(man);
	json_decref(m);
	return rv;
}

/* The report users read next to the image: verdict and findings. */
static char *
attach_report(struct attach_req *q, json_t *doc)
{
	json_t	*r;
	char	*s;

	r = json_pack("{s:s, s:s, s:s, s:s, s:O?, s:O?, s:O?, s:O?}",
	    "image", q->digest, "verdict", q->deny ? "deny" : "allow",
	    "message", q->message, "data_version", q->ver,
	    "vulnerabilities", json_object_get(doc, "vulnerabilities"),
	    "secrets", json_object_get(doc, "secrets"),
	    "misconfigurations", json_object_get(doc, "misconfigurations"),
	    "limits", json_object_get(doc, "limits"));
	s = r != NULL ? json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_REAL_PRECISION(10)) : NULL;
	json_decref(r);
	return s;
}

/* On the thread, with the scanner's account. */
static void
attach_work(struct asclient *c, struct regclient *rc)
{
	struct attach_req	*q = c->arg;
	const char		*types[2] = { ATTACH_SBOM_TYPE, ATTACH_REPORT_TYPE };
	char			 err[512] = "", dg[72], src[400], *body = NULL;
	char			*bodies[2] = { NULL, NULL };
	json_t			*doc = NULL, *man = NULL, *subject = NULL;
	json_t			*bom = NULL, *desc = NULL;
	size_t			 len, i;
	int			 rv = -1;

	if (regclient_manifest(rc, q->repo, q->digest, ATTACH_MAX_MANIFEST,
	    &body, &len, dg, err, sizeof(err)) == -1)
		goto done;
	if ((man = json_loadb(body, len, 0, NULL)) == NULL ||
	    (doc = json_loads(q->doc, 0, NULL)) == NULL) {
		snprintf(err, sizeof(err), "unreadable manifest or document");
		goto done;
	}
	subject = json_pack("{s:s, s:s, s:I}", "mediaType",
	    json_string_value(json_object_get(man, "mediaType")) ?
	    json_string_value(json_object_get(man, "mediaType")) :
	    ATTACH_MANIFEST_TYPE, "digest", q->digest, "size", (json_int_t)len);
	snprintf(src, sizeof(src), "%s@%s", q->repo, q->digest);
	if (!json_is_string(json_object_get(doc, "source")))
		json_object_set_new(doc, "source", json_string(src));
	if (subject == NULL || (bom = report_cyclonedx(doc)) == NULL ||
	    (bodies[0] = json_dumps(bom, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_REAL_PRECISION(10))) == NULL ||
	    (bodies[1] = attach_report(q, doc)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto done;
	}
	for (i = 0; i < 2; i++) {
		if (attach_push(rc, q, subject, types[i], bodies[i], &desc, err,
		    sizeof(err)) == -1 || referrers_index_add(rc, 0, NULL,
		    q->repo, q->digest, desc, err, sizeof(err)) == -1)
			goto done;
		json_decref(desc);
		desc = NULL;
	}
	rv = 0;
 done:
	if (rv == 0) {
		__atomic_add_fetch(&attach_done, 1, __ATOMIC_RELAXED);
		log_info("attach: %s@%s: SBOM and report attached", q->repo,
		    q->digest);
	} else {
		__atomic_add_fetch(&attach_failed, 1, __ATOMIC_RELAXED);
		log_warnx("attach: %s@%s: not attached: %s", q->repo, q->digest,
		    err[0] ? err : "out of memory");
	}
	free(body);
	free(bodies[0]);
	free(bodies[1]);
	json_decref(doc);
	json_decref(man);
	json_decref(subject);
	json_decref(bom);
	json_decref(desc);
}

static void
attach_free(struct asclient *c)
{
	struct attach_req	*q = c->arg;

	free(q->doc);
	free(q);
}

void
attach_judged(struct gate *g, const char *repo, const char *digest,
    const char *doc, int deny, const char *message)
{
	struct store		*st = gate_store(g);
	struct attach_req	*q;
	char			 key[120], ver[64] = "", had[64], *v = NULL;

	if (g->results == NULL || !g->conf->fleet.attach || st == NULL ||
	    digest == NULL || strncmp(digest, "sha256:", 7) != 0 ||
	    strlen(repo) >= sizeof(q->repo))
		return;
	store_meta_get(st, "data_version", ver, sizeof(ver));
	/* Once per image and data version from this instance. */
	snprintf(key, sizeof(key), "att:%s", digest);
	if (store_digest_get(st, STORE_IMAGES, key, &v) == STORE_OK) {
		snprintf(had, sizeof(had), "%s", v);
		free(v);
		if (strcmp(had, ver) == 0)
			return;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return;
	/* A large image was judged from a copy without its packages. */
	if ((doc != NULL && (q->doc = strdup(doc)) == NULL) || (doc == NULL &&
	    store_digest_get(st, STORE_IMAGES, digest, &q->doc) != STORE_OK)) {
		free(q->doc);
		free(q);
		return;
	}
	snprintf(q->repo, sizeof(q->repo), "%s", repo);
	snprintf(q->digest, sizeof(q->digest), "%s", digest);
	snprintf(q->ver, sizeof(q->ver), "%s", ver);
	snprintf(q->message, sizeof(q->message), "%s", message);
	q->deny = deny;
	if (asclient_start_account(g, attach_work, attach_free, q) == -1) {
		free(q->doc);
		free(q);
		__atomic_add_fetch(&attach_failed, 1, __ATOMIC_RELAXED);
		return;
	}
	store_digest_put(st, STORE_IMAGES, key, ver);
}

void
attach_metrics(struct evbuffer *out)
{
	evbuffer_add_printf(out,
	    "# TYPE portcullis_attached_total counter\n"
	    "portcullis_attached_total %llu\n"
	    "# TYPE portcullis_attach_failures_total counter\n"
	    "portcullis_attach_failures_total %llu\n",
	    __atomic_load_n(&attach_done, __ATOMIC_RELAXED),
	    __atomic_load_n(&attach_failed, __ATOMIC_RELAXED));
}
