#include "proxy/gate/monitor.h"
#include "proxy/gate/attest.h"
#include "proxy/gate/gatecache.h"
#include "proxy/gate/record.h"
#include "proxy/gate/gate.h"
#include "scan/image/verdict.h"
#include "scan/image/matchmemo.h"
#include "store/db.h"
#include "conf/conf.h"
#include "conf/policy.h"
#include "conf/log.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * A loop turn re-matches images for up to this long (and at least one),
 * then yields: a request waits at most that long behind the sweep, and
 * only when it arrived mid-turn (the sweep runs at a lower priority).
 */
#define MONITOR_TURN_US	2000
/* What the sweep remembers of package matches, at most. */
#define MONITOR_MEMO_BYTES	(32u << 20)

struct monitor {
	struct gate	*g;
	struct event	*tick;		/* every monitor.interval */
	struct event	*step;		/* next batch, at once */
	char		 version[64];	/* data version last swept */
	char		**todo;		/* digests still to re-match */
	size_t		 ntodo, done;
	uint64_t	 flips_before;
	/*
	 * Decisions as they stood before a policy reload or an allowlist
	 * expiry, oldest first: a policy and the moment it decided at.
	 * Each is kept until every judged image has been decided under it
	 * and under its successor (was[1], or the running policy now);
	 * sweeping: the todo list is for that.
	 */
	struct monitor_was {
		struct policy	*policy;
		time_t		 at;
		int		 expiry;	/* what came next: 0 a reload */
	}		*was;
	size_t		 nwas;
	int		 sweeping;
	time_t		 expiry_seen;	/* allowlist expiries checked up to */
	uint64_t	 t0_us;		/* this sweep's start */
	uint64_t	 turn_max_us;	/* ... and its longest turn so far */
	uint64_t	 turn_t;	/* this turn's start */
	/* The images are listed a turn at a time, from list_after on. */
	int		 listing;
	char		*list_after;
	size_t		 listed, cap;
};

static uint64_t
monitor_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* A sweep is over: its time and longest turn, in the log and /metrics. */
static void
monitor_timed(struct monitor *m)
{
	uint64_t	us = monitor_now_us() - m->t0_us;

	m->g->stats.sweep_us = us;
	m->g->stats.sweep_turn_max_us = m->turn_max_us;
	m->g->stats.sweep_images = m->ntodo;
	log_info("monitor: the sweep of %zu images took %.1f s, its longest "
	    "loop turn %.1f ms", m->ntodo, (double)us / 1e6,
	    (double)m->turn_max_us / 1e3);
}

/* What the running policy sweep is about, for the log. */
static const char *
monitor_sweep_name(const struct monitor *m)
{
	return m->was[0].expiry ? "allowlist expiry" : "policy reloaded";
}

/* Forget the oldest: its sweep is over. */
static void
monitor_was_shift(struct monitor *m)
{
	policy_clear(m->was[0].policy);
	free(m->was[0].policy);
	memmove(m->was, m->was + 1, --m->nwas * sizeof(*m->was));
}

/*
 * Queue a sweep from policy p as it decided at `at`, before a reload or
 * (expiry) an allowlist entry running out; p is taken over.
 */
static void
monitor_was_push(struct monitor *m, struct policy *p, time_t at, int expiry)
{
	struct monitor_was	*nw;

	if ((nw = reallocarray(m->was, m->nwas + 1, sizeof(*nw))) == NULL) {
		log_warnx("monitor: out of memory: this change's flips go "
		    "unreported");
		policy_clear(p);
		free(p);
		return;
	}
	m->was = nw;
	m->was[m->nwas].policy = p;
	m->was[m->nwas].expiry = expiry;
	m->was[m->nwas++].at = at;
}

/* Finished documents made with other data than now: to re-match. */
/*
 * Is the image record json one to re-evaluate? A finished record whose
 * data version is not the current one (any finished one, for a policy
 * sweep). Read without parsing the record, which for a registry's worth
 * of images would hold the loop for seconds: the first "data_version"
 * key that is no escaped text inside a string. A pending record (rare)
 * is parsed to be sure.
 */
static int
monitor_wanted(struct monitor *m, const char *json)
{
	static const char	 key[] = "\"data_version\":\"";
	const char		*p = json;
	size_t			 vl = strlen(m->version);
	json_t			*j;
	int			 yes;

	if (json[0] != '{')
		return 0;		/* an index entry, not a record */
	if (strstr(json, "\"pending\":true") != NULL) {
		j = json_loads(json, 0, NULL);
		yes = json_is_string(json_object_get(j, "data_version")) &&
		    !json_is_true(json_object_get(j, "pending")) &&
		    (m->sweeping || strcmp(json_string_value(json_object_get(j,
		    "data_version")), m->version) != 0);
		json_decref(j);
		return yes;
	}
	while ((p = strstr(p, key)) != NULL && p > json && p[-1] == '\\')
		p += sizeof(key) - 1;
	if (p == NULL)
		return 0;		/* no data version: not judged yet */
	if (m->sweeping)
		return 1;
	p += sizeof(key) - 1;
	return !(strncmp(p, m->version, vl) == 0 && p[vl] == '"');
}

/* One record of the listing; 1 once this turn's time is up. */
static int
monitor_collect(const char *digest, const char *json, void *arg)
{
	struct monitor	*m = arg;
	char		**nt;

	free(m->list_after);
	if ((m->list_after = strdup(digest)) == NULL)
		return -1;
	if (monitor_wanted(m, json)) {
		if (m->ntodo == m->cap) {
			if ((nt = reallocarray(m->todo, m->cap ? m->cap * 2 :
			    1024, sizeof(*nt))) == NULL)
				return -1;
			m->todo = nt;
			m->cap = m->cap ? m->cap * 2 : 1024;
		}
		if ((m->todo[m->ntodo] = strdup(digest)) == NULL)
			return -1;
		m->ntodo++;
	}
	if ((++m->listed & 63) == 0 &&
	    monitor_now_us() - m->turn_t >= MONITOR_TURN_US)
		return 1;
	return 0;
}

static void
monitor_clear(struct monitor *m)
{
	size_t	i;

	for (i = 0; i < m->ntodo; i++)
		free(m->todo[i]);
	free(m->todo);
	m->todo = NULL;
	m->ntodo = m->done = m->cap = m->listed = 0;
	m->listing = 0;
	free(m->list_after);
	m->list_after = NULL;
	matchmemo_free(m->g->matchmemo);
	m->g->matchmemo = NULL;
}

/* A sweep begins: its clock starts, and the listing of the images. */
static void
monitor_begin(struct monitor *m)
{
	struct timeval	now = { 0, 0 };

	m->t0_us = monitor_now_us();
	m->turn_max_us = 0;
	m->listing = 1;
	event_add(m->step, &now);
}

/*
 * A turn of the listing. 1 more to list; 0 done, the matching next
 * (or nothing to do: cleared); -1 the store could not be read (cleared).
 */
static int
monitor_list_turn(struct monitor *m)
{
	struct store	*st = gate_store(m->g);
	int		 rv;

	if (st == NULL)
		rv = -1;
	else
		rv = store_digest_each_after(st, STORE_IMAGES, m->list_after,
		    monitor_collect, m);
	if (rv == 1)
		return 1;
	m->listing = 0;
	if (rv == -1) {
		log_warnx("monitor: cannot list the recorded images");
		if (m->sweeping)
			m->sweeping = 0;	/* try again next tick */
		else
			m->version[0] = '\0';	/* the same */
		monitor_clear(m);
		return -1;
	}
	m->flips_before = m->g->stats.verdicts_changed;
	if (m->sweeping)
		log_info("monitor: %s: re-evaluating %zu images",
		    monitor_sweep_name(m), m->ntodo);
	else if (m->ntodo > 0) {
		/* Images share their bases: each package is matched once. */
		m->g->matchmemo = matchmemo_new(MONITOR_MEMO_BYTES);
		log_info("monitor: advisory data changed to %s: re-evaluating "
		    "%zu images", m->version, m->ntodo);
	} else
		monitor_clear(m);
	return 0;
}

/* One judged image decided under the replaced policy and the new one. */
static void
monitor_policy_one(struct monitor *m, const char *digest)
{
	struct store	*st = gate_store(m->g);
	struct verdict	 before, after;
	char		*rec = NULL;
	const char	*repo;
	json_t		*doc;
	time_t		 now = time(NULL);

	if (st == NULL || store_digest_get(st, STORE_IMAGES, digest, &rec) !=
	    STORE_OK)
		return;
	if ((doc = json_loads(rec, 0, NULL)) != NULL) {
		repo = json_string_value(json_object_get(doc, "repository"));
		attest_verdict(st, m->was[0].policy, doc, repo ? repo : "",
		    digest, m->was[0].at, &before, NULL);
		if (m->nwas > 1)
			attest_verdict(st, m->was[1].policy, doc, repo ? repo :
			    "", digest, m->was[1].at, &after, NULL);
		else
			attest_verdict(st, &m->g->conf->policy, doc, repo ?
			    repo : "", digest, now, &after, NULL);
		record_flip(m->g, digest, repo, &before, &after,
		    m->was[0].expiry ? "an allowlist entry expired" :
		    "a policy reload", m->was[0].expiry ? "allowlist-expired" :
		    "policy");
		json_decref(doc);
	}
	free(rec);
}

static void
monitor_step_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct monitor	*m = arg;
	struct timeval	 now = { 0, 0 };
	char		*doc;
	int		 error, rv;
	uint64_t	 t = monitor_now_us(), el = 0;

	m->turn_t = t;
	if (m->listing) {
		rv = monitor_list_turn(m);
		el = monitor_now_us() - t;
		if (el > m->turn_max_us)
			m->turn_max_us = el;
		if (rv == 0 && m->ntodo == 0 && !m->sweeping)
			return;		/* nothing to re-evaluate */
		if (rv >= 0)
			event_add(m->step, &now);
		return;
	}
	while (m->done < m->ntodo && el < MONITOR_TURN_US) {
		if (m->sweeping)
			monitor_policy_one(m, m->todo[m->done]);
		else {
			/* Re-matches, stores, logs, tells webhooks. */
			doc = record_scan_doc(m->g, m->todo[m->done], &error);
			free(doc);
		}
		m->done++;
		el = monitor_now_us() - t;
	}
	if (el > m->turn_max_us)
		m->turn_max_us = el;
	if (m->done < m->ntodo) {
		event_add(m->step, &now);
		return;
	}
	monitor_timed(m);
	if (m->sweeping) {
		log_info("monitor: %s: %zu images re-evaluated, %llu verdicts "
		    "changed", monitor_sweep_name(m), m->ntodo,
		    (unsigned long long)(m->g->stats.verdicts_changed -
		    m->flips_before));
		monitor_was_shift(m);
		m->sweeping = 0;	/* the next tick takes the next one */
	} else
		log_info("monitor: advisory data %s: %zu images re-evaluated, "
		    "%llu verdicts changed", m->version, m->ntodo,
		    (unsigned long long)(m->g->stats.verdicts_changed -
		    m->flips_before));
	monitor_clear(m);
}

/* Every judged image, decided under the replaced policy and this one. */
static void
monitor_policy_sweep(struct monitor *m)
{
	m->sweeping = 1;
	monitor_begin(m);
}

static void
monitor_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct monitor	*m = arg;
	struct store	*st = gate_store(m->g);
	struct policy	*p;
	char		 ver[64] = "";
	time_t		 t = time(NULL);

	/*
	 * An allowlist entry ran out since the last look: what it allowed
	 * is decided again from now (the decision cache forgets), and a
	 * sweep reports what flipped, as for a reload.
	 */
	if (t > m->expiry_seen && policy_expired_between(&m->g->conf->policy,
	    m->expiry_seen, t)) {
		gatecache_clear(m->g->gatecache);
		if ((p = malloc(sizeof(*p))) == NULL ||
		    policy_copy(p, &m->g->conf->policy) == -1) {
			log_warnx("monitor: out of memory: flips from an "
			    "allowlist expiry go unreported");
			free(p);
		} else {
			log_info("monitor: an allowlist entry expired");
			monitor_was_push(m, p, m->expiry_seen, 1);
		}
	}
	if (t > m->expiry_seen)
		m->expiry_seen = t;
	if (st == NULL || m->ntodo > 0 || m->sweeping || m->listing)
		return;		/* no store yet, or a sweep still running */
	if (store_meta_get(st, "data_version", ver, sizeof(ver)) != STORE_OK ||
	    strcmp(ver, m->version) == 0) {
		if (m->nwas > 0)
			monitor_policy_sweep(m);
		return;
	}
	memcpy(m->version, ver, sizeof(m->version));
	monitor_begin(m);
}

int
monitor_start(struct gate *g)
{
	struct monitor	*m;
	struct timeval	 tv = { (time_t)g->conf->monitor_interval, 0 };
	struct store	*st;

	if (g->conf->monitor_interval == 0)
		return 0;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	m->g = g;
	m->expiry_seen = time(NULL);
	/* What is current at start needs no sweep: pulls re-match lazily. */
	if ((st = g->store) != NULL)
		store_meta_get(st, "data_version", m->version,
		    sizeof(m->version));
	if ((m->tick = event_new(g->base, -1, EV_PERSIST, monitor_tick_cb,
	    m)) == NULL || (m->step = evtimer_new(g->base, monitor_step_cb,
	    m)) == NULL || event_add(m->tick, &tv) == -1) {
		log_warnx("monitor: cannot start");
		if (m->tick != NULL)
			event_free(m->tick);
		if (m->step != NULL)
			event_free(m->step);
		free(m);
		return -1;
	}
	/* Below the requests' priority, where the base has one (serve.c). */
	(void)event_priority_set(m->step, 2);
	g->monitor = m;
	return 0;
}

void
monitor_policy_changed(struct gate *g, struct policy *was)
{
	struct monitor	*m = g->monitor;

	/* Monitoring off: pulls decide under the new policy, unreported. */
	if (m == NULL) {
		policy_clear(was);
		free(was);
		return;
	}
	monitor_was_push(m, was, time(NULL), 0);
	/* At once, unless a sweep is running: then after it. */
	event_active(m->tick, EV_TIMEOUT, 0);
}

void
monitor_stop(struct gate *g)
{
	struct monitor	*m = g->monitor;

	if (m == NULL)
		return;
	event_free(m->tick);
	event_free(m->step);
	monitor_clear(m);
	while (m->nwas > 0)
		monitor_was_shift(m);
	free(m->was);
	free(m);
	g->monitor = NULL;
}
