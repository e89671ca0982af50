#include "proxy/gate/decide.h"
#include "proxy/gate/breakglass.h"
#include "proxy/gate/attach.h"
#include "proxy/gate/feeds.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/imagedoc.h"
#include "proxy/gate/journal.h"
#include "proxy/gate/record.h"
#include "proxy/gate/refindex.h"
#include "proxy/gate/upload.h"
#include "proxy/gate/attest.h"
#include "proxy/gate/cosign.h"
#include "proxy/gate/gatecache.h"
#include "proxy/gate/scanjob.h"
#include "scan/layer/layer.h"
#include "scan/catalog/finding.h"
#include "scan/image/verdict.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <jansson.h>
#include <malloc.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum gate_decision
decide_unscanned(struct gate *g, const char *repo, const char *digest,
    int store_error, char *msg, size_t len)
{
	enum policy_unknown	unknown;

	if (store_error) {
		/* Cannot tell: fail closed, say why. */
		snprintf(msg, len, "the scan store is unavailable; pulls are "
		    "refused until it is back");
		return GATE_DENY;
	}
	if (g->store_failed_at != 0 && time(NULL) - g->store_failed_at <
	    GATE_FAILED_TTL) {
		/* It may have been pushed while the store refused it. */
		snprintf(msg, len, "the scan store refused to record results "
		    "moments ago (see the proxy's log); images it has not "
		    "recorded are refused until it works again");
		return GATE_DENY;
	}
	unknown = policy_rule_for(&g->conf->policy, repo)->unknown;
	/*
	 * In a fleet, "unknown here" may be "pushed through another
	 * instance": never let by as unknown, judged from the fleet's
	 * results (or scanned) first.
	 */
	if (g->results != NULL && unknown == POLICY_UNKNOWN_ALLOW)
		unknown = POLICY_UNKNOWN_SCAN;
	switch (unknown) {
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
	char		*base, *out = NULL, *full = NULL;
	json_t		*whole = NULL;

	if (r->nbases == 0 || doc == NULL || st == NULL || digest == NULL ||
	    json_object_get(doc, "base_by_layers") != NULL ||
	    policy_base_allowed(r, json_string_value(json_object_get(doc,
	    "base"))))
		return;
	if ((base = record_find_base(g, doc, digest, r)) == NULL)
		return;
	json_object_set_new(doc, "base_by_layers", json_string(base));
	/* A verdict copy lacks the packages: the whole document gets it. */
	if (json_object_get(doc, "verdict_copy_of") != NULL) {
		if (store_digest_get(st, STORE_IMAGES, digest, &full) !=
		    STORE_OK || (whole = json_loads(full, 0, NULL)) == NULL)
			goto done;
		json_object_set_new(whole, "base_by_layers", json_string(base));
		doc = whole;
	}
	if ((out = json_dumps(doc, JSON_COMPACT |
	    JSON_REAL_PRECISION(10))) != NULL)
		imagedoc_put(st, digest, out, doc);
 done:
	json_decref(whole);
	free(full);
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

/*
 * Pushed through the proxy, but a layer has no result and no scan is
 * running for it (or the store refused to record it): not unknown, and
 * never let by as such. Read-backs were just started where they could
 * be: then it waits for them.
 */
static enum gate_decision
decide_incomplete(struct gate *g, const char *repo, const char *digest,
    int backfill, const char *authorization, char *msg, size_t len)
{
	const struct policy_rule *r = policy_rule_for(&g->conf->policy, repo);
	char		 first[80] = "";
	const char	*why;
	int		 n;

	n = record_missing(g, digest, repo, backfill, authorization, first,
	    sizeof(first));
	why = gate_failed_recently(g, n > 0 ? first : digest);
	if (n == 0 && why == NULL)
		return GATE_ALLOW;	/* not such an image */
	if (record_in_flight(g, digest)) {
		snprintf(msg, len, "%s@%s is still being scanned", repo,
		    digest);
		return GATE_WAIT;
	}
	if (!r->block_incomplete)
		return decide_unscanned(g, repo, digest, 0, msg, len);
	if (r->unknown == POLICY_UNKNOWN_SCAN) {
		snprintf(msg, len, "%s@%s is not fully scanned yet; the proxy "
		    "scans it now", repo, digest);
		return GATE_SCAN;
	}
	snprintf(msg, len, "%s@%s blocked by policy: unscanned content in "
	    "%s%s (%s); push it again, or let the proxy scan it "
	    "(unknown_images: scan)", repo, digest, n > 0 ? "blob " :
	    "the image", n > 0 ? first : "", why ? why : "never scanned: "
	    "mounted from elsewhere, pushed behind the proxy, or lost to a "
	    "restart");
	return GATE_DENY;
}

enum gate_decision
decide_unrecorded(struct gate *g, const char *repo, const char *digest,
    int store_error, char *msg, size_t len)
{
	enum gate_decision	d;

	if (!store_error && (d = decide_incomplete(g, repo, digest, 0, NULL,
	    msg, len)) != GATE_ALLOW)
		return d;
	return decide_unscanned(g, repo, digest, store_error, msg, len);
}

/*
 * The policy bounds how old the advisory data may be: a feed not
 * current for longer is stale. GATE_DENY under stale_data: block (the
 * message names the feed), else counted, logged at most once a minute,
 * and GATE_ALLOW: the verdict is made as usual.
 */
static enum gate_decision
decide_stale(struct gate *g, const char *repo, const char *digest,
    time_t now, char *msg, size_t len)
{
	const struct policy_rule *r = policy_rule_for(&g->conf->policy, repo);
	char		 feed[80];
	long long	 age;

	if (r->max_data_age == 0 || !feeds_stale(g->feeds, r->max_data_age,
	    now, feed, sizeof(feed), &age))
		return GATE_ALLOW;
	g->stats.stale_data++;
	if (r->stale_block) {
		snprintf(msg, len, "%s@%s blocked: the advisory data is stale "
		    "(feed %s %s; policy max_data_age %llus), so no verdict "
		    "can be trusted; the operator must fix the feed", repo,
		    digest ? digest : "?", feed, age < 0 ? "has never been "
		    "current" : "was last current", r->max_data_age);
		if (age >= 0)
			snprintf(msg + strlen(msg), len - strlen(msg),
			    " (%llds ago)", age);
		return GATE_DENY;
	}
	if (now - g->stale_logged >= 60) {
		g->stale_logged = now;
		log_warnx("advisory feed %s is stale (%lld s; policy "
		    "max_data_age %llu s): pulls are judged on old data",
		    feed, age, r->max_data_age);
	}
	return GATE_ALLOW;
}

/*
 * The policy's verdict, weighing the image's recorded signed VEX
 * attestations when the policy reads any (verdict_eval's return).
 * *recheck (if asked): the record is missing or old and matters (it
 * denies for vulnerabilities, or attested statements weigh in), so the
 * attestations are to be looked for first.
 */
static int
decide_verdict(struct gate *g, struct store *st, json_t *scan,
    const char *repo, const char *digest, time_t now, struct verdict *v,
    int *recheck, time_t *until)
{
	const struct policy	*p = &g->conf->policy;
	time_t			 checked = 0;
	int			 have, matters;

	have = attest_verdict(st, p, scan, repo, digest, now, v, &checked);
	/*
	 * Looked at again when it would refuse for vulnerabilities (new
	 * attestations may clear them), and when attested statements are
	 * in the record at all (they may have been withdrawn).
	 */
	matters = json_is_object(scan) && digest != NULL && p->nvex_keys > 0 &&
	    ((v->deny && v->blocking_vulns > 0) || have == 2);
	if (recheck != NULL)
		*recheck = matters && (have < 1 || now - checked >=
		    (time_t)p->vex_recheck || now < checked);
	/* A decision resting on the look holds no longer than it does. */
	if (until != NULL)
		*until = matters && have >= 1 ? checked +
		    (time_t)p->vex_recheck : now + GATECACHE_TTL;
	return have == -1 ? -1 : 0;
}

/* A document this large is a huge image's (hundreds of thousands of packages). */
#define DECIDE_LARGE_DOC	(1u << 20)

static enum gate_decision
decide_manifest_policy(struct gate *g, const char *repo, const char *digest,
    const char *authorization, char *msg, size_t len, struct verdict *why)
{
	struct verdict		 v;
	struct store		*st = gate_store(g);
	char			*rec, ver[64] = "", pushed[256];
	json_t			*scan;
	time_t			 now = time(NULL), until = 0;
	int			 error, deny, large, recheck = 0;

	if (why != NULL)
		memset(why, 0, sizeof(*why));
	/* Stale data first: a cached verdict is no fresher. */
	if (decide_stale(g, repo, digest, now, msg, len) == GATE_DENY)
		return GATE_DENY;
	/* A judged image, same data as then: no document to parse. */
	if (st != NULL && digest != NULL)
		store_meta_get(st, "data_version", ver, sizeof(ver));
	if (digest != NULL && gatecache_get(g->gatecache, repo, digest, ver,
	    now, &deny, msg, len)) {
		g->stats.cached++;
		return deny ? GATE_DENY : GATE_ALLOW;
	}
	rec = record_verdict_doc(g, digest, &error);
	if (rec == NULL && journal_unrecorded(g->journal, digest, pushed,
	    sizeof(pushed))) {
		/* With an account to pull it, the proxy scans it whole now. */
		if (policy_rule_for(&g->conf->policy, repo)->unknown ==
		    POLICY_UNKNOWN_SCAN) {
			snprintf(msg, len, "%s@%s was pushed when the proxy "
			    "could not record it; the proxy scans it now", repo,
			    digest);
			return GATE_SCAN;
		}
		g->stats.denied_unrecorded++;
		snprintf(msg, len, "%s@%s blocked: it was pushed through the "
		    "scanning proxy (to %s) when it could not record the push "
		    "(a crash, or its store refused the write), so it was "
		    "never judged; push it again (or let the proxy scan it: "
		    "unknown_images: scan)", repo, digest, pushed);
		return GATE_DENY;
	}
	if (rec == NULL && !error && record_in_flight(g, digest)) {
		/* Not unknown: its scan trails the push. Never let it by. */
		snprintf(msg, len, "%s@%s is still being scanned", repo, digest);
		return GATE_WAIT;
	}
	if (rec == NULL && !error) {
		enum gate_decision d = decide_incomplete(g, repo, digest, 1,
		    authorization, msg, len);

		if (d != GATE_ALLOW)
			return d;
	}
	if (rec == NULL) {
		if (!error)
			g->stats.unknown++;
		return decide_unscanned(g, repo, digest, error, msg, len);
	}
	large = strlen(rec) > DECIDE_LARGE_DOC;
	scan = json_loads(rec, 0, NULL);
	decide_rescan_stale(g, scan, repo, digest);
	decide_base_by_layers(g, st, scan, repo, digest);
	decide_verdict(g, st, scan, repo, digest, now, &v, &recheck, &until);
	/* A fleet attaches what it found to the image (off this path). */
	if (scan != NULL && !recheck &&
	    !json_is_true(json_object_get(scan, "pending")))
		attach_judged(g, repo, digest, json_object_get(scan,
		    "verdict_copy_of") != NULL ? NULL : rec, v.deny, v.message);
	json_decref(scan);
	free(rec);
	if (why != NULL)
		*why = v;
	/* A huge image's document is freed whole: give it back now. */
	if (large)
		malloc_trim(0);
	if (!v.deny)
		/* "" or the exceptions that let it by, for the audit trail. */
		snprintf(msg, len, "%s", v.message);
	else
		snprintf(msg, len, "%s@%s %s (full report: GET "
		    "/portcullis/v1/status/%s/%s)", repo, digest, v.message,
		    repo, digest);
	if (recheck)
		return GATE_VEX;	/* not cached: decided after the look */
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
			gatecache_put_until(g->gatecache, repo, digest, ver,
			    now, until, v.deny, msg);
			break;
		default:
			break;	/* cannot tell which data: do not cache */
		}
	}
	return v.deny ? GATE_DENY : GATE_ALLOW;
}


/* A blob's own findings that block under rule: the first into msg. */
static int
decide_blob_own(json_t *layer, const struct policy_rule *r, char *msg,
    size_t len)
{
	json_t	*f;
	size_t	 i;

	json_array_foreach(json_object_get(layer, "findings"), i, f) {
		json_int_t	 kind = json_integer_value(json_array_get(f, 0));
		const char	*rule = json_string_value(json_array_get(f, 1));
		const char	*path = json_string_value(json_array_get(f, 2));

		if ((kind == FINDING_SECRET && r->block_secrets) ||
		    ((kind == FINDING_LIMIT || kind == FINDING_ERROR) &&
		    r->block_incomplete)) {
			snprintf(msg, len, "it carries %s: %s in %.200s",
			    kind == FINDING_SECRET ? "a secret" :
			    "unscanned content", rule ? rule : "?",
			    path && *path ? path : "the layer");
			return 1;
		}
	}
	return 0;
}

#define DECIDE_BLOB_REFS	64

/* The images a blob belongs to, walked once for a decision. */
struct decide_refs {
	char	*d[DECIDE_BLOB_REFS];
	size_t	 n;
	int	 walked;
	int	 failed;	/* the store could not tell them all */
};

static int
decide_blob_ref(const char *manifest, void *arg)
{
	struct decide_refs	*r = arg;

	if (r->n == DECIDE_BLOB_REFS)
		return -1;	/* enough to decide by */
	if ((r->d[r->n] = strdup(manifest)) != NULL)
		r->n++;
	return 0;
}

/* Walk the blob's images into r, unless done already. 0 or -1. */
static int
decide_blob_refs(struct store *st, const char *digest, struct decide_refs *r)
{
	if (!r->walked) {
		r->walked = 1;
		r->failed = refindex_each(st, digest, decide_blob_ref, r) ==
		    -1 && r->n < DECIDE_BLOB_REFS;
	}
	return r->failed ? -1 : 0;
}

static void
decide_refs_free(struct decide_refs *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		free(r->d[i]);
	r->n = 0;
}

/* refs: the blob's images, as far as they were walked (the caller's). */
static enum gate_decision
decide_blob_policy(struct gate *g, const char *repo, const char *digest,
    char *msg, size_t len, struct decide_refs *refs)
{
	const struct policy_rule *rule = policy_rule_for(&g->conf->policy, repo);
	struct store		*st = gate_store(g);
	struct verdict		 v;
	char			*rec = NULL, ver[64] = "", why[400] = "";
	json_t			*j;
	time_t			 now = time(NULL);
	size_t			 i;
	int			 deny = 0, allowed = 0, denied = 0, error;
	enum store_status	 s;

	if (st == NULL) {
		snprintf(msg, len, "the scan store is unavailable; blobs are "
		    "refused until it is back");
		return GATE_DENY;
	}
	if (store_meta_get(st, "data_version", ver, sizeof(ver)) != STORE_OK)
		ver[0] = '\0';
	if (gatecache_get(g->gatecache, repo, digest, ver, now, &deny, msg,
	    len)) {
		g->stats.cached++;
		return deny ? GATE_DENY : GATE_ALLOW;
	}
	/* What the blob itself holds, if it is a layer the proxy scanned. */
	if ((s = store_digest_get(st, STORE_LAYERS, digest, &rec)) ==
	    STORE_OK && (j = json_loads(rec, 0, NULL)) != NULL) {
		deny = decide_blob_own(j, rule, why, sizeof(why));
		json_decref(j);
	}
	free(rec);
	/* Else: the images it belongs to, as a pull of them is decided. */
	if (s == STORE_ERROR || (!deny && decide_blob_refs(st, digest,
	    refs) == -1)) {
		snprintf(msg, len, "the scan store cannot be read; blobs are "
		    "refused until it can");
		deny = -1;
	}
	for (i = 0; deny == 0 && i < refs->n && !allowed; i++) {
		if ((rec = record_verdict_doc(g, refs->d[i], &error)) == NULL)
			continue;	/* not judged yet: says nothing */
		if ((j = json_loads(rec, 0, NULL)) != NULL &&
		    decide_verdict(g, st, j, repo, refs->d[i], now, &v,
		    NULL, NULL) == 0) {
			if (!v.deny)
				allowed = 1;
			else if (denied++ == 0)
				snprintf(why, sizeof(why), "every image using it "
				    "is refused, e.g. %.80s: %.250s", refs->d[i],
				    v.message);
		}
		json_decref(j);
		free(rec);
	}
	if (deny == -1)
		return GATE_DENY;
	if (deny || (!allowed && denied > 0)) {
		snprintf(msg, len, "%s@%s: %s", repo, digest, why);
		g->stats.blobs_denied++;
		gatecache_put(g->gatecache, repo, digest, ver, now, 1, msg);
		return GATE_DENY;
	}
	if (allowed) {
		gatecache_put(g->gatecache, repo, digest, ver, now, 0, "");
		return GATE_ALLOW;
	}
	/* No recorded image uses it: as an image never scanned. */
	switch (rule->unknown) {
	case POLICY_UNKNOWN_BLOCK:
	case POLICY_UNKNOWN_SCAN:
		snprintf(msg, len, "%s@%s belongs to no image the proxy has "
		    "judged; pull the image's manifest first", repo, digest);
		g->stats.blobs_denied++;
		return GATE_DENY;
	case POLICY_UNKNOWN_ALLOW:
		break;
	}
	msg[0] = '\0';
	return GATE_ALLOW;
}

enum gate_decision
decide_manifest(struct gate *g, const char *repo, const char *digest,
    const char *authorization, char *msg, size_t len, struct verdict *why)
{
	enum gate_decision	 d;
	char			 grant[400], was[800];

	d = decide_manifest_policy(g, repo, digest, authorization, msg, len,
	    why);
	if (d == GATE_ALLOW && strncmp(msg, VERDICT_EXCEPTED,
	    strlen(VERDICT_EXCEPTED)) == 0)
		g->stats.excepted++;
	if (d != GATE_DENY || digest == NULL)
		return d;
	/* Refused: an operator's break-glass grant may still let it by. */
	switch (breakglass_check(gate_store(g), repo, digest, time(NULL),
	    grant, sizeof(grant))) {
	case 1:
		break;
	case -1:
		log_warnx("gate: %s@%s: %s; refused", repo, digest, grant);
		/* FALLTHROUGH */
	default:
		return d;
	}
	g->stats.breakglass++;
	snprintf(was, sizeof(was), "%s", msg);
	snprintf(msg, len, "%s@%s " BREAKGLASS_ALLOWED " %s (the policy "
	    "refused it: %s)", repo, digest, grant, was);
	log_warnx("gate: %s", msg);
	return GATE_ALLOW;
}

/*
 * A refused blob is let by when an image using it holds a break-glass
 * grant in this repository: the grant's image must be pullable whole.
 */
enum gate_decision
decide_blob(struct gate *g, const char *repo, const char *digest, char *msg,
    size_t len)
{
	struct store		*st = gate_store(g);
	struct decide_refs	 refs;
	enum gate_decision	 d;
	char			 grant[400] = "";
	size_t			 i;

	memset(&refs, 0, sizeof(refs));
	d = decide_blob_policy(g, repo, digest, msg, len, &refs);
	/* Cannot tell which images use it: the refusal stands. */
	if (d != GATE_DENY || st == NULL ||
	    decide_blob_refs(st, digest, &refs) == -1)
		goto done;
	for (i = 0; i < refs.n; i++)
		if (breakglass_check(st, repo, refs.d[i], time(NULL), grant,
		    sizeof(grant)) == 1) {
			g->stats.breakglass++;
			snprintf(msg, len, "%s@%s of %.80s " BREAKGLASS_ALLOWED
			    " %s", repo, digest, refs.d[i], grant);
			d = GATE_ALLOW;
			break;
		}
 done:
	decide_refs_free(&refs);
	return d;
}
