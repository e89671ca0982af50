#include "proxy/gate/decide.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/record.h"
#include "proxy/gate/cosign.h"
#include "proxy/gate/gatecache.h"
#include "proxy/gate/scanjob.h"
#include "scan/layer/layer.h"
#include "scan/image/verdict.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum gate_decision
decide_unscanned(struct gate *g, const char *repo, const char *digest,
    int store_error, char *msg, size_t len)
{
	if (store_error) {
		/* Cannot tell: fail closed, say why. */
		snprintf(msg, len, "the scan store is unavailable; pulls are "
		    "refused until it is back");
		return GATE_DENY;
	}
	switch (policy_rule_for(&g->conf->policy, repo)->unknown) {
	case POLICY_UNKNOWN_BLOCK:
		snprintf(msg, len, "%s@%s has not been scanned, and the "
		    "policy for %s blocks unscanned images", repo,
		    digest ? digest : "?", repo);
		return GATE_DENY;
	case POLICY_UNKNOWN_SCAN:
		snprintf(msg, len, "%s@%s has not been scanned yet; the "
		    "policy for %s scans it before the first pull", repo,
		    digest ? digest : "?", repo);
		/* Without a digest there is nothing to fetch: fail closed. */
		return digest != NULL ? GATE_SCAN : GATE_DENY;
	case POLICY_UNKNOWN_ALLOW:
		break;
	}
	return GATE_ALLOW;
}

/* A negative signature check is trusted this long (it may be signed later). */
#define DECIDE_UNSIGNED_TTL	60

/*
 * require_signature: what the last check of digest's cosign signature
 * found. GATE_SIGN when there is none (or an old negative one).
 */
static enum gate_decision
decide_signature(struct gate *g, struct store *st, const char *repo,
    const char *digest, time_t now, char *msg, size_t len)
{
	char			 key[COSIGN_KEY_LEN], *rec = NULL;
	json_t			*j;
	enum gate_decision	 d = GATE_SIGN;

	cosign_record_key(repo, digest, key);
	if (st == NULL || store_digest_get(st, STORE_IMAGES, key, &rec) !=
	    STORE_OK)
		return GATE_SIGN;
	j = json_loads(rec, 0, NULL);
	free(rec);
	if (json_is_true(json_object_get(j, "signed")))
		d = GATE_ALLOW;
	else if (now - (time_t)json_integer_value(json_object_get(j,
	    "checked_at")) < DECIDE_UNSIGNED_TTL) {
		snprintf(msg, len, "%s@%s is not signed as the policy for %s "
		    "requires: %s", repo, digest, repo, json_string_value(
		    json_object_get(j, "reason")) ?: "no valid signature");
		d = GATE_DENY;
	}
	json_decref(j);
	return d;
}

/*
 * allowed_bases and an image that names no allowed base: perhaps its
 * layers tell. Found once, the base is kept in its document.
 */
static void
decide_base_by_layers(struct gate *g, struct store *st, json_t *doc,
    const char *repo, const char *digest)
{
	const struct policy_rule *r = policy_rule_for(&g->conf->policy, repo);
	char		*base, *out;

	if (r->nbases == 0 || doc == NULL || st == NULL || digest == NULL ||
	    json_object_get(doc, "base_by_layers") != NULL ||
	    policy_base_allowed(r, json_string_value(json_object_get(doc,
	    "base"))))
		return;
	if ((base = record_find_base(g, doc, digest, r)) == NULL)
		return;
	json_object_set_new(doc, "base_by_layers", json_string(base));
	if ((out = json_dumps(doc, JSON_COMPACT)) != NULL)
		store_digest_put(st, STORE_IMAGES, digest, out);
	free(out);
	free(base);
}

/*
 * An image judged from layer results an older scanner made may hide
 * what this one finds. Under `unknown_images: scan` the proxy has an
 * account to pull it with: rescan it in the background, while pulls go
 * on being decided from the results at hand (never worse than before
 * the upgrade). The next judgement after the rescan uses the new ones.
 */
static void
decide_rescan_stale(struct gate *g, json_t *doc, const char *repo,
    const char *digest)
{
	json_int_t	 v = json_integer_value(json_object_get(doc, "scanner"));
	char		 err[200];

	/* Image documents only: an index is judged through its children. */
	if (digest == NULL || v >= LAYER_SCANNER_VERSION ||
	    json_object_get(doc, "layer_digests") == NULL ||
	    policy_rule_for(&g->conf->policy, repo)->unknown !=
	    POLICY_UNKNOWN_SCAN)
		return;
	if (scanjob_wait(g, SCANJOB_IMAGE, repo, digest, NULL, NULL, err,
	    sizeof(err)) == -1)
		log_info("gate: %s@%s was scanned by scanner version %lld; "
		    "no rescan yet: %s", repo, digest, (long long)v, err);
	else
		log_info("gate: %s@%s was scanned by scanner version %lld, "
		    "this is %d: rescanning it", repo, digest, (long long)v,
		    LAYER_SCANNER_VERSION);
}

enum gate_decision
decide_manifest(struct gate *g, const char *repo, const char *digest,
    char *msg, size_t len)
{
	struct verdict		 v;
	struct store		*st = gate_store(g);
	char			*rec, ver[64] = "";
	json_t			*scan;
	time_t			 now = time(NULL);
	int			 error, deny;

	/* A judged image, same data as then: no document to parse. */
	if (st != NULL && digest != NULL)
		store_meta_get(st, "data_version", ver, sizeof(ver));
	if (digest != NULL && gatecache_get(g->gatecache, repo, digest, ver,
	    now, &deny, msg, len)) {
		g->stats.cached++;
		return deny ? GATE_DENY : GATE_ALLOW;
	}
	rec = record_scan_doc(g, digest, &error);
	if (rec == NULL && !error && record_in_flight(g, digest)) {
		/* Not unknown: its scan trails the push. Never let it by. */
		snprintf(msg, len, "%s@%s is still being scanned", repo, digest);
		return GATE_WAIT;
	}
	if (rec == NULL) {
		if (!error)
			g->stats.unknown++;
		return decide_unscanned(g, repo, digest, error, msg, len);
	}
	scan = json_loads(rec, 0, NULL);
	free(rec);
	decide_rescan_stale(g, scan, repo, digest);
	decide_base_by_layers(g, st, scan, repo, digest);
	verdict_eval(scan, &g->conf->policy, repo, now, &v);
	json_decref(scan);
	if (!v.deny)
		msg[0] = '\0';
	else
		snprintf(msg, len, "%s@%s %s (full report: GET "
		    "/portcullis/v1/status/%s/%s)", repo, digest, v.message,
		    repo, digest);
	/* Clean, and the policy wants it signed too. */
	if (!v.deny && digest != NULL &&
	    policy_rule_for(&g->conf->policy, repo)->require_signature) {
		enum gate_decision d = decide_signature(g, st, repo, digest,
		    now, msg, len);

		if (d == GATE_SIGN)
			return d;	/* not cached: decided after the check */
		v.deny = d == GATE_DENY;
	}
	/*
	 * Keyed by the version read after the re-match above, which may
	 * have found newer data. No advisory data at all is a version too
	 * (""): such a proxy still judges secrets and misconfigurations.
	 */
	if (st != NULL) {
		switch (store_meta_get(st, "data_version", ver, sizeof(ver))) {
		case STORE_NOTFOUND:
			ver[0] = '\0';
			/* FALLTHROUGH */
		case STORE_OK:
			gatecache_put(g->gatecache, repo, digest, ver, now,
			    v.deny, msg);
			break;
		default:
			break;	/* cannot tell which data: do not cache */
		}
	}
	return v.deny ? GATE_DENY : GATE_ALLOW;
}

