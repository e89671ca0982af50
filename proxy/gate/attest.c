#include "proxy/gate/attest.h"
#include "proxy/gate/cosign.h"
#include "proxy/gate/dsse.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/gatecache.h"
#include "proxy/gate/referrers.h"
#include "proxy/registry/regclient.h"
#include "scan/image/verdict.h"
#include "conf/conf.h"
#include "conf/log.h"
#include "conf/vex.h"
#include "store/db.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
attest_record_key(const char *repo, const char *digest,
    char key[ATTEST_KEY_LEN])
{
	snprintf(key, ATTEST_KEY_LEN, "vex:%s@%s", repo, digest);
}

/*
 * Might a referrer of this artifactType hold an attestation? Those the
 * proxy attaches itself, and other known kinds, are not fetched.
 */
static int
attest_candidate(const char *at)
{
	return at == NULL || strstr(at, "dsse") != NULL ||
	    strstr(at, "in-toto") != NULL || strstr(at, "vex") != NULL ||
	    strstr(at, "attestation") != NULL;
}


/*
 * Did the registry fail to answer (tried again later), rather than say
 * something about what it holds (too large, not matching its digest,
 * gone: set aside, so no attached document can stop the check)?
 */
static int
attest_unreachable(int status)
{
	return status == 0 || status == 401 || status == 403 || status == 429 ||
	    status >= 500;
}

/* Note what was set aside, and why. */
static void
attest_ignore(json_t *rec, const char *ref, const char *why)
{
	json_array_append_new(json_object_get(rec, "ignored"), json_pack(
	    "{s:s, s:s}", "ref", ref, "why", why));
}

/*
 * One referrer (ref: its digest, or the .att tag): each envelope layer
 * read and judged into rec. 0, or -1 with err (the registry failed).
 */
static int
attest_one(struct regclient *rc, const char (*keys)[POLICY_KEY_MAX],
    int nkeys, const char *repo, const char *digest, const char *ref,
    size_t *budget, json_t *rec, char *err, size_t errlen)
{
	char		*body = NULL, *env = NULL, dg[72], why[300];
	const char	*signer;
	size_t		 len, elen, i;
	json_t		*m = NULL, *l, *pred;
	json_int_t	 size;
	int		 rv = -1, n = 0, tag = strncmp(ref, "sha256:", 7) != 0;

	if (regclient_manifest(rc, repo, ref, ATTEST_MAX_MANIFEST, &body,
	    &len, dg, err, errlen) == -1) {
		if (attest_unreachable(rc->status))
			goto done;
		if (!tag)
			attest_ignore(rec, ref, rc->status == 404 ? "listed "
			    "as a referrer, but the registry has no such "
			    "manifest" : err);
		rv = 0;
		goto done;
	}
	if ((m = json_loadb(body, len, 0, NULL)) == NULL) {
		attest_ignore(rec, dg, "its manifest is not JSON");
		rv = 0;
		goto done;
	}
	json_array_foreach(json_object_get(m, "layers"), i, l) {
		const char	*mt = json_string_value(json_object_get(l,
				    "mediaType"));
		const char	*ld = json_string_value(json_object_get(l,
				    "digest"));
		struct vex_set	 probe;

		if (ld == NULL || mt == NULL)
			continue;
		if (strcmp(mt, DSSE_TYPE) != 0) {
			/* An OpenVEX document attached as is: unsigned. */
			if (strstr(mt, "vex") != NULL || strstr(
			    json_string_value(json_object_get(m,
			    "artifactType")) ?: "", "vex") != NULL)
				attest_ignore(rec, dg, "an OpenVEX document "
				    "without a signature (only signed "
				    "attestations are read)");
			continue;
		}
		if (n++ == ATTEST_MAX_LAYERS)
			break;
		size = json_integer_value(json_object_get(l, "size"));
		if (size <= 0 || size > DSSE_MAX_ENVELOPE) {
			attest_ignore(rec, dg, "an envelope larger than is "
			    "read (4 MiB)");
			continue;
		}
		/* What anyone may attach costs a bounded read. */
		if ((size_t)size > *budget) {
			attest_ignore(rec, dg, "past the 16 MiB read of one "
			    "image's attestations");
			continue;
		}
		free(env);
		env = NULL;
		if (regclient_blob_mem(rc, repo, ld, (size_t)size, &env,
		    &elen, err, errlen) == -1) {
			if (attest_unreachable(rc->status))
				goto done;
			attest_ignore(rec, dg, err);
			continue;
		}
		*budget -= elen < *budget ? elen : *budget;
		if (!dsse_open(keys, nkeys, env, elen, digest, &pred,
		    &signer, why, sizeof(why))) {
			attest_ignore(rec, dg, why);
			continue;
		}
		/* A document the spec forbids is refused whole, as a file is. */
		memset(&probe, 0, sizeof(probe));
		if (vex_load_doc(&probe, pred, dg, why, sizeof(why)) == -1)
			attest_ignore(rec, dg, why);
		else
			json_array_append_new(json_object_get(rec,
			    "documents"), json_pack("{s:s, s:s, s:O}", "ref",
			    dg, "signer", signer, "vex", pred));
		vex_clear(&probe);
		json_decref(pred);
	}
	rv = 0;
 done:
	json_decref(m);
	free(body);
	free(env);
	return rv;
}

int
attest_fetch(struct regclient *rc, const char (*keys)[POLICY_KEY_MAX],
    int nkeys, const char *repo, const char *digest, char **record,
    char *err, size_t errlen)
{
	json_t		*rec, *ix = NULL, *d;
	char		 tag[80];
	size_t		 i, n = 0, budget = ATTEST_MAX_BYTES;
	int		 rv = -1;

	*record = NULL;
	if ((rec = json_pack("{s:I, s:[], s:[]}", "checked_at",
	    (json_int_t)time(NULL), "documents", "ignored")) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((ix = referrers_list(rc, repo, digest, err, errlen)) == NULL)
		goto done;
	json_array_foreach(json_object_get(ix, "manifests"), i, d) {
		const char *dg = json_string_value(json_object_get(d,
		    "digest"));

		if (dg == NULL || !regclient_digest_ok(dg) ||
		    !attest_candidate(json_string_value(json_object_get(d,
		    "artifactType"))))
			continue;
		if (n++ == ATTEST_MAX_REFERRERS) {
			attest_ignore(rec, dg, "more referrers than are read");
			break;
		}
		if (attest_one(rc, keys, nkeys, repo, digest, dg, &budget, rec,
		    err, errlen) == -1)
			goto done;
	}
	/* Where cosign puts attestations unless told to use referrers. */
	if (cosign_tag(digest, "att", tag, sizeof(tag)) == 0 &&
	    attest_one(rc, keys, nkeys, repo, digest, tag, &budget, rec, err,
	    errlen) == -1)
		goto done;
	if ((*record = json_dumps(rec, JSON_COMPACT)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	rv = 0;
 done:
	json_decref(ix);
	json_decref(rec);
	return rv;
}

/* The record of repo@digest, parsed; NULL none. */
static json_t *
attest_record(struct store *st, const struct policy *p, const char *repo,
    const char *digest, int *error)
{
	char		 key[ATTEST_KEY_LEN], *rec = NULL;
	json_t		*j = NULL;

	*error = 0;
	if (st == NULL || p->nvex_keys == 0 || digest == NULL)
		return NULL;
	attest_record_key(repo, digest, key);
	switch (store_digest_get(st, STORE_IMAGES, key, &rec)) {
	case STORE_OK:
		if ((j = json_loads(rec, 0, NULL)) == NULL)
			*error = 1;
		break;
	case STORE_NOTFOUND:
		break;
	default:
		*error = 1;
		break;
	}
	free(rec);
	return j;
}

/* A parsed record as a report says it (see attest_vex_get). */
static json_t *
attest_report(json_t *j, const struct policy *p)
{
	json_t	*d, *out;
	size_t	 i;

	out = json_pack("{s:O, s:[], s:O}", "checked_at", json_object_get(j,
	    "checked_at"), "documents", "ignored", json_object_get(j,
	    "ignored") ?: json_null());
	json_array_foreach(json_object_get(j, "documents"), i, d)
		json_array_append_new(json_object_get(out, "documents"),
		    json_pack("{s:O, s:O, s:I, s:b}", "ref", json_object_get(d,
		    "ref"), "signer", json_object_get(d, "signer"),
		    "statements", (json_int_t)json_array_size(json_object_get(
		    json_object_get(d, "vex"), "statements")), "trusted",
		    policy_vex_key(p, json_string_value(json_object_get(d,
		    "signer")))));
	return out;
}

int
attest_vex_get(struct store *st, const struct policy *p, const char *repo,
    const char *digest, struct vex_set *set, time_t *checked,
    json_t **report)
{
	json_t		*j, *d;
	char		 src[120], why[300];
	size_t		 i;
	int		 error;

	if (report != NULL)
		*report = NULL;
	if ((j = attest_record(st, p, repo, digest, &error)) == NULL)
		return error ? -1 : 0;
	*checked = (time_t)json_integer_value(json_object_get(j,
	    "checked_at"));
	json_array_foreach(json_object_get(j, "documents"), i, d) {
		/* A key the operator has since dropped vouches for nothing. */
		if (!policy_vex_key(p, json_string_value(json_object_get(d,
		    "signer"))))
			continue;
		snprintf(src, sizeof(src), "attestation %s", json_string_value(
		    json_object_get(d, "ref")) ?: "?");
		if (vex_load_doc(set, json_object_get(d, "vex"), src, why,
		    sizeof(why)) == -1)
			log_warnx("gate: %s@%s: %s", repo, digest, why);
	}
	if (report != NULL)
		*report = attest_report(j, p);
	json_decref(j);
	return 1;
}

int
attest_verdict(struct store *st, const struct policy *p, json_t *scan,
    const char *repo, const char *digest, time_t now, struct verdict *v,
    time_t *checked)
{
	struct vex_set	 att;
	time_t		 when = 0;
	int		 have;

	memset(&att, 0, sizeof(att));
	have = attest_vex_get(st, p, repo, digest, &att, &when, NULL);
	verdict_eval_attached(scan, p, repo, digest, have == 1 ? &att : NULL,
	    now, v);
	if (have == 1 && att.n > 0)
		have = 2;
	vex_clear(&att);
	if (checked != NULL)
		*checked = have >= 1 ? when : 0;
	return have;
}

void
attest_forget(struct gate *g, const char *repo, const char *subject)
{
	struct store	*st;
	char		 key[ATTEST_KEY_LEN];

	if (g->conf->policy.nvex_keys == 0)
		return;
	attest_record_key(repo, subject, key);
	if ((st = gate_store(g)) != NULL)
		store_digest_del(st, STORE_IMAGES, key);
	gatecache_forget(g->gatecache, repo, subject);
}
