#include "proxy/fleet/results.h"
#include "proxy/fleet/artifact.h"
#include "proxy/registry/regclient.h"
#include "scan/layer/layer.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

/*
 * Claims of scans still running are renewed every third of
 * fleet.claim_ttl, so one older than that is a scan that ended without
 * a result (its instance died): not waited for. A claim is renewed for
 * at most this long.
 */
#define RESULTS_CLAIM_MAX_AGE	3600
#define RESULTS_CLAIMS_MAX	4096

/* A layer this instance is scanning, its claim renewed until done. */
struct results_active {
	char	digest[80];
	time_t	since;
	time_t	sent;
};

/*
 * How often a scanner thread asks again for a claimed layer's result:
 * soon at first, then every RESULTS_POLL_MS.
 */
#define RESULTS_POLL_FIRST_MS	50
#define RESULTS_POLL_MS		500

/* Results waiting to be published; past either, new ones are dropped. */
#define RESULTS_QUEUE_MAX	256
#define RESULTS_QUEUE_BYTES	(64u << 20)

struct results_job {
	TAILQ_ENTRY(results_job) entry;
	struct results		*r;
	char			 digest[80];
	char			*doc;	/* to publish, or the answer */
	int			 claim;	/* publish a claim, not a result */
	time_t			 started;
	char			 by[128];	/* answer: claimed by, or "" */
	results_cb		 cb;
	void			*arg;
	struct event		*wake;
};

TAILQ_HEAD(results_jobs, results_job);

struct results {
	struct event_base	*base;
	const struct conf	*conf;
	struct artifact_key	 key;
	char			 repo[256];
	char			 instance[128];
	int			 publish;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct results_jobs	 lookups;	/* queued */
	struct results_jobs	 answered;	/* for the loop */
	struct results_jobs	 publishes;	/* queued */
	size_t			 npublish, publish_bytes;
	int			 stop;		/* atomic */
	pthread_t		 lthr, pthr;
	int			 lstarted, pstarted;
	int			 empty_pushed;	/* publisher thread only */
	struct results_active	*active;	/* under mu */
	size_t			 nactive;
	/* Atomic counters. */
	unsigned long long	 published, publish_failures, dropped;
	unsigned long long	 found, missing, rejected, failures;
	unsigned long long	 claimed, waited;
};

static void
results_job_free(struct results_job *j)
{
	if (j == NULL)
		return;
	if (j->wake != NULL)
		event_free(j->wake);
	free(j->doc);
	free(j);
}

static void
results_count(unsigned long long *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

int
results_fetch(struct results *r, struct regclient *rc, const char *digest,
    char **doc)
{
	char	 tag[80], mdg[72], blob[72], why[256], err[512];
	char	*man = NULL, *gz = NULL, *out = NULL;
	size_t	 mlen, gzlen, blobsize, outlen;
	int	 rv = 0;

	*doc = NULL;
	if (artifact_tag(digest, tag, sizeof(tag)) == -1)
		return 0;
	if (regclient_manifest(rc, r->repo, tag, ARTIFACT_MAX_MANIFEST, &man,
	    &mlen, mdg, err, sizeof(err)) == -1) {
		if (rc->status == 404)
			results_count(&r->missing);
		else {
			results_count(&r->failures);
			log_warnx("fleet: %s: cannot look its result up: %s",
			    digest, err);
		}
		goto done;
	}
	if (artifact_check(&r->key, man, mlen, digest, LAYER_SCANNER_VERSION,
	    blob, &blobsize, why, sizeof(why)) != 1) {
		/* Not one to trust: scanned here instead, and said. */
		results_count(&r->rejected);
		log_warnx("fleet: %s:%s not used: %s", r->repo, tag, why);
		goto done;
	}
	if (regclient_blob_mem(rc, r->repo, blob, blobsize, &gz, &gzlen, err,
	    sizeof(err)) == -1 || gzlen != blobsize ||
	    artifact_gunzip(gz, gzlen, ARTIFACT_MAX_DOC, &out, &outlen) == -1) {
		results_count(&r->failures);
		log_warnx("fleet: %s: its result cannot be read: %s", digest,
		    gz == NULL ? err : "not gzip, or larger than allowed");
		goto done;
	}
	results_count(&r->found);
	*doc = out;
	out = NULL;
	rv = 1;
 done:
	free(man);
	free(gz);
	free(out);
	return rv;
}

/*
 * Is digest being scanned by another instance, by its fresh claim?
 * 1 (by names it), 0 no.
 */
static int
results_claimed(struct results *r, struct regclient *rc, const char *digest,
    char *by, size_t bylen)
{
	char	 tag[96], mdg[72], why[256], err[512], *man = NULL;
	size_t	 mlen;
	time_t	 started, now = time(NULL);
	int	 rv = 0;

	if (artifact_claim_tag(digest, tag, sizeof(tag)) == -1 ||
	    regclient_manifest(rc, r->repo, tag, ARTIFACT_MAX_MANIFEST, &man,
	    &mlen, mdg, err, sizeof(err)) == -1)
		goto done;
	if (artifact_claim_check(&r->key, man, mlen, digest, &started, by,
	    bylen, why, sizeof(why)) != 1) {
		log_warnx("fleet: %s:%s not used: %s", r->repo, tag, why);
		goto done;
	}
	/* Its own (from before a restart) is not waited for. */
	rv = strcmp(by, r->instance) != 0 && started <= now + 60 &&
	    now - started < (time_t)r->conf->fleet.claim_ttl;
 done:
	free(man);
	return rv;
}

int
results_fetch_wait(struct results *r, struct regclient *rc,
    const char *digest, time_t until, const int *cancel, char **doc)
{
	char		by[128];
	unsigned	ms = RESULTS_POLL_FIRST_MS;
	int		told = 0;

	for (;;) {
		if (results_fetch(r, rc, digest, doc) == 1)
			return 1;
		if (time(NULL) >= until || (cancel != NULL &&
		    __atomic_load_n(cancel, __ATOMIC_ACQUIRE)) ||
		    !results_claimed(r, rc, digest, by, sizeof(by)))
			return 0;
		if (!told++) {
			results_count(&r->waited);
			log_info("fleet: layer %s is being scanned by instance "
			    "%s: waiting for its result (%lld s at most)",
			    digest, by, (long long)(until - time(NULL)));
		}
		/* A small layer's result is there in a moment: ask soon. */
		usleep(ms * 1000);
		if ((ms *= 2) > RESULTS_POLL_MS)
			ms = RESULTS_POLL_MS;
	}
}

/* A claim: the empty blob, then the claim's tag. 0 or -1. */
static int
results_put_claim(struct results *r, struct regclient *rc,
    struct results_job *j)
{
	char	 tag[96], err[512] = "", *man = NULL;
	int	 rv = -1;

	if (artifact_claim_tag(j->digest, tag, sizeof(tag)) == -1 ||
	    (man = artifact_claim(&r->key, j->digest, r->instance,
	    j->started)) == NULL)
		goto done;
	if (!r->empty_pushed && regclient_push_blob(rc, r->repo,
	    ARTIFACT_EMPTY_DIGEST, "{}", 2, err, sizeof(err)) == -1)
		goto done;
	r->empty_pushed = 1;
	if (regclient_push_manifest(rc, r->repo, tag, ARTIFACT_MANIFEST_TYPE,
	    man, strlen(man), err, sizeof(err)) == -1)
		goto done;
	rv = 0;
 done:
	if (rv == -1)
		log_warnx("fleet: cannot claim %s: %s", j->digest, err[0] ?
		    err : "out of memory");
	free(man);
	return rv;
}

/* The publisher's one job: blob, then the tag naming it. 0 or -1. */
static int
results_put(struct results *r, struct regclient *rc, struct results_job *j)
{
	unsigned char	*gz = NULL;
	char		 blob[72], tag[80], err[512], *man = NULL;
	size_t		 gzlen;
	int		 rv = -1;

	if (j->claim)
		return results_put_claim(r, rc, j);
	err[0] = '\0';
	if (artifact_tag(j->digest, tag, sizeof(tag)) == -1 ||
	    artifact_gzip(j->doc, strlen(j->doc), &gz, &gzlen) == -1 ||
	    regclient_digest_of(gz, gzlen, blob) == -1)
		goto done;
	if ((man = artifact_manifest(&r->key, j->digest, blob, gzlen,
	    r->instance, LAYER_SCANNER_VERSION)) == NULL)
		goto done;
	if (!r->empty_pushed && regclient_push_blob(rc, r->repo,
	    ARTIFACT_EMPTY_DIGEST, "{}", 2, err, sizeof(err)) == -1)
		goto done;
	r->empty_pushed = 1;
	if (regclient_push_blob(rc, r->repo, blob, gz, gzlen, err,
	    sizeof(err)) == -1 ||
	    regclient_push_manifest(rc, r->repo, tag, ARTIFACT_MANIFEST_TYPE,
	    man, strlen(man), err, sizeof(err)) == -1)
		goto done;
	rv = 0;
 done:
	if (rv == -1)
		log_warnx("fleet: cannot publish the result of %s: %s",
		    j->digest, err[0] ? err : "out of memory");
	free(gz);
	free(man);
	return rv;
}

/* How often a running scan's claim is renewed, in seconds. */
static time_t
results_renew_every(struct results *r)
{
	return (time_t)(r->conf->fleet.claim_ttl / 3 > 0 ?
	    r->conf->fleet.claim_ttl / 3 : 1);
}

/* A claim job for digest, queued (under mu). */
static void
results_queue_claim_locked(struct results *r, const char *digest)
{
	struct results_job	*j;

	if (r->npublish >= RESULTS_QUEUE_MAX ||
	    (j = calloc(1, sizeof(*j))) == NULL) {
		results_count(&r->dropped);
		return;
	}
	snprintf(j->digest, sizeof(j->digest), "%s", digest);
	j->claim = 1;
	j->started = time(NULL);
	TAILQ_INSERT_TAIL(&r->publishes, j, entry);
	r->npublish++;
}

/*
 * The publisher, under mu: the claims of scans still running that are
 * due are queued again; one renewed for RESULTS_CLAIM_MAX_AGE is let go.
 */
static void
results_renew_locked(struct results *r)
{
	time_t	now = time(NULL);
	size_t	i;

	for (i = 0; i < r->nactive; ) {
		struct results_active *a = &r->active[i];

		if (now - a->since >= RESULTS_CLAIM_MAX_AGE) {
			r->active[i] = r->active[--r->nactive];
			continue;
		}
		if (now - a->sent >= results_renew_every(r)) {
			results_queue_claim_locked(r, a->digest);
			a->sent = now;
		}
		i++;
	}
}

/* Forget digest's running scan (under mu). */
static void
results_unclaim_locked(struct results *r, const char *digest)
{
	size_t	i;

	for (i = 0; i < r->nactive; i++)
		if (strcmp(r->active[i].digest, digest) == 0) {
			r->active[i] = r->active[--r->nactive];
			return;
		}
}

/* Both threads: take the next job of q, or NULL when stopping. */
static struct results_job *
results_next(struct results *r, struct results_jobs *q)
{
	struct results_job	*j;

	pthread_mutex_lock(&r->mu);
	if (q == &r->publishes)
		results_renew_locked(r);
	while ((j = TAILQ_FIRST(q)) == NULL &&
	    !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		if (q == &r->publishes && r->nactive > 0) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += results_renew_every(r);
			if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) ==
			    ETIMEDOUT)
				results_renew_locked(r);
		} else
			pthread_cond_wait(&r->cv, &r->mu);
	}
	if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
		j = NULL;
	else {
		TAILQ_REMOVE(q, j, entry);
		if (q == &r->publishes) {
			r->npublish--;
			r->publish_bytes -= j->doc ? strlen(j->doc) : 0;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return j;
}

/* The publisher's job: counted either way. */
static void
results_publish_one(struct results *r, struct regclient *rc,
    struct results_job *j)
{
	if (rc != NULL && j->claim)
		results_count(results_put(r, rc, j) == 0 ? &r->claimed :
		    &r->publish_failures);
	else if (rc != NULL)
		results_count(results_put(r, rc, j) == 0 ? &r->published :
		    &r->publish_failures);
	results_job_free(j);
}

/* A look-up's job: answered to the loop, found or not. */
static void
results_lookup_one(struct results *r, struct regclient *rc,
    struct results_job *j)
{
	if (rc != NULL && results_fetch(r, rc, j->digest, &j->doc) != 1 &&
	    !results_claimed(r, rc, j->digest, j->by, sizeof(j->by)))
		j->by[0] = '\0';
	pthread_mutex_lock(&r->mu);
	TAILQ_INSERT_TAIL(&r->answered, j, entry);
	pthread_mutex_unlock(&r->mu);
	/* evthread is on: activating from this thread is safe. */
	event_active(j->wake, EV_READ, 0);
}

/*
 * Both threads: each job of q with a client of the scanner's account
 * (NULL when it cannot be made: counted in *fail, the job still done).
 */
static void
results_worker(struct results *r, struct results_jobs *q,
    void (*one)(struct results *, struct regclient *, struct results_job *),
    unsigned long long *fail)
{
	struct results_job	*j;
	struct regclient	 rc;
	char			 err[512];

	while ((j = results_next(r, q)) != NULL) {
		if (regclient_upstream(&rc, r->conf, 1, err, sizeof(err)) ==
		    -1) {
			log_warnx("fleet: %s", err);
			results_count(fail);
			one(r, NULL, j);
			continue;
		}
		rc.cancel = &r->stop;
		one(r, &rc, j);
		regclient_free(&rc);
	}
}

static void *
results_publisher(void *arg)
{
	struct results	*r = arg;

	results_worker(r, &r->publishes, results_publish_one,
	    &r->publish_failures);
	return NULL;
}

static void *
results_looker(void *arg)
{
	struct results	*r = arg;

	results_worker(r, &r->lookups, results_lookup_one, &r->failures);
	return NULL;
}

/* In the loop: a look-up is answered. */
static void
results_answered_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct results_job	*j = arg;
	struct results		*r = j->r;
	char			*doc;

	(void)fd;
	(void)ev;
	pthread_mutex_lock(&r->mu);
	TAILQ_REMOVE(&r->answered, j, entry);
	pthread_mutex_unlock(&r->mu);
	doc = j->doc;
	j->doc = NULL;
	if (doc == NULL && j->by[0] != '\0')
		results_count(&r->waited);
	j->cb(j->arg, doc, doc == NULL && j->by[0] != '\0' ? j->by : NULL);
	results_job_free(j);
}

struct results *
results_new(struct event_base *base, const struct conf *c, char *err,
    size_t errlen)
{
	struct results	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->base = base;
	r->conf = c;
	r->publish = c->fleet.publish;
	TAILQ_INIT(&r->lookups);
	TAILQ_INIT(&r->answered);
	TAILQ_INIT(&r->publishes);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	snprintf(r->repo, sizeof(r->repo), "%s", c->fleet.repository);
	conf_instance(c, r->instance, sizeof(r->instance));
	if (artifact_key_load(&r->key, c->fleet.key_file, err, errlen) == -1)
		goto fail;
	if (pthread_create(&r->lthr, NULL, results_looker, r) != 0)
		goto nothread;
	r->lstarted = 1;
	if (r->publish) {
		if (pthread_create(&r->pthr, NULL, results_publisher, r) != 0)
			goto nothread;
		r->pstarted = 1;
	}
	log_info("fleet: instance %s shares layer results through %s%s",
	    r->instance, r->repo, r->publish ? "" : " (reads only)");
	return r;
 nothread:
	snprintf(err, errlen, "fleet: cannot start a thread");
 fail:
	results_stop(r);
	results_free(r);
	return NULL;
}

void
results_stop(struct results *r)
{
	struct results_jobs	*qs[3];
	struct results_job	*j;
	size_t			 i;

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (r->lstarted)
		pthread_join(r->lthr, NULL);
	if (r->pstarted)
		pthread_join(r->pthr, NULL);
	r->lstarted = r->pstarted = 0;
	qs[0] = &r->lookups;
	qs[1] = &r->answered;
	qs[2] = &r->publishes;
	for (i = 0; i < 3; i++)
		while ((j = TAILQ_FIRST(qs[i])) != NULL) {
			TAILQ_REMOVE(qs[i], j, entry);
			results_job_free(j);
		}
	r->npublish = r->publish_bytes = 0;
	free(r->active);
	r->active = NULL;
	r->nactive = 0;
}

void
results_free(struct results *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	explicit_bzero(&r->key, sizeof(r->key));
	free(r);
}

int
results_lookup(struct results *r, const char *digest, results_cb cb,
    void *arg)
{
	struct results_job	*j;

	if (r == NULL || !r->lstarted || strlen(digest) >= sizeof(j->digest) ||
	    (j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->r = r;
	j->cb = cb;
	j->arg = arg;
	memcpy(j->digest, digest, strlen(digest) + 1);
	if ((j->wake = event_new(r->base, -1, 0, results_answered_cb, j)) ==
	    NULL) {
		free(j);
		return -1;
	}
	pthread_mutex_lock(&r->mu);
	TAILQ_INSERT_TAIL(&r->lookups, j, entry);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

void
results_publish(struct results *r, const char *digest, const char *doc)
{
	struct results_job	*j = NULL;
	size_t			 len = strlen(doc);

	if (r == NULL || !r->pstarted)
		return;
	pthread_mutex_lock(&r->mu);
	/* Done: its claim is no longer renewed (the result answers now). */
	results_unclaim_locked(r, digest);
	if (r->npublish >= RESULTS_QUEUE_MAX || r->publish_bytes + len >
	    RESULTS_QUEUE_BYTES || strlen(digest) >= sizeof(j->digest) ||
	    (j = calloc(1, sizeof(*j))) == NULL || (j->doc = strdup(doc)) ==
	    NULL) {
		/* Another instance will scan it itself: correct, slower. */
		pthread_mutex_unlock(&r->mu);
		results_count(&r->dropped);
		results_job_free(j);
		return;
	}
	memcpy(j->digest, digest, strlen(digest) + 1);
	TAILQ_INSERT_TAIL(&r->publishes, j, entry);
	r->npublish++;
	r->publish_bytes += len;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void
results_claim(struct results *r, const char *digest)
{
	struct results_active	*na;
	size_t			 i;

	if (r == NULL || !r->pstarted || strlen(digest) >= sizeof(na->digest))
		return;
	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->nactive; i++)
		if (strcmp(r->active[i].digest, digest) == 0)
			break;
	if (i == r->nactive && r->nactive < RESULTS_CLAIMS_MAX &&
	    (na = reallocarray(r->active, r->nactive + 1,
	    sizeof(*na))) != NULL) {
		r->active = na;
		snprintf(na[i].digest, sizeof(na[i].digest), "%s", digest);
		na[i].since = time(NULL);
		r->nactive++;
	}
	if (i < r->nactive)
		r->active[i].sent = time(NULL);
	/* Untracked (too many): claimed once, not renewed. */
	results_queue_claim_locked(r, digest);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void
results_unclaim(struct results *r, const char *digest)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	results_unclaim_locked(r, digest);
	pthread_mutex_unlock(&r->mu);
}

void
results_metrics(struct results *r, struct evbuffer *out)
{
	static const struct {
		const char	*name, *help;
		size_t		 off;
	} m[] = {
		{ "published", "layer results this instance published to "
		    "the fleet", offsetof(struct results, published) },
		{ "publish_failures", "results the registry did not take",
		    offsetof(struct results, publish_failures) },
		{ "publish_dropped", "results not published: the queue "
		    "was full", offsetof(struct results, dropped) },
		{ "found", "layer results read from the fleet instead of "
		    "scanning", offsetof(struct results, found) },
		{ "missing", "look-ups the fleet had no result for",
		    offsetof(struct results, missing) },
		{ "rejected", "results not trusted (signature, scanner "
		    "version)", offsetof(struct results, rejected) },
		{ "lookup_failures", "look-ups the registry failed",
		    offsetof(struct results, failures) },
		{ "claimed", "layers this instance told the fleet it is "
		    "scanning", offsetof(struct results, claimed) },
		{ "claim_waits", "look-ups answered: another instance is "
		    "scanning it, wait", offsetof(struct results, waited) },
	};
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		evbuffer_add_printf(out, "# HELP portcullis_fleet_results_%s_"
		    "total %s\n# TYPE portcullis_fleet_results_%s_total "
		    "counter\nportcullis_fleet_results_%s_total %llu\n",
		    m[i].name, m[i].help, m[i].name, m[i].name,
		    __atomic_load_n((unsigned long long *)((char *)r +
		    m[i].off), __ATOMIC_RELAXED));
}
