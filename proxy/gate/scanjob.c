#include "proxy/gate/scanjob.h"
#include "proxy/fleet/results.h"
#include "proxy/gate/attest.h"
#include "proxy/gate/cosign.h"
#include "proxy/gate/gatecache.h"
#include "proxy/registry/regclient.h"
#include "proxy/gate/record.h"
#include "proxy/gate/baseindex.h"
#include "proxy/gate/refindex.h"
#include "proxy/registry/regpull.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/journal.h"
#include "proxy/sys/tmpdir.h"
#include "scan/layer/layer.h"
#include "scan/image/layerjson.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <errno.h>
#include <event2/event.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

struct scanjob_put {
	enum store_digest_db	 db;
	char			*key, *val;
	int			 publish;	/* a layer scanned here */
};

struct scanjob_waiter {
	scanjob_cb	 cb;
	void		*arg;
};

struct scanjob {
	TAILQ_ENTRY(scanjob)	 entry;
	struct gate		*g;
	enum scanjob_kind	 kind;
	char			 repo[256], digest[80];
	/* The policy's, copied: a reload may replace it meanwhile. */
	char			 sigkey[POLICY_KEY_MAX];
	char			(*vexkeys)[POLICY_KEY_MAX];
	int			 nvexkeys;
	pthread_t		 thr;
	struct event		*wake;
	int			 cancel;	/* shutting down (atomic) */
	/* Filled by the thread, read by the loop after the wake-up. */
	int			 rv;
	char			 err[512];
	struct scanjob_put	*puts;
	size_t			 nputs;
	size_t			 nlayers, nfromfleet;
	struct regclient	*frc;	/* for the fleet's results; NULL */
	char			**claims;	/* layers claimed to the fleet */
	size_t			 nclaims;
	time_t			 fleet_until;	/* waiting for them ends */
	/* Loop only. */
	struct scanjob_waiter	*w;
	size_t			 nw;
};

static int
scanjob_put(struct scanjob *j, enum store_digest_db db, const char *key,
    char *val)
{
	struct scanjob_put *np;

	if (val == NULL || (np = reallocarray(j->puts, j->nputs + 1,
	    sizeof(*np))) == NULL) {
		free(val);
		return -1;
	}
	j->puts = np;
	memset(&np[j->nputs], 0, sizeof(np[j->nputs]));
	np[j->nputs].db = db;
	np[j->nputs].val = val;
	if ((np[j->nputs].key = strdup(key)) == NULL) {
		free(val);
		return -1;
	}
	j->nputs++;
	return 0;
}

/* Is layer dg's result among what this job records already? */
static int
scanjob_has_layer(struct scanjob *j, const char *dg)
{
	size_t	i;

	for (i = 0; i < j->nputs; i++)
		if (j->puts[i].db == STORE_LAYERS &&
		    strcmp(j->puts[i].key, dg) == 0)
			return 1;
	return 0;
}

/* Remember a claim, to let it go if no result comes of it. */
static void
scanjob_claimed(struct scanjob *j, const char *dg)
{
	char	**nc;

	if ((nc = reallocarray(j->claims, j->nclaims + 1,
	    sizeof(*nc))) == NULL)
		return;		/* then it goes stale by itself */
	j->claims = nc;
	if ((j->claims[j->nclaims] = strdup(dg)) != NULL)
		j->nclaims++;
}

/*
 * regpull's question: is this layer's result to be had without it? The
 * fleet's result, when there is one, is recorded as is.
 */
static int
scanjob_have(void *arg, const char *dg)
{
	struct scanjob	*j = arg;
	char		*doc;

	if (scanjob_has_layer(j, dg))
		return 1;
	/* Another instance scanning it: its result, rather than a scan. */
	if (results_fetch_wait(j->g->results, j->frc, dg, j->fleet_until,
	    &j->cancel, &doc) != 1) {
		/* Scanned here: the others may wait for this one's. */
		results_claim(j->g->results, dg);
		scanjob_claimed(j, dg);
		return 0;
	}
	if (scanjob_put(j, STORE_LAYERS, dg, doc) == -1)
		return 0;
	j->nfromfleet++;
	return 1;
}

/* Scan one image manifest's layers and keep its config. 0 or -1. */
static int
scanjob_image(struct scanjob *j, const char *dir, json_t *man)
{
	struct layer_limits	 lim;
	struct layer_result	 r;
	json_t			*l;
	const char		*dg;
	char			 path[4096], *cfg, *doc;
	size_t			 i, len, max;
	FILE			*f;
	int			 rv;

	layer_limits_conf(&lim, j->g->conf);
	json_array_foreach(json_object_get(man, "layers"), i, l) {
		if (__atomic_load_n(&j->cancel, __ATOMIC_ACQUIRE)) {
			snprintf(j->err, sizeof(j->err), "cancelled");
			return -1;
		}
		dg = json_string_value(json_object_get(l, "digest"));
		/* The fleet's result, or one platform's layer in another. */
		if (scanjob_has_layer(j, dg))
			continue;
		snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, dg + 7);
		memset(&r, 0, sizeof(r));
		rv = layer_scan_file(&r, &lim, path);
		/*
		 * The blob was read whole (its digest is the manifest's):
		 * what the scan could not read is a finding in the result,
		 * which the policy then judges as unscanned content.
		 */
		if (strcmp(r.digest, dg) == 0) {
			rv = scanjob_put(j, STORE_LAYERS, dg, layerjson_dump(&r));
			if (rv == 0)
				j->puts[j->nputs - 1].publish = 1;
		} else {
			snprintf(j->err, sizeof(j->err), "layer %.19s: %s", dg,
			    r.findings.n ? r.findings.v[r.findings.n - 1].detail :
			    "unreadable");
			rv = -1;
		}
		layer_result_free(&r);
		if (rv == -1)
			return -1;
		j->nlayers++;
	}
	/* The config, kept as a push through the proxy would keep it. */
	dg = json_string_value(json_object_get(json_object_get(man, "config"),
	    "digest"));
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, dg + 7);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	max = j->g->conf->limits.max_manifest_bytes;
	cfg = malloc(max + 1);
	len = cfg ? fread(cfg, 1, max + 1, f) : 0;
	fclose(f);
	if (len > max) {
		/* Larger than any real config: skip its checks, as a push would. */
		free(cfg);
		return 0;
	}
	doc = cfg ? layerjson_config_dump(cfg, len) : NULL;
	free(cfg);
	return scanjob_put(j, STORE_LAYERS, dg, doc);
}

/* refindex_keys' callback: queue the key for the loop to write. */
static int
scanjob_put_ref(const char *key, void *arg)
{
	return scanjob_put(arg, STORE_IMAGES, key, strdup("1"));
}

/* Record a manifest (image or index) as pending, like a push. 0 or -1. */
static int
scanjob_manifest(struct scanjob *j, const char *dir, const char *digest,
    int depth)
{
	json_t	*m, *d;
	char	 path[4096], key[BASEINDEX_KEY_LEN];
	size_t	 i;
	int	 rv = -1;

	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, digest + 7);
	if ((m = json_load_file(path, 0, NULL)) == NULL)
		return -1;
	if (json_is_array(json_object_get(m, "manifests"))) {
		if (depth > 2)
			goto done;
		json_array_foreach(json_object_get(m, "manifests"), i, d)
			if (scanjob_manifest(j, dir, json_string_value(
			    json_object_get(d, "digest")), depth + 1) == -1)
				goto done;
	} else if (!record_is_artifact(m) && scanjob_image(j, dir, m) == -1)
		goto done;
	rv = scanjob_put(j, STORE_IMAGES, digest, record_pending_doc(j->repo,
	    m));
	/* Filed under its first layer too, as a push through the proxy is. */
	if (rv == 0 && baseindex_key(baseindex_first_layer(m), digest,
	    key, sizeof(key)) == 0)
		rv = scanjob_put(j, STORE_IMAGES, key, strdup("1"));
	/* And under each blob it uses. */
	if (rv == 0)
		rv = refindex_keys(m, digest, scanjob_put_ref, j);
 done:
	json_decref(m);
	return rv;
}

/*
 * The image's cosign signature: fetched, checked against the policy's
 * key, and the outcome recorded under "sig:<repo>@<digest>" (a missing or bad
 * signature too, so the gate can say why). 0, or -1 if it could not be
 * found out (the registry failed).
 */
static int
scanjob_signature(struct scanjob *j, struct regclient *rc, const char *dir)
{
	const char	*key = j->sigkey;
	char		 tag[80], sigdg[72], path[4300], why[300] = "";
	char		*body = NULL, *payload = NULL, rkey[COSIGN_KEY_LEN];
	size_t		 len, i, plen;
	json_t		*m = NULL, *l, *rec;
	FILE		*f;
	int		 signed_ok = 0, rv = -1;

	if (cosign_tag(j->digest, "sig", tag, sizeof(tag)) == -1)
		return -1;
	if (regclient_manifest(rc, j->repo, tag, REGPULL_MAX_MANIFEST, &body,
	    &len, sigdg, j->err, sizeof(j->err)) == -1) {
		if (rc->status != 404)
			return -1;
		snprintf(why, sizeof(why), "no cosign signature (%s)", tag);
		goto record;
	}
	if ((m = json_loadb(body, len, 0, NULL)) == NULL) {
		snprintf(why, sizeof(why), "%s is not JSON", tag);
		goto record;
	}
	snprintf(why, sizeof(why), "%s holds no signature", tag);
	json_array_foreach(json_object_get(m, "layers"), i, l) {
		const char *sig = json_string_value(json_object_get(
		    json_object_get(l, "annotations"), COSIGN_SIG_ANNOTATION));
		const char *dg = json_string_value(json_object_get(l, "digest"));

		if (sig == NULL || dg == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/payload", dir);
		if (regclient_blob(rc, j->repo, dg, path, COSIGN_MAX_PAYLOAD,
		    j->err, sizeof(j->err)) == -1)
			goto done;
		if ((f = fopen(path, "r")) == NULL ||
		    (payload = malloc(COSIGN_MAX_PAYLOAD)) == NULL) {
			if (f != NULL)
				fclose(f);
			goto done;
		}
		plen = fread(payload, 1, COSIGN_MAX_PAYLOAD, f);
		fclose(f);
		remove(path);
		signed_ok = cosign_verify(key, payload, plen, sig, j->digest,
		    why, sizeof(why));
		free(payload);
		payload = NULL;
		if (signed_ok == -1) {
			snprintf(j->err, sizeof(j->err), "%s", why);
			goto done;
		}
		if (signed_ok)
			break;
	}
 record:
	cosign_record_key(j->repo, j->digest, rkey);
	rec = json_pack("{s:b, s:I, s:s}", "signed", signed_ok, "checked_at",
	    (json_int_t)time(NULL), "reason", signed_ok ? "" : why);
	rv = scanjob_put(j, STORE_IMAGES, rkey, rec ? json_dumps(rec,
	    JSON_COMPACT) : NULL);
	json_decref(rec);
 done:
	free(payload);
	free(body);
	json_decref(m);
	return rv;
}

/* The image's signed VEX attestations: looked for, checked, recorded. */
static int
scanjob_vex(struct scanjob *j, struct regclient *rc)
{
	char	key[ATTEST_KEY_LEN], *rec = NULL;

	if (attest_fetch(rc, (const char (*)[POLICY_KEY_MAX])j->vexkeys,
	    j->nvexkeys, j->repo, j->digest, &rec, j->err,
	    sizeof(j->err)) == -1)
		return -1;
	attest_record_key(j->repo, j->digest, key);
	return scanjob_put(j, STORE_IMAGES, key, rec);
}

static void *
scanjob_thread(void *arg)
{
	struct scanjob	*j = arg;
	struct conf	*c = j->g->conf;
	struct regclient rc, frc;
	struct regpull_have have = { scanjob_have, j };
	char		 dir[4200];
	int		 made = 0;

	j->rv = -1;
	memset(&rc, 0, sizeof(rc));
	memset(&frc, 0, sizeof(frc));
	snprintf(dir, sizeof(dir), "%s/scan.XXXXXX", c->state_dir);
	if (mkdtemp(dir) == NULL) {
		snprintf(j->err, sizeof(j->err), "%.300s: %s", dir, strerror(errno));
		goto done;
	}
	made = 1;
	if (regclient_upstream(&rc, c, 1, j->err, sizeof(j->err)) == -1)
		goto done;
	rc.cancel = &j->cancel;
	/* The fleet's results are read with a client of their own scope. */
	if (j->g->results != NULL && j->kind == SCANJOB_IMAGE &&
	    regclient_upstream(&frc, c, 1, j->err, sizeof(j->err)) == 0) {
		frc.cancel = &j->cancel;
		j->frc = &frc;
	}
	if (j->kind == SCANJOB_VEX ? scanjob_vex(j, &rc) == -1 :
	    j->kind == SCANJOB_SIGNATURE ?
	    scanjob_signature(j, &rc, dir) == -1 :
	    (regpull_layout(&rc, j->repo, j->digest, dir, 1,
	    j->frc != NULL ? &have : NULL, j->err, sizeof(j->err)) == -1 ||
	    scanjob_manifest(j, dir, j->digest, 0) == -1)) {
		if (j->err[0] == '\0')
			snprintf(j->err, sizeof(j->err), "out of memory");
		goto done;
	}
	j->rv = 0;
 done:
	regclient_free(&rc);
	regclient_free(&frc);
	j->frc = NULL;
	if (made)
		tmpdir_remove(dir);
	/* evthread is on: activating from this thread is safe. */
	event_active(j->wake, EV_READ, 0);
	return NULL;
}

static void
scanjob_free(struct scanjob *j)
{
	size_t	i;

	for (i = 0; i < j->nputs; i++) {
		free(j->puts[i].key);
		free(j->puts[i].val);
	}
	free(j->puts);
	/* Published ones are let go already; the others had no result. */
	for (i = 0; i < j->nclaims; i++) {
		results_unclaim(j->g->results, j->claims[i]);
		free(j->claims[i]);
	}
	free(j->claims);
	free(j->vexkeys);
	free(j->w);
	if (j->wake != NULL)
		event_free(j->wake);
	free(j);
}

/* What the VEX check found, for the log (its record is the last put). */
static void
scanjob_vex_log(struct scanjob *j)
{
	json_t	*r = j->nputs ? json_loads(j->puts[j->nputs - 1].val, 0,
		    NULL) : NULL, *x;
	size_t	 i;

	j->g->stats.vex_checks++;
	j->g->stats.vex_read += json_array_size(json_object_get(r,
	    "documents"));
	j->g->stats.vex_set_aside += json_array_size(json_object_get(r,
	    "ignored"));
	log_info("scan: %s@%s VEX attestations checked: %zu read, %zu set "
	    "aside", j->repo, j->digest, json_array_size(json_object_get(r,
	    "documents")), json_array_size(json_object_get(r, "ignored")));
	json_array_foreach(json_object_get(r, "ignored"), i, x)
		log_info("scan: %s@%s: attestation %s set aside: %s", j->repo,
		    j->digest, json_string_value(json_object_get(x, "ref")),
		    json_string_value(json_object_get(x, "why")));
	json_decref(r);
}

/* In the loop: the thread is done. Record, then tell the waiters. */
static void
scanjob_done_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct scanjob	*j = arg;
	struct store	*st;
	const char	*why = NULL;
	char		*old = NULL;
	size_t		 i;

	pthread_join(j->thr, NULL);
	TAILQ_REMOVE(&j->g->scanjobs, j, entry);
	j->g->nscanjobs--;
	if (j->rv == -1)
		why = j->err;
	else if ((st = gate_store(j->g)) == NULL)
		why = "the scan store is unavailable";
	else {
		/* A rescan may replace a judged document: keep it. */
		if (j->kind == SCANJOB_IMAGE && store_digest_get(st,
		    STORE_IMAGES, j->digest, &old) != STORE_OK)
			old = NULL;
		/* Layers first: a manifest record must find its layers. */
		for (i = 0; i < j->nputs && why == NULL; i++)
			if (store_digest_put(st, j->puts[i].db, j->puts[i].key,
			    j->puts[i].val) != STORE_OK)
				why = "cannot record the scan";
	}
	/* New results: a cached decision was made without them. */
	if (why == NULL)
		gatecache_forget(j->g->gatecache, j->repo, j->digest);
	if (why == NULL && j->kind == SCANJOB_SIGNATURE)
		log_info("scan: %s@%s cosign signature checked", j->repo,
		    j->digest);
	else if (why == NULL && j->kind == SCANJOB_VEX)
		scanjob_vex_log(j);
	else if (why == NULL) {
		j->g->stats.layers_scanned += j->nlayers;
		j->g->stats.layers_from_fleet += j->nfromfleet;
		if (j->g->results == NULL)
			log_info("scan: %s@%s pulled and scanned (%zu layers)",
			    j->repo, j->digest, j->nlayers);
		else
			log_info("scan: %s@%s pulled and scanned (%zu layers; "
			    "%zu more from the fleet's results)", j->repo,
			    j->digest, j->nlayers, j->nfromfleet);
		for (i = 0; i < j->nputs; i++)
			if (j->puts[i].publish)
				results_publish(j->g->results, j->puts[i].key,
				    j->puts[i].val);
		if (old != NULL)
			record_rescanned(j->g, j->digest, old);
		/* A push it could not record once is recorded now. */
		journal_recorded(j->g->journal, j->digest);
	} else
		log_warnx("scan: %s@%s: %s", j->repo, j->digest, why);
	for (i = 0; i < j->nw; i++)
		j->w[i].cb(j->w[i].arg, why);
	free(old);
	scanjob_free(j);
}

int
scanjob_wait(struct gate *g, enum scanjob_kind kind, const char *repo,
    const char *digest, scanjob_cb cb, void *arg, char *err, size_t errlen)
{
	struct scanjob		*j;
	struct scanjob_waiter	*nw;

	TAILQ_FOREACH(j, &g->scanjobs, entry)
		if (j->kind == kind && strcmp(j->digest, digest) == 0 &&
		    strcmp(j->repo, repo) == 0)
			break;
	if (j == NULL) {
		if (g->nscanjobs >= g->conf->scanner.max_jobs) {
			snprintf(err, errlen, "the scanner is busy with %u "
			    "images", g->nscanjobs);
			return -1;
		}
		if (strlen(repo) >= sizeof(j->repo) || strlen(digest) >=
		    sizeof(j->digest) || (j = calloc(1, sizeof(*j))) == NULL) {
			snprintf(err, errlen, "cannot start a scan");
			return -1;
		}
		j->g = g;
		j->kind = kind;
		memcpy(j->repo, repo, strlen(repo) + 1);
		memcpy(j->digest, digest, strlen(digest) + 1);
		memcpy(j->sigkey, g->conf->policy.signature_key,
		    sizeof(j->sigkey));
		j->fleet_until = time(NULL) + (time_t)g->conf->scanner.wait;
		if (kind == SCANJOB_VEX && (j->nvexkeys =
		    g->conf->policy.nvex_keys) > 0) {
			if ((j->vexkeys = calloc((size_t)j->nvexkeys,
			    POLICY_KEY_MAX)) == NULL) {
				scanjob_free(j);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			memcpy(j->vexkeys, g->conf->policy.vex_keys,
			    (size_t)j->nvexkeys * POLICY_KEY_MAX);
		}
		if ((j->wake = event_new(g->base, -1, 0, scanjob_done_cb,
		    j)) == NULL || pthread_create(&j->thr, NULL, scanjob_thread,
		    j) != 0) {
			scanjob_free(j);
			snprintf(err, errlen, "cannot start a scan thread");
			return -1;
		}
		TAILQ_INSERT_TAIL(&g->scanjobs, j, entry);
		g->nscanjobs++;
		log_info("scan: %s@%s: %s", repo, digest, kind ==
		    SCANJOB_SIGNATURE ? "checking its cosign signature" :
		    kind == SCANJOB_VEX ? "looking for signed VEX "
		    "attestations" : "pulling it to scan");
	}
	if (cb == NULL)
		return 0;	/* nobody waits for it */
	if ((nw = reallocarray(j->w, j->nw + 1, sizeof(*nw))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	j->w = nw;
	j->w[j->nw].cb = cb;
	j->w[j->nw++].arg = arg;
	return 0;
}

void
scanjob_forget(struct gate *g, void *arg)
{
	struct scanjob	*j;
	size_t		 i;

	TAILQ_FOREACH(j, &g->scanjobs, entry)
		for (i = 0; i < j->nw; )
			if (j->w[i].arg == arg)
				j->w[i] = j->w[--j->nw];
			else
				i++;
}

void
scanjob_shutdown(struct gate *g)
{
	struct scanjob	*j;

	/*
	 * A pull of a large image, or from a stalled registry, would hold
	 * the shutdown for as long as it takes: each stops at its next
	 * look at the flag (a tenth of a second, or the end of the layer
	 * being scanned) and records nothing.
	 */
	TAILQ_FOREACH(j, &g->scanjobs, entry)
		__atomic_store_n(&j->cancel, 1, __ATOMIC_RELEASE);
	while ((j = TAILQ_FIRST(&g->scanjobs)) != NULL) {
		pthread_join(j->thr, NULL);
		TAILQ_REMOVE(&g->scanjobs, j, entry);
		g->nscanjobs--;
		scanjob_free(j);
	}
}
