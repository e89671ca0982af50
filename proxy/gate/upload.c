#include "proxy/gate/upload.h"
#include "proxy/fleet/results.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/readback.h"
#include "scan/layer/feed.h"
#include "scan/image/layerjson.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/log.h"

#include <event2/event.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Past it (scanner.catch_up: disk), to disk under state_dir, so the
 * push never waits (per upload).
 */
#define UPLOAD_SPILL_MAX	(16ULL << 30)
#define UPLOAD_HEAD		(1u << 20)	/* kept for config blobs */
/* How often a result another instance is making is asked for. */
#define UPLOAD_FLEET_POLL_FIRST_MS	50
#define UPLOAD_FLEET_POLL_MS		500

struct upload {
	TAILQ_ENTRY(upload)	 entry;
	struct gate		*g;
	char			 uuid[160];
	char			 repo[256];
	/*
	 * NULL: no scanner yet (scanner.max_uploads were busy, or a layer
	 * the proxy never saw pass), a deferred upload: once committed, it
	 * is read back whole from the registry as soon as a scanner is
	 * free, with auth (wiped once used). Until then the blob counts as
	 * being scanned.
	 */
	struct feed		*feed;
	uint64_t		 fed;
	char			*head;		/* first UPLOAD_HEAD bytes */
	size_t			 headlen;
	/*
	 * Its first byte that is not blank is no '{': no JSON, so no
	 * config. The head is let go at once: a layer upload then holds
	 * no megabyte of its own, and may move in-kernel from there on.
	 */
	int			 notjson;
	int			 sniffed;	/* that first byte was seen */
	char			 digest[80];	/* the registry's, at commit */
	int			 committed;
	int			 aborted;
	/*
	 * A read-back waiting for the fleet's result first (results.h):
	 * no scanner is started for it until the answer is "none".
	 */
	int			 fleet_wait;
	/*
	 * Another instance claims to be scanning it: its result is asked
	 * for again (fleet_timer) until fleet_until, then it is read back.
	 */
	struct event		*fleet_timer;
	time_t			 fleet_until;
	int			 fleet_told;
	unsigned		 fleet_poll_ms;	/* doubling */
	/*
	 * Paused: no request of it is running (upload_paused). Settled
	 * by content: ended without a commit, recorded under the digest
	 * of the bytes it saw.
	 */
	struct event		*idle;
	int			 by_content;
	struct event		*wake;		/* activated by the threads */
	upload_resume_cb	 resume;	/* a relay waits for the drain */
	void			*waiter;
	struct readback		*rb;		/* catching the scan up */
	char			*auth;
	struct readback_head	 rbhead;	/* its first bytes, read back */
	/* Set by the scanner thread under mu. */
	pthread_mutex_t		 mu;
	struct layer_result	*result;
	int			 done;
	int			 drained;
	int			 rb_ended;
	int			 rb_failed;	/* its bytes never came */
	/* A second pass: package databases behind links, to read. */
	struct layer_link	*links;
	size_t			 nlinks;
};

static void	upload_start_deferred(struct gate *);
static struct upload *upload_new(struct gate *, const char *, const char *);

static void
upload_wipe_auth(struct upload *u)
{
	if (u->auth != NULL) {
		explicit_bzero(u->auth, strlen(u->auth));
		free(u->auth);
		u->auth = NULL;
	}
}

static void
upload_free(struct upload *u)
{
	TAILQ_REMOVE(&u->g->uploads, u, entry);
	if (u->feed != NULL)
		u->g->nuploads--;
	else
		u->g->ndeferred--;
	upload_wipe_auth(u);
	/* The read-back thread feeds the feed: it goes first. */
	if (u->rb != NULL && readback_join(u->rb) == -1)
		u->g->stats.readback_failures++;
	if (u->feed != NULL)
		feed_join(u->feed);
	if (u->result != NULL) {
		layer_result_free(u->result);
		free(u->result);
	}
	if (u->wake != NULL)
		event_free(u->wake);
	if (u->idle != NULL)
		event_free(u->idle);
	if (u->fleet_timer != NULL)
		event_free(u->fleet_timer);
	pthread_mutex_destroy(&u->mu);
	layer_links_free(u->links, u->nlinks);
	free(u->head);
	free(u);
}

/* The whole blob is at hand, and it is a JSON object: an image config. */
static int
upload_is_config(struct upload *u)
{
	json_t	*cfg;
	int	 yes;

	if (u->notjson || u->fed > UPLOAD_HEAD || u->headlen != u->fed ||
	    u->head == NULL ||
	    (cfg = json_loadb(u->head, u->headlen, 0, NULL)) == NULL)
		return 0;
	yes = json_is_object(cfg);
	json_decref(cfg);
	return yes;
}

/* The scan is over and the blob's fate known: keep what is true. */
static void
upload_store(struct upload *u)
{
	struct store	*st = gate_store(u->g);
	char		*doc = NULL;
	int		 config;

	if (!u->committed || u->aborted)
		return;
	if (u->by_content) {
		/*
		 * No commit named it: what was seen names itself. Package
		 * databases behind links need the committed blob read
		 * again: left to whoever commits it.
		 */
		if (u->result == NULL || u->result->digest[0] == '\0' ||
		    u->result->nlinks > 0)
			return;
		snprintf(u->digest, sizeof(u->digest), "%s", u->result->digest);
	}
	if (st == NULL) {
		gate_store_failed(u->g, u->digest, "the store cannot be opened");
		return;
	}
	/* A config blob (JSON). Keep it for image checks. */
	if ((config = upload_is_config(u)))
		doc = layerjson_config_dump(u->head, u->headlen);
	/*
	 * Whatever the scan made of them, it saw exactly the registry's
	 * bytes: its result is true, and what it could not read (a corrupt
	 * or truncated archive, a limit) is in it as findings.
	 */
	if (doc == NULL && u->result != NULL &&
	    strcmp(u->result->digest, u->digest) == 0)
		doc = layerjson_dump(u->result);
	if (doc == NULL && u->by_content)
		return;		/* nothing anyone will ask for */
	if (doc == NULL) {
		const char *why = u->rb_failed ? "the registry did not give "
		    "the bytes the scan missed back" :
		    u->result && strcmp(u->result->digest, u->digest) ?
		    "scanned bytes differ from the registry's blob" :
		    "the scan did not see the whole blob";

		log_info("upload %s: %s not recorded (%s)", u->uuid, u->digest,
		    why);
		/* No result is coming: the fleet need not wait for one. */
		results_unclaim(u->g->results, u->digest);
		/* Images using it are refused saying so, not "unknown". */
		gate_note_failed(u->g, u->digest, why);
		return;
	}
	if (store_digest_put(st, STORE_LAYERS, u->digest, doc) == STORE_OK) {
		u->g->stats.layers_scanned++;
		log_info("upload %s: layer %s scanned and recorded (%zu "
		    "packages)", u->uuid, u->digest,
		    u->result ? u->result->pkgs.n : (size_t)0);
		/* A layer's, not a config's: the fleet need not scan it. */
		if (!config)
			results_publish(u->g->results, u->digest, doc);
		else
			results_unclaim(u->g->results, u->digest);
	} else
		gate_store_failed(u->g, u->digest, "cannot record the layer");
	free(doc);
}

/*
 * The scan found package databases behind links in the layer: rather
 * than record them unread, a second pass reads the blob back from the
 * registry and catalogs each link's target as the database. The blob
 * stays "being scanned" (pulls wait) until it ends. 1: started.
 */
static int
upload_follow(struct upload *u)
{
	struct upload	*n;
	char		 uuid[160];

	if (!u->committed || u->aborted || u->result == NULL ||
	    u->result->nlinks == 0 || u->links != NULL ||
	    strcmp(u->result->digest, u->digest) != 0)
		return 0;
	snprintf(uuid, sizeof(uuid), "links in %.100s", u->digest);
	if ((n = upload_new(u->g, u->repo, uuid)) == NULL)
		return 0;
	n->links = u->result->links;
	n->nlinks = u->result->nlinks;
	u->result->links = NULL;
	u->result->nlinks = 0;
	/* Never taken for a config: configs have no databases. */
	n->fed = UPLOAD_HEAD + 1;
	log_info("upload %s: %s has package databases behind links; reading "
	    "it again for their targets", u->uuid, u->digest);
	upload_commit(n, u->digest, u->auth);
	return 1;
}

/* In the loop: the thread drained the feed or finished. */
static void
upload_wake_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct upload	*u = arg;
	void		*w;
	int		 done, drained;

	pthread_mutex_lock(&u->mu);
	/* A read-back still running has the feed: not over yet. */
	done = u->done && (u->rb == NULL || u->rb_ended);
	drained = u->drained;
	u->drained = 0;
	pthread_mutex_unlock(&u->mu);
	if ((drained || done) && (w = u->waiter) != NULL) {
		u->waiter = NULL;
		u->resume(w);
	}
	if (done && (u->committed || u->aborted)) {
		struct gate *g = u->g;

		if (u->rb != NULL && readback_join(u->rb) == -1) {
			g->stats.readback_failures++;
			u->rb_failed = 1;
		}
		if (u->rb != NULL && u->rbhead.buf != NULL) {
			/* Read back whole: what the config check looks at. */
			u->headlen = u->rbhead.len;
			u->fed = u->rbhead.total;
		}
		u->rb = NULL;
		if (!upload_follow(u))
			upload_store(u);
		upload_free(u);
		/* A scanner is free: a deferred upload may have it. */
		upload_start_deferred(g);
		/* Pulls held for this layer's scan may be decided now. */
		if (g->layers_done != NULL)
			g->layers_done(g);
	}
}

/* Scanner thread. */
static void
upload_done_cb(struct layer_result *r, int rv, void *arg)
{
	struct upload *u = arg;

	pthread_mutex_lock(&u->mu);
	u->result = r;
	u->done = 1;
	pthread_mutex_unlock(&u->mu);
	event_active(u->wake, EV_READ, 0);
}

/* Read-back thread, when it is over. */
static void
upload_readback_cb(void *arg)
{
	struct upload *u = arg;

	pthread_mutex_lock(&u->mu);
	u->rb_ended = 1;
	pthread_mutex_unlock(&u->mu);
	event_active(u->wake, EV_READ, 0);
}

/* Scanner thread. */
static void
upload_drained_cb(void *arg)
{
	struct upload *u = arg;

	pthread_mutex_lock(&u->mu);
	u->drained = 1;
	pthread_mutex_unlock(&u->mu);
	event_active(u->wake, EV_READ, 0);
}

/* A deferred upload (no feed) until upload_scanner gives it one. */
static struct upload *
upload_new(struct gate *g, const char *repo, const char *uuid)
{
	struct upload	*u;

	if ((u = calloc(1, sizeof(*u))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	u->g = g;
	snprintf(u->uuid, sizeof(u->uuid), "%s", uuid);
	snprintf(u->repo, sizeof(u->repo), "%s", repo);
	pthread_mutex_init(&u->mu, NULL);
	if ((u->wake = event_new(g->base, -1, 0, upload_wake_cb, u)) ==
	    NULL) {
		pthread_mutex_destroy(&u->mu);
		free(u);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&g->uploads, u, entry);
	g->ndeferred++;
	return u;
}

/* Start u's scanner thread and the feed to it. 0 or -1. */
static int
upload_scanner(struct upload *u)
{
	struct gate		*g = u->g;
	struct layer_limits	 lim;
	struct feed_opts	 fo;

	layer_limits_conf(&lim, g->conf);
	memset(&fo, 0, sizeof(fo));
	fo.bound = (size_t)g->conf->scanner.upload_buffer;
	if (strcmp(g->conf->scanner.catch_up, "disk") == 0) {
		fo.behind = FEED_BEHIND_SPILL;
		fo.spill_dir = g->conf->state_dir;
		fo.spill_max = UPLOAD_SPILL_MAX;
		fo.budget = g->spill_budget;
	} else
		fo.behind = FEED_BEHIND_DROP;
	fo.links = u->links;
	fo.nlinks = u->nlinks;
	if ((u->feed = feed_start(&fo, &lim, upload_done_cb,
	    upload_drained_cb, u)) == NULL)
		return -1;
	g->ndeferred--;
	g->nuploads++;
	return 0;
}

/*
 * Give free scanners to deferred uploads that are committed: each reads
 * its blob back whole from the registry. A read that cannot start ends
 * the upload unrecorded (its images are then incomplete, and refused).
 */
static void
upload_start_deferred(struct gate *g)
{
	struct upload	*u;

	TAILQ_FOREACH(u, &g->uploads, entry) {
		if (g->nuploads >= g->conf->scanner.max_uploads)
			return;
		if (u->feed != NULL || !u->committed || u->aborted ||
		    u->fleet_wait)
			continue;
		if (upload_scanner(u) == -1) {
			/* Tried again when the next scanner is free. */
			log_warnx("upload %s: cannot start its scan yet",
			    u->uuid);
			return;
		}
		/* Its first bytes are kept: it may be a config. */
		if (!u->notjson && u->head == NULL &&
		    (u->head = malloc(UPLOAD_HEAD)) != NULL) {
			u->rbhead.buf = u->head;
			u->rbhead.cap = UPLOAD_HEAD;
		}
		if ((u->rb = readback_start(g->conf, u->repo, u->digest, 0,
		    u->auth, u->feed, u->head ? &u->rbhead : NULL,
		    upload_readback_cb, u)) != NULL) {
			g->stats.readbacks++;
			log_info("upload %s: reading %s back from the registry "
			    "to scan it", u->uuid, u->digest);
			/* Being scanned now: others wait for its result. */
			results_claim(g->results, u->digest);
		} else {
			g->stats.readback_failures++;
			feed_abort(u->feed);
		}
		upload_wipe_auth(u);
	}
}

struct upload *
upload_find(struct gate *g, const char *uuid)
{
	struct upload	*u;

	TAILQ_FOREACH(u, &g->uploads, entry)
		if (strcmp(u->uuid, uuid) == 0 && !u->aborted && !u->committed)
			return u;
	return NULL;
}

struct upload *
upload_for(struct gate *g, const char *repo, const char *uuid,
    uint64_t start)
{
	struct upload		*u;

	TAILQ_FOREACH(u, &g->uploads, entry)
		if (strcmp(u->uuid, uuid) == 0)
			break;
	if (start == UINT64_MAX)	/* no Content-Range: continues */
		start = u != NULL ? u->fed : 0;
	if (u != NULL) {
		if (u->aborted || u->committed)
			return NULL;
		if (start != u->fed) {
			/* A chunk we did not see: the scan would lie. */
			log_info("upload %s: chunk at %llu, scanned up to %llu; "
			    "not scanning it", uuid, (unsigned long long)start,
			    (unsigned long long)u->fed);
			upload_abort(u);
			return NULL;
		}
		return u;
	}
	if (start != 0 || gate_store(g) == NULL)
		return NULL;
	if ((u = upload_new(g, repo, uuid)) == NULL)
		return NULL;
	if (g->nuploads >= g->conf->scanner.max_uploads) {
		/*
		 * Every scanner is busy: never skip the scan, defer it. The
		 * blob is read back from the registry once committed.
		 */
		g->stats.uploads_deferred++;
		log_info("upload %s: %u uploads are being scanned; this one is "
		    "read back from the registry once it is committed", uuid,
		    g->nuploads);
		return u;
	}
	if (upload_scanner(u) == -1) {
		upload_free(u);
		return NULL;
	}
	return u;
}

/* Does the blob start like JSON? Decided at its first byte not blank. */
static void
upload_sniff(struct upload *u, const unsigned char *b, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' ||
		    b[i] == '\n')
			continue;
		u->sniffed = 1;
		if (b[i] != '{') {
			u->notjson = 1;
			free(u->head);
			u->head = NULL;
			u->headlen = 0;
		}
		return;
	}
}

int
upload_feed(struct upload *u, const void *buf, size_t len)
{
	if (u->aborted || u->committed)
		return 0;
	if (!u->sniffed)
		upload_sniff(u, buf, len);
	if (!u->notjson && u->headlen < UPLOAD_HEAD) {
		size_t take = len < UPLOAD_HEAD - u->headlen ? len :
		    UPLOAD_HEAD - u->headlen;

		if (u->head == NULL && (u->head = malloc(UPLOAD_HEAD)) == NULL) {
			upload_abort(u);
			return 0;
		}
		memcpy(u->head + u->headlen, buf, take);
		u->headlen += take;
	}
	if (u->idle != NULL)
		evtimer_del(u->idle);
	if (u->feed == NULL) {
		u->fed += len;
		return 0;	/* read back later: nothing to wait for */
	}
	/* Always queue: the caller stops reading when we are over. */
	if (feed_push_force(u->feed, buf, len) == -1) {
		upload_abort(u);
		return 0;
	}
	u->fed += len;
	return feed_room(u->feed) == 0;
}

int
upload_wants_bytes(struct upload *u)
{
	if (u->aborted || u->committed)
		return 0;
	/* The head decides whether a small blob is a config. */
	return (!u->notjson && u->fed < UPLOAD_HEAD) || (u->feed != NULL &&
	    feed_wants_bytes(u->feed));
}

void
upload_skip(struct upload *u, uint64_t n)
{
	u->fed += n;
}

void
upload_wait(struct upload *u, upload_resume_cb cb, void *arg)
{
	u->resume = cb;
	u->waiter = arg;
}

void
upload_unwait(struct upload *u, void *arg)
{
	if (u->waiter == arg)
		u->waiter = NULL;
}

/*
 * The scan may have ended before the blob's fate was known (a config
 * blob is not an archive): then nothing will wake the loop again, so do
 * it here and let upload_wake_cb store and free.
 */
static void
upload_settled(struct upload *u)
{
	int	done;

	pthread_mutex_lock(&u->mu);
	done = u->done;
	pthread_mutex_unlock(&u->mu);
	if (done)
		event_active(u->wake, EV_READ, 0);
}

void
upload_commit(struct upload *u, const char *digest, const char *authorization)
{
	uint64_t	from;

	if (u->aborted || u->committed)
		return;
	u->committed = 1;
	snprintf(u->digest, sizeof(u->digest), "%s", digest ? digest : "");
	if (u->feed == NULL) {
		if (upload_is_config(u)) {
			/* A config, all here: nothing to scan. */
			u->done = 1;
			event_active(u->wake, EV_READ, 0);
			return;
		}
		if (authorization != NULL &&
		    (u->auth = strdup(authorization)) == NULL)
			log_warn("%s", __func__);
		upload_start_deferred(u->g);
		return;
	}
	/* Being scanned here (the scan may trail): others wait for it. */
	if (u->notjson)
		results_claim(u->g->results, u->digest);
	/* Kept for a second pass (upload_follow), wiped at the end. */
	if (authorization != NULL &&
	    (u->auth = strdup(authorization)) == NULL)
		log_warn("%s", __func__);
	if ((from = feed_dropped_from(u->feed)) == UINT64_MAX)
		feed_finish(u->feed);
	else if ((u->rb = readback_start(u->g->conf, u->repo, u->digest,
	    from, authorization, u->feed, NULL, upload_readback_cb, u)) !=
	    NULL) {
		u->g->stats.readbacks++;
		log_debug("upload %s: scan behind; reading %s back from byte "
		    "%llu", u->uuid, u->digest, (unsigned long long)from);
	} else {
		u->g->stats.readback_failures++;
		feed_abort(u->feed);
	}
	upload_settled(u);
}

/* In the loop: nothing came after the last request. */
static void
upload_idle_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct upload	*u = arg;

	(void)fd;
	(void)ev;
	if (u->committed || u->aborted || u->waiter != NULL)
		return;
	if (u->feed == NULL || feed_dropped_from(u->feed) != UINT64_MAX) {
		/* Not all seen by the scan: nothing true to keep. */
		log_info("upload %s: no commit after %d s; its scan is "
		    "dropped (a commit elsewhere is read back there)", u->uuid,
		    UPLOAD_IDLE_SETTLE);
		upload_abort(u);
		return;
	}
	log_info("upload %s: no commit after %d s; its scan is kept under "
	    "the digest of the %llu bytes it saw", u->uuid,
	    UPLOAD_IDLE_SETTLE, (unsigned long long)u->fed);
	u->by_content = 1;
	u->committed = 1;
	feed_finish(u->feed);
	upload_settled(u);
}

void
upload_paused(struct upload *u)
{
	struct timeval	tv = { UPLOAD_IDLE_SETTLE, 0 };

	if (u->committed || u->aborted)
		return;
	if (u->idle == NULL && (u->idle = evtimer_new(u->g->base,
	    upload_idle_cb, u)) == NULL)
		return;		/* kept until the client or a shutdown ends it */
	evtimer_add(u->idle, &tv);
}

void
upload_abort(struct upload *u)
{
	if (u->aborted || u->committed)
		return;
	u->aborted = 1;
	if (u->feed == NULL) {
		/* No thread to end: the loop frees it. */
		u->done = 1;
		event_active(u->wake, EV_READ, 0);
		return;
	}
	feed_abort(u->feed);
	upload_settled(u);
}

/*
 * In the loop: the fleet's answer for a layer to be read back. Its
 * result, checked and signed by an instance that scanned it, is
 * recorded as this instance's own; without one, the read-back goes on.
 */
static void	upload_fleet_cb(void *, char *, const char *);

/* In the loop: ask the fleet again for a result another one is making. */
static void
upload_fleet_again_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct upload	*u = arg;

	(void)fd;
	(void)ev;
	u->fleet_wait = results_lookup(u->g->results, u->digest,
	    upload_fleet_cb, u) == 0;
	if (!u->fleet_wait)
		upload_start_deferred(u->g);	/* no look-up: read it back */
}

static void
upload_fleet_cb(void *arg, char *doc, const char *by)
{
	struct upload	*u = arg;
	struct gate	*g = u->g;
	struct store	*st;
	struct timeval	 tv;

	/* A small layer's result is there in a moment: ask soon, then less. */
	u->fleet_poll_ms = u->fleet_poll_ms == 0 ? UPLOAD_FLEET_POLL_FIRST_MS :
	    u->fleet_poll_ms * 2 > UPLOAD_FLEET_POLL_MS ? UPLOAD_FLEET_POLL_MS :
	    u->fleet_poll_ms * 2;
	tv.tv_sec = 0;
	tv.tv_usec = (suseconds_t)u->fleet_poll_ms * 1000;
	u->fleet_wait = 0;
	if (doc == NULL && by != NULL && time(NULL) < u->fleet_until &&
	    (u->fleet_timer != NULL || (u->fleet_timer = evtimer_new(g->base,
	    upload_fleet_again_cb, u)) != NULL) &&
	    evtimer_add(u->fleet_timer, &tv) == 0) {
		/* Pulls wait for it as for a scan of this instance's. */
		u->fleet_wait = 1;
		if (!u->fleet_told++)
			log_info("upload %s: layer %s is being scanned by "
			    "instance %s: waiting for its result (until %llu "
			    "s from now, then reading it back)", u->uuid,
			    u->digest, by, (unsigned long long)(u->fleet_until -
			    time(NULL)));
		return;
	}
	if (doc == NULL) {
		upload_start_deferred(g);
		return;
	}
	if ((st = gate_store(g)) != NULL && store_digest_put(st, STORE_LAYERS,
	    u->digest, doc) == STORE_OK) {
		g->stats.layers_from_fleet++;
		log_info("upload %s: layer %s recorded from the fleet's "
		    "result", u->uuid, u->digest);
		upload_free(u);
		if (g->layers_done != NULL)
			g->layers_done(g);
	} else {
		/* Cannot keep it: scan it, as without a fleet. */
		upload_start_deferred(g);
	}
	free(doc);
}

int
upload_backfill(struct gate *g, const char *repo, const char *digest,
    const char *authorization, int config)
{
	struct upload	*u;
	char		 uuid[160];

	if (upload_scanning(g, digest))
		return 0;
	snprintf(uuid, sizeof(uuid), "read-back of %.100s", digest);
	if ((u = upload_new(g, repo, uuid)) == NULL)
		return -1;
	/* Never taken for a config: the head is not here. */
	u->fed = UPLOAD_HEAD + 1;
	g->stats.uploads_deferred++;
	/*
	 * Another instance may have scanned it: ask the fleet first. A
	 * config is read back at once: smaller than a look-up's answer.
	 */
	if (g->results != NULL && !config) {
		u->fleet_until = time(NULL) + (time_t)g->conf->scanner.wait;
		u->fleet_wait = results_lookup(g->results, digest,
		    upload_fleet_cb, u) == 0;
	}
	upload_commit(u, digest, authorization);
	return 0;
}

int
upload_scanning(struct gate *g, const char *digest)
{
	struct upload	*u;

	TAILQ_FOREACH(u, &g->uploads, entry)
		if (u->committed && !u->aborted && strcmp(u->digest, digest) == 0)
			return 1;
	return 0;
}

void
upload_shutdown(struct gate *g)
{
	struct upload	*u;

	while ((u = TAILQ_FIRST(&g->uploads)) != NULL) {
		u->waiter = NULL;
		if (u->feed == NULL) {
			upload_free(u);
			continue;
		}
		if (!u->committed)
			upload_abort(u);
		else {
			/* A read-back of a stalled registry must not hold us. */
			if (u->rb != NULL)
				readback_cancel(u->rb);
			feed_abort(u->feed);
		}
		upload_free(u);		/* joins the thread */
	}
}
